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
#ifndef scopsamSegmentationEngine_h
#define scopsamSegmentationEngine_h

#include "SCoPSAMModelExport.h"
#include "scopsamModelConfig.h"
#include "scopsamPrompts.h"
#include "scopsamTileGrid.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

/** \file scopsamSegmentationEngine.h
 * \brief SCoP-SAM inference over micrographs of any size: a loaded model and the tile predictor, without ITK.
 *
 * MakeTileGrid() places overlapping tiles on the whole image once (scopsamTileGrid.h); Predict() runs the network
 * on the tiles of a grid and blends their probabilities with a smooth window, accumulated with weights in the
 * grid's order and normalised once. On a CPU, N threads run N tiles at a time, each tile single-threaded, so the
 * probabilities of a region do not depend on how a caller splits the image (ITK streaming), on the batch size or
 * on the thread count.
 *
 * Public types carry no torch:: type (the ITK filter that wraps the engine is parsed by ITK's wrapping). The
 * network itself is reached, by the trainer and white-box tests, through src/scopsamLoadedModel.h (not installed).
 * \ingroup SCoPSAMModel
 */
namespace scopsam
{

/** A model file that cannot be used: not a model, truncated, corrupt (its SHA-256 does not match), of another format
 * version, or inconsistent with its configuration; also CUDA asked for where there is none. The command line reports it with exit status 2. */
class SCoPSAMModel_EXPORT ModelError : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};

/** Thrown by Predict() when its abort flag is raised between tiles. */
class SCoPSAMModel_EXPORT AbortedError : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};

/** Where and how the network runs. Device: "cpu", "cuda", "cuda:N" or "auto" (CUDA when there is one). */
struct DeviceOptions
{
  std::string Device{ "cpu" };
  int         Threads{ 0 };           // tiles run at a time on a CPU; 0: LibTorch's intra-op threads at each call
  bool        HalfPrecision{ false }; // CUDA only
};

/** Normalised image data of a rectangle of the whole image: row-major, Image[Width * Height] in [0, 1], and
 * PriorChannels planes of priors in [0, 1] (Priors may be null when the model takes none). */
struct ImageBlock
{
  PixelRegion   Region;
  const float * Image{ nullptr };
  const float * Priors{ nullptr };
};

using ProgressCallback = std::function<void(std::size_t tilesDone, std::size_t tilesTotal)>;

/** What Predict() ran and what the network says of its own output. */
struct PredictionSummary
{
  double      PredictedIoU{ -1 }; // mean of the IoU head over the tiles run (raw output); -1: none (TorchScript)
  std::size_t Tiles{ 0 };         // tiles run
  std::size_t Workers{ 0 };       // distinct threads that ran them
};

struct LoadedModel;

/** The image embeddings of one image's tiles (the image encoder's output, [C, T/16, T/16] each), kept between
 * SegmentationEngine::Predict() calls on that image so that new prompts rerun only the prompt encoder and the mask
 * decoder: Segment Anything's SamPredictor.set_image() / predict() over a grid of tiles.
 *
 * Tiles are kept by their place on the image, the grid's tiles and the tiles centred on clicks (ClickTile()) alike,
 * as they are first encoded, up to a byte budget (the default 1 GiB holds a 256-px tile's 128 KB for about 8000
 * tiles, some 300 Mpx with the default overlap); beyond it a tile is encoded again at every call, with the same
 * values. A cache belongs to one image as the network sees it (the same normalised pixels and priors): the caller
 * that changes the image calls Clear(); Predict() clears it itself when the model, the tile size or the image size
 * differ from those it was filled with. Thread-safe; Predict()'s workers share it. */
class SCoPSAMModel_EXPORT TileEmbeddings
{
public:
  static constexpr std::size_t DefaultMaximumBytes = std::size_t(1) << 30;

  explicit TileEmbeddings(std::size_t maximumBytes = DefaultMaximumBytes);
  ~TileEmbeddings();
  TileEmbeddings(const TileEmbeddings &) = delete;
  TileEmbeddings &
  operator=(const TileEmbeddings &) = delete;

  /** Forgets every tile (a new image). */
  void
  Clear();
  /** Tiles kept, and their bytes. */
  std::size_t
  GetTiles() const;
  std::size_t
  GetBytes() const;
  /** Tiles the image encoder ran on through this cache since it was made (kept or not): what a prompt cost. */
  std::size_t
  GetEncoded() const;

  struct Impl; // src/scopsamTilePredictor.h

private:
  friend class TilePredictor;
  std::unique_ptr<Impl> m_Impl;
};

class SCoPSAMModel_EXPORT SegmentationEngine
{
public:
  /** Loads a SCoP-SAM model file (weights and configuration, checked) or a TorchScript file following the
   * signature forward(image[N,1,H,W], priors[N,P,H,W], click_xy[N,K,2], click_label[N,K]) -> logits[N,1,H,W].
   * Throws ModelError naming what is wrong. */
  static std::unique_ptr<SegmentationEngine>
  Load(const std::string & path, const DeviceOptions & device = {});

  /** Loads a SCoP-SAM model file's bytes from memory (an embedded model); `name` names it in errors and provenance. */
  static std::unique_ptr<SegmentationEngine>
  LoadFromMemory(const char * data, std::size_t size, const std::string & name, const DeviceOptions & device = {});

  /** A network of the given configuration with freshly initialised weights (seeded). */
  static std::unique_ptr<SegmentationEngine>
  Create(const ModelConfig & config, std::uint64_t seed, const DeviceOptions & device = {});

  ~SegmentationEngine();
  SegmentationEngine(const SegmentationEngine &) = delete;
  SegmentationEngine &
  operator=(const SegmentationEngine &) = delete;

  const ModelConfig &
  GetConfig() const;
  /** Whether the weights came from a TorchScript file. */
  bool
  IsTorchScript() const;
  /** A short identity for provenance: configuration name, file name and a hash of the weights. */
  std::string
  GetIdentity() const;
  /** What the model file's checksum says: "sha256:<64 hex digits>" (verified at load: a file whose configuration or
   * weights do not match it is refused as corrupt), "absent" (a file saved before model files carried one: loaded
   * unverified), or "none (...)" for fresh weights and TorchScript. */
  std::string
  GetChecksum() const;
  /** The device the network runs on ("cpu", "cuda:0"). */
  std::string
  GetDevice() const;

  /** Records how the weights were made (the training command) and the pixel scale of the training data; saved with
   * the configuration. */
  void
  SetProvenance(const std::string & training, double trainingPixelScale);

  /** Stores automatic mode's probability threshold with the model (ModelConfig::Threshold, in [0, 1]; throws
   * ModelError otherwise). The trainer sets the threshold it selected the weights with. */
  void
  SetThreshold(double threshold);
  /** Records whether a loss term fitted the IoU head (ModelConfig::IoUHeadTrained); the trainer's command sets it. */
  void
  SetIoUHeadTrained(bool trained);

  /** Writes weights and configuration to one file (temporary file, then rename). Native models only. */
  void
  Save(const std::string & path) const;

  /** The tiles of a width x height image: TileSize and Overlap resolved against the model (0: the model's tile,
   * -1: a quarter of it), the tiles placed. Throws ModelError on absurd values or an empty image. */
  TileGrid
  MakeTileGrid(std::int64_t width, std::int64_t height, const TilingOptions & options) const;

  /** Probabilities of `output` (row-major, output.Pixels() values) of the grid's image, from `input`, which must
   * cover grid.InputRegion(output, prompts). Progress is reported after every BatchSize tiles; `abort`, when
   * raised, stops the work between tiles with AbortedError.
   *
   * Threads: on a CPU, N tiles run at a time on N threads (N: DeviceOptions::Threads, or else LibTorch's intra-op
   * threads of the calling thread, which ScopedThreadSettings sets), each with one LibTorch and one BLAS thread;
   * the process-wide settings are put back when Predict() returns. Calls from several threads, on one engine or
   * on several, are serialised (one process-wide lock, see ScopedThreadSettings): each already uses the N
   * threads it was given. On CUDA the tiles of a batch run as one.
   *
   * `embeddings`, when given, keeps the tiles' image embeddings of this image between calls (TileEmbeddings): a
   * call then runs the image encoder only on the tiles it does not hold, with the same probabilities as without. */
  PredictionSummary
  Predict(const TileGrid & grid, const ImageBlock & input, const Prompts & prompts, const PixelRegion & output,
          float * probabilities, const ProgressCallback & progress = nullptr,
          const std::atomic<bool> * abort = nullptr, TileEmbeddings * embeddings = nullptr) const;

  /** Loads the shared parts of a SAM ViT-B checkpoint (a plain dict of tensors, see Utilities/convert_sam_checkpoint.py)
   * into a vit_b network. Returns the names of SAM's tensors that found no home (expected: none) and fills
   * `notLoaded` with this network's parameters the checkpoint did not provide (expected: SCoP-SAM's own). */
  std::vector<std::string>
  ImportSAM(const std::string & checkpoint, std::vector<std::string> * notLoaded = nullptr);

private:
  friend struct EngineAccess; // src/scopsamLoadedModel.h
  explicit SegmentationEngine(std::unique_ptr<LoadedModel> model);
  std::unique_ptr<LoadedModel> m_Model;
};

} // namespace scopsam

#endif
