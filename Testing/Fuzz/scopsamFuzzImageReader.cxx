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
// Fuzz harness of micrograph reading through the entry point every command uses (scopsam::ReadGrayImage, which
// inspects the header first). Input: one byte that picks the file format by extension (ITK chooses its reader by
// the name for some formats), then the file's bytes. A clear scopsam::InputError is the expected answer to a bad
// file; an abort, a crash, any other exception, or an allocation past libFuzzer's -rss_limit_mb is a finding.
#include "scopsamImageIO.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <unistd.h>

namespace
{
constexpr const char * Extensions[] = { ".png", ".tif", ".jpg", ".bmp", ".mha", ".nrrd" };
constexpr std::size_t  NumberOfExtensions = sizeof(Extensions) / sizeof(Extensions[0]);
} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t * data, std::size_t size)
{
  if (size < 1)
  {
    return 0;
  }
  const std::string path = "/tmp/scopsam-fuzz-image-" + std::to_string(::getpid()) + Extensions[data[0] % NumberOfExtensions];
  {
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file.write(reinterpret_cast<const char *>(data + 1), static_cast<std::streamsize>(size - 1));
  }
  try
  {
    const auto image = scopsam::ReadGrayImage(path);
    // Touch every pixel, so that a buffer shorter than the region it claims shows under AddressSanitizer.
    volatile float sum = 0.0f;
    const auto     count = image->GetLargestPossibleRegion().GetNumberOfPixels();
    for (std::size_t i = 0; i < count; ++i)
    {
      sum = sum + image->GetBufferPointer()[i];
    }
  }
  catch (const scopsam::InputError &)
  {
    // the contract: one clear line for a bad file
  }
  std::remove(path.c_str());
  return 0;
}
