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
// A main() for the fuzz harnesses in builds without libFuzzer (GCC): runs the harness once on every file named on
// the command line or found in a folder named there, as libFuzzer does when given a corpus without -runs. ctest
// replays each committed corpus with it, so a harness's findings stay fixed in the normal build.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <vector>

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t * data, std::size_t size);

int
main(int argc, char * argv[])
{
  namespace fs = std::filesystem;
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i)
  {
    if (fs::is_directory(argv[i]))
    {
      for (const auto & entry : fs::recursive_directory_iterator(argv[i]))
      {
        if (entry.is_regular_file())
        {
          inputs.push_back(entry.path());
        }
      }
    }
    else
    {
      inputs.emplace_back(argv[i]);
    }
  }
  if (inputs.empty())
  {
    std::cerr << "usage: " << argv[0] << " CORPUS_FOLDER_OR_FILE...: nothing to replay\n";
    return 2;
  }
  for (const auto & input : inputs)
  {
    std::ifstream                   in(input, std::ios::binary);
    const std::vector<std::uint8_t> bytes{ std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>() };
    LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
  }
  std::cout << "replayed " << inputs.size() << " inputs\n";
  return 0;
}
