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
#ifndef scopsamSha256_h
#define scopsamSha256_h

// SHA-256 (FIPS 180-4), internal to SCoPSAMModel: the checksum a model file carries of its weights. Written here
// rather than taken from OpenSSL so that the Model library keeps LibTorch as its only dependency (it also builds
// on a GPU machine with PyTorch's LibTorch and nothing else).
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace scopsam
{

/** Incremental SHA-256: Update() any number of times, then HexDigest() once. */
class Sha256
{
public:
  Sha256();
  void
  Update(const void * data, std::size_t size);
  /** The digest as 64 lower-case hex digits; the object is spent afterwards. */
  std::string
  HexDigest();

private:
  void
  Compress(const std::uint8_t * block);

  std::array<std::uint32_t, 8> m_State;
  std::array<std::uint8_t, 64> m_Block{};
  std::size_t                  m_BlockFill{ 0 };
  std::uint64_t                m_Bytes{ 0 };
};

} // namespace scopsam

#endif
