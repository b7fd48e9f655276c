/*=========================================================================
 *
 *  Copyright SCoP-SAM contributors
 *
 *  Licensed under the Apache License, Version 2.0 (the "License");
 *  you may not use this file except in compliance with the License.
 *  You may obtain a copy of the License at
 *
 *         http://www.apache.org/licenses/LICENSE-2.0.txt
 *
 *  Unless required by applicable law or agreed to in writing, software
 *  distributed under the License is distributed on an "AS IS" BASIS,
 *  WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 *  See the License for the specific language governing permissions and
 *  limitations under the License.
 *
 *=========================================================================*/
#ifndef scopsamRandom_h
#define scopsamRandom_h

#include "SCoPSAMDataExport.h"

#include <cstdint>

namespace scopsam
{

/** \class Random
 * \brief A seeded generator whose sequence is fixed by this project, not by the standard library.
 *
 * xoshiro256** seeded through splitmix64, uniform doubles from the top 53 bits, normals by Box-Muller. The C++
 * standard fixes the engines but not the distributions, so std::normal_distribution would give other numbers
 * with another library: the synthetic data, the clicks drawn for evaluation and training augmentations use this
 * class so that a seed means the same images everywhere.
 *
 * \ingroup SCoPSAMData
 */
class SCoPSAMData_EXPORT Random
{
public:
  explicit Random(std::uint64_t seed);

  /** Next 64 random bits. */
  std::uint64_t
  Next();
  /** Uniform in [0, 1). */
  double
  Uniform();
  /** Uniform in [lower, upper). */
  double
  Uniform(double lower, double upper);
  /** Uniform integer in [lower, upper]. */
  int
  Integer(int lower, int upper);
  /** Standard normal. */
  double
  Normal();
  /** True with probability p. */
  bool
  Chance(double p);
  /** A generator for a sub-stream, independent of how much this one is used later. */
  Random
  Fork(std::uint64_t stream) const;

private:
  std::uint64_t m_State[4];
  std::uint64_t m_Seed;
  bool          m_HasSpareNormal{ false };
  double        m_SpareNormal{ 0.0 };
};

} // namespace scopsam

#endif
