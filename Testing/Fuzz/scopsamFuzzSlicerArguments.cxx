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
// Fuzz harness of the 3D Slicer CLI modules' argument parsing (scopsam::RunSlicerModule through each module's one
// parameter description: the flags, the positionals, the number checks against the constraints, the point and
// region lists). Input: one byte that picks the module, then its arguments separated by newlines (at most 48).
// The expected answers are exit status 2 (bad arguments, or inputs that do not exist) or 0 (--xml, --help); a
// crash, an escaped exception, or another status is a finding. Run with libFuzzer's -close_fd_mask=3: every call
// prints its one line.
#include "scopsamSlicerModule.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t * data, std::size_t size)
{
  if (size < 1)
  {
    return 0;
  }
  using Module = int (*)(int, char **);
  constexpr Module modules[] = { &scopsam::GradientPriorSlicerModule, &scopsam::GrayscalePriorSlicerModule,
                                 &scopsam::SegmentationSlicerModule, &scopsam::QuantificationSlicerModule };
  std::vector<std::string> arguments{ "SCoPSAMFuzzedModule" };
  std::string              argument;
  for (std::size_t i = 1; i <= size; ++i)
  {
    if (i == size || data[i] == '\n')
    {
      arguments.push_back(argument);
      argument.clear();
      if (arguments.size() > 48)
      {
        break;
      }
    }
    else
    {
      argument += static_cast<char>(data[i]);
    }
  }
  std::vector<char *> argv;
  for (auto & a : arguments)
  {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  const int status = modules[data[0] % 4](static_cast<int>(arguments.size()), argv.data());
  if (status != 0 && status != 2)
  {
    std::abort(); // no input file exists under a fuzzed name: nothing may get past the checks to fail otherwise
  }
  return 0;
}
