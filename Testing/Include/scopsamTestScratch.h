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
#ifndef scopsamTestScratch_h
#define scopsamTestScratch_h

#include <filesystem>
#include <string>
#include <system_error>

#include <unistd.h>

namespace scopsam
{

/** An empty folder `name` for a test, under this test process's scratch folder (the temporary directory's
 * scopsam-test-PID, so that test drivers running at once under ctest never share one), which is removed with
 * everything in it when the process ends. ITK-free: the Model and Trainer tests build without ITK. */
inline std::filesystem::path
TestScratchFolder(const std::string & name)
{
  namespace fs = std::filesystem;
  static const struct Root
  {
    fs::path Path = fs::temp_directory_path() / ("scopsam-test-" + std::to_string(::getpid()));
    ~Root()
    {
      std::error_code error;
      fs::remove_all(Path, error);
    }
  } root;
  const fs::path path = root.Path / name;
  fs::remove_all(path);
  fs::create_directories(path);
  return path;
}

} // namespace scopsam

#endif
