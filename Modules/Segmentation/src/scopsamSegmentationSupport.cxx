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
#include "scopsamSegmentationSupport.h"

#include <filesystem>
#include <map>
#include <mutex>
#include <tuple>

namespace scopsam
{

std::shared_ptr<const SegmentationEngine>
LoadSharedEngine(const std::string & path, const DeviceOptions & device)
{
  if (path.empty())
  {
    throw ModelError("no model given: pass a model file (scopsam segment --model FILE, or SetModelFileName()); "
                     "an embedded default model is not part of this build yet");
  }
  static std::mutex                                                                              mutex;
  static std::map<std::tuple<std::string, long long, std::string, int, bool>, std::weak_ptr<const SegmentationEngine>> cache;
  const std::lock_guard<std::mutex> lock(mutex);
  // The file's modification time is part of the key: a model rewritten by training is loaded afresh.
  std::error_code error;
  const auto      modified = std::filesystem::last_write_time(path, error).time_since_epoch().count();
  const auto      key = std::make_tuple(path, static_cast<long long>(modified), device.Device, device.Threads, device.HalfPrecision);
  if (auto engine = cache[key].lock())
  {
    return engine;
  }
  std::shared_ptr<const SegmentationEngine> engine = SegmentationEngine::Load(path, device);
  cache[key] = engine;
  return engine;
}

} // namespace scopsam
