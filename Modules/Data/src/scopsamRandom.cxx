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
#include "scopsamRandom.h"

#include <cmath>

namespace scopsam
{
namespace
{
std::uint64_t
SplitMix(std::uint64_t & x)
{
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
std::uint64_t
RotateLeft(std::uint64_t x, int k)
{
  return (x << k) | (x >> (64 - k));
}
} // namespace

Random::Random(std::uint64_t seed)
  : m_Seed(seed)
{
  std::uint64_t x = seed;
  for (auto & s : m_State)
  {
    s = SplitMix(x);
  }
}

std::uint64_t
Random::Next()
{
  const std::uint64_t result = RotateLeft(m_State[1] * 5, 7) * 9;
  const std::uint64_t t = m_State[1] << 17;
  m_State[2] ^= m_State[0];
  m_State[3] ^= m_State[1];
  m_State[1] ^= m_State[2];
  m_State[0] ^= m_State[3];
  m_State[2] ^= t;
  m_State[3] = RotateLeft(m_State[3], 45);
  return result;
}

double
Random::Uniform()
{
  return static_cast<double>(Next() >> 11) * (1.0 / 9007199254740992.0);
}

double
Random::Uniform(double lower, double upper)
{
  return lower + (upper - lower) * Uniform();
}

int
Random::Integer(int lower, int upper)
{
  const auto span = static_cast<std::uint64_t>(static_cast<std::int64_t>(upper) - lower + 1);
  return lower + static_cast<int>(Next() % span);
}

double
Random::Normal()
{
  if (m_HasSpareNormal)
  {
    m_HasSpareNormal = false;
    return m_SpareNormal;
  }
  double u = Uniform();
  while (u <= 0.0)
  {
    u = Uniform();
  }
  const double v = Uniform();
  const double radius = std::sqrt(-2.0 * std::log(u));
  m_SpareNormal = radius * std::sin(2.0 * M_PI * v);
  m_HasSpareNormal = true;
  return radius * std::cos(2.0 * M_PI * v);
}

bool
Random::Chance(double p)
{
  return Uniform() < p;
}

Random
Random::Fork(std::uint64_t stream) const
{
  std::uint64_t x = m_Seed ^ (0xd1b54a32d192ed03ULL * (stream + 1));
  return Random(SplitMix(x));
}

} // namespace scopsam
