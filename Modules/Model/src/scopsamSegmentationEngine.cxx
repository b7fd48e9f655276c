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
#include "scopsamSegmentationEngine.h"

#include "scopsamDevice.h"
#include "scopsamModelFiles.h"
#include "scopsamThreadSettings.h"
#include "scopsamTilePredictor.h"

namespace scopsam
{

SegmentationEngine::SegmentationEngine(std::unique_ptr<LoadedModel> model)
  : m_Model(std::move(model))
{}

SegmentationEngine::~SegmentationEngine() = default;

std::unique_ptr<SegmentationEngine>
SegmentationEngine::Create(const ModelConfig & config, std::uint64_t seed, const DeviceOptions & device)
{
  auto model = BuildModel(config, seed);
  PlaceOnDevice(*model, device);
  return EngineAccess::Wrap(std::move(model));
}

std::unique_ptr<SegmentationEngine>
SegmentationEngine::LoadFromMemory(const char * data, std::size_t size, const std::string & name, const DeviceOptions & device)
{
  auto model = ReadModelBytes(data, size, name);
  PlaceOnDevice(*model, device);
  return EngineAccess::Wrap(std::move(model));
}

std::unique_ptr<SegmentationEngine>
SegmentationEngine::Load(const std::string & path, const DeviceOptions & device)
{
  auto model = ReadModelFile(path);
  PlaceOnDevice(*model, device);
  return EngineAccess::Wrap(std::move(model));
}

const ModelConfig &
SegmentationEngine::GetConfig() const
{
  return m_Model->Config;
}

bool
SegmentationEngine::IsTorchScript() const
{
  return m_Model->Script.has_value();
}

std::string
SegmentationEngine::GetIdentity() const
{
  return m_Model->Identity;
}

std::string
SegmentationEngine::GetChecksum() const
{
  return m_Model->Checksum;
}

std::string
SegmentationEngine::GetDevice() const
{
  return m_Model->Device.str();
}

void
SegmentationEngine::SetProvenance(const std::string & training, double trainingPixelScale)
{
  m_Model->Config.Training = training;
  m_Model->Config.TrainingPixelScale = trainingPixelScale;
}

void
SegmentationEngine::SetThreshold(double threshold)
{
  if (!(threshold >= 0.0 && threshold <= 1.0))
  {
    throw ModelError("a model's threshold must be in [0, 1], got " + std::to_string(threshold));
  }
  m_Model->Config.Threshold = threshold;
}

void
SegmentationEngine::SetIoUHeadTrained(bool trained)
{
  m_Model->Config.IoUHeadTrained = trained;
}

void
SegmentationEngine::Save(const std::string & path) const
{
  WriteModelFile(*m_Model, path);
}

std::vector<std::string>
SegmentationEngine::ImportSAM(const std::string & checkpoint, std::vector<std::string> * notLoaded)
{
  return ImportSAMCheckpoint(*m_Model, checkpoint, notLoaded);
}

TileGrid
SegmentationEngine::MakeTileGrid(std::int64_t width, std::int64_t height, const TilingOptions & options) const
{
  if (width < 1 || height < 1)
  {
    throw ModelError("the image is empty");
  }
  TileGrid grid;
  grid.ImageWidth = width;
  grid.ImageHeight = height;
  grid.TileSize = options.TileSize == 0 ? m_Model->Config.TileSize : options.TileSize;
  const int multiple = TileSizeMultiple(m_Model->Config);
  if (grid.TileSize < multiple || grid.TileSize > MaximumTileSize || grid.TileSize % multiple != 0)
  {
    throw ModelError("the tile size must be a multiple of " + std::to_string(multiple) + " in [" + std::to_string(multiple) +
                     ", " + std::to_string(MaximumTileSize) + "], got " + std::to_string(grid.TileSize));
  }
  // At most half a tile of overlap: tiles then advance by half a tile or more, so an image has at most about four
  // times the tiles it would have without overlap (time bounded by the image, not by the option).
  grid.Overlap = options.Overlap < 0 ? grid.TileSize / 4 : options.Overlap;
  if (grid.Overlap > grid.TileSize / 2)
  {
    throw ModelError("the overlap must be in [0, " + std::to_string(grid.TileSize / 2) + "] (half the tile of " +
                     std::to_string(grid.TileSize) + "), got " + std::to_string(grid.Overlap));
  }
  if (options.BatchSize < 1 || options.BatchSize > MaximumBatchSize(grid.TileSize))
  {
    throw ModelError("the batch size must be in [1, " + std::to_string(MaximumBatchSize(grid.TileSize)) + "] for tiles of " +
                     std::to_string(grid.TileSize) + " (at most " + std::to_string(MaximumBatchPixels) +
                     " pixels a call), got " + std::to_string(options.BatchSize));
  }
  grid.BatchSize = options.BatchSize;
  grid.Window = options.Window;
  grid.Tiles = PlaceTiles(width, height, grid.TileSize, grid.Overlap);
  return grid;
}

PredictionSummary
SegmentationEngine::Predict(const TileGrid & grid, const ImageBlock & input, const Prompts & prompts,
                            const PixelRegion & output, float * probabilities, const ProgressCallback & progress,
                            const std::atomic<bool> * abort, TileEmbeddings * embeddings) const
{
  // One run at a time in the process: the thread settings below belong to the process.
  const ScopedThreadSettings lock(0, 0);
  const bool                 cpu = !m_Model->Device.is_cuda();
  const int threads = m_Model->Threads > 0 ? m_Model->Threads : ScopedThreadSettings::GetIntraOpThreads();
  // Each tile single-threaded: a tile's probabilities do not depend on the thread count.
  const ScopedThreadSettings single(cpu ? 1 : 0, cpu ? 1 : 0);
  return TilePredictor(*m_Model, grid, input, prompts, embeddings)
    .Predict(output, probabilities, cpu ? threads : 1, progress, abort);
}

} // namespace scopsam
