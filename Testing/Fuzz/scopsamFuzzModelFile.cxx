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
// Fuzz harness of model-file loading (scopsam::SegmentationEngine::LoadFromMemory: the zip archive, the format
// version, the configuration - its sizes capped before any allocation -, every tensor's name and shape, the SHA-256
// of the weights). Input: a model file's bytes; the seed corpus is tiny configurations' files, written by
// scopsamFuzzMakeModelSeeds. A ModelError ("not a model", "corrupt model file", a configuration refused) is the
// expected answer; a crash, another exception, or an allocation past libFuzzer's -rss_limit_mb is a finding. A file
// that loads must be a working network: it segments one tile.
#include "scopsamSegmentationEngine.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t * data, std::size_t size)
{
  try
  {
    const auto engine =
      scopsam::SegmentationEngine::LoadFromMemory(reinterpret_cast<const char *>(data), size, "fuzzed model");
    if (engine->GetChecksum().rfind("sha256:", 0) != 0 && engine->GetChecksum() != "absent")
    {
      std::abort(); // a loaded native file's checksum was verified or is reported absent
    }
    const auto &             config = engine->GetConfig();
    const std::int64_t       side = config.TileSize;
    std::vector<float>       image(static_cast<std::size_t>(side * side), 0.5f);
    std::vector<float>       priors(static_cast<std::size_t>(side * side * config.PriorChannels), 0.5f);
    std::vector<float>       out(image.size());
    scopsam::ImageBlock      block{ { 0, 0, side, side }, image.data(), priors.data() };
    engine->Predict(engine->MakeTileGrid(side, side, {}), block, {}, { 0, 0, side, side }, out.data());
  }
  catch (const scopsam::ModelError &)
  {
    // not a model, a corrupt one, or a configuration refused: one clear line
  }
  return 0;
}
