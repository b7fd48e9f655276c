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
// Fuzz harness of the SEM calibration reader (scopsam::ReadTIFFCalibration: the TIFF directory and the vendors'
// text records). Input: the TIFF file's bytes; the seed corpus is Testing/Python/make_calibrated_tiffs.py's output
// (one file per vendor record). A clear scopsam::InputError (a corrupt directory) or no calibration is the expected
// answer; a crash, another exception, or a calibration that is not a plausible pixel size is a finding.
#include "scopsamCalibration.h"
#include "scopsamErrors.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <unistd.h>

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t * data, std::size_t size)
{
  const std::string path = "/tmp/scopsam-fuzz-calibration-" + std::to_string(::getpid()) + ".tif";
  {
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file.write(reinterpret_cast<const char *>(data), static_cast<std::streamsize>(size));
  }
  try
  {
    if (const auto calibration = scopsam::ReadTIFFCalibration(path))
    {
      if (!(std::isfinite(calibration->MicrometresPerPixel) && calibration->MicrometresPerPixel > 0.0 &&
            calibration->MicrometresPerPixel < 1000.0) ||
          calibration->Source.empty())
      {
        std::abort(); // the contract: a calibration is a plausible pixel size with its source
      }
    }
  }
  catch (const scopsam::InputError &)
  {
    // a corrupt TIFF directory: one clear line
  }
  std::remove(path.c_str());
  return 0;
}
