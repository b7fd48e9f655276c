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

#ifdef SCOPSAM_HAS_DEFAULT_MODEL
extern "C" const char scopsam_default_model_begin[];
extern "C" const char scopsam_default_model_end[];
#endif

namespace scopsam
{

bool
HasDefaultModel()
{
#ifdef SCOPSAM_HAS_DEFAULT_MODEL
  return true;
#else
  return false;
#endif
}

namespace
{
/** Whether `path` names the embedded default model: empty, or DefaultModelName where no such file exists. */
bool
NamesTheDefaultModel(const std::string & path)
{
  std::error_code error;
  return path.empty() || (path == DefaultModelName && !std::filesystem::exists(path, error));
}

/** The embedded default model, loaded afresh. Throws ModelError where this build embeds none. */
std::unique_ptr<SegmentationEngine>
LoadEmbeddedDefaultModel(const DeviceOptions & device)
{
#ifdef SCOPSAM_HAS_DEFAULT_MODEL
  return SegmentationEngine::LoadFromMemory(scopsam_default_model_begin,
                                            static_cast<std::size_t>(scopsam_default_model_end - scopsam_default_model_begin),
                                            "scopsam_small_default.pt (embedded default model)", device);
#else
  (void)device;
  throw ModelError("no model given, and this build has no embedded default model (Modules/Model/model/"
                   "scopsam_small_default.pt was absent when it was configured): pass a model file");
#endif
}
} // namespace

std::unique_ptr<SegmentationEngine>
LoadEngine(const std::string & path, const DeviceOptions & device)
{
  return NamesTheDefaultModel(path) ? LoadEmbeddedDefaultModel(device) : SegmentationEngine::Load(path, device);
}

std::shared_ptr<const SegmentationEngine>
LoadSharedEngine(const std::string & path, const DeviceOptions & device)
{
  if (NamesTheDefaultModel(path))
  {
    static std::mutex                                 defaultMutex;
    static std::map<std::tuple<std::string, int, bool>, std::weak_ptr<const SegmentationEngine>> defaults;
    // The one used last is also kept: calls one after another find it although none holds it in between. Never
    // destroyed (the process's end frees it), so that no tensor outlives LibTorch's own static state at exit.
    static auto * last = new std::shared_ptr<const SegmentationEngine>();
    const std::lock_guard<std::mutex> lock(defaultMutex);
    auto & shared = defaults[std::make_tuple(device.Device, device.Threads, device.HalfPrecision)];
    std::shared_ptr<const SegmentationEngine> engine = shared.lock();
    if (!engine)
    {
      engine = LoadEmbeddedDefaultModel(device);
      shared = engine;
    }
    *last = engine;
    return engine;
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
