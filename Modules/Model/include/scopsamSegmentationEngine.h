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

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

/** \file scopsamSegmentationEngine.h
 * \brief SCoP-SAM inference over micrographs of any size: the network and the tile engine, without ITK.
 *
 * The engine places overlapping tiles on the whole image (the last tile of a row or column ends at the image
 * border; only an image smaller than a tile is padded, by reflection), runs the network on batches of tiles, and
 * blends the tiles' probabilities with a smooth window, accumulated with weights and normalised once. Where the
 * tiles fall depends only on the image size, the tile size and the overlap, so the probabilities of a region do
 * not depend on how a caller splits the image (ITK streaming), on the batch size or on the thread count.
 *
 * Public types carry no torch:: type (the ITK filter that wraps the engine is parsed by ITK's wrapping).
 * \ingroup SCoPSAMModel
 */
namespace scopsam
{

/** A model file that cannot be used: not a model, truncated, of another format version, or inconsistent with its
 * configuration; also CUDA asked for where there is none. The command line reports it with exit status 2. */
class SCoPSAMModel_EXPORT ModelError : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};

/** Thrown by Predict() when its abort flag is raised between batches. */
class SCoPSAMModel_EXPORT AbortedError : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};

/** A click: pixel index (X the column, Y the row, 0-based, of the whole image) and label (1 "this phase", 0 "not
 * this"). A click steers every tile: it becomes an appearance token, and a point token where it falls in a tile. */
struct Click
{
  double X{ 0 };
  double Y{ 0 };
  int    Label{ 1 };
};

/** A region of interest in pixel indices, inclusive corners: the phase is segmented inside, nothing outside. */
struct Box
{
  double X0{ 0 }, Y0{ 0 }, X1{ 0 }, Y1{ 0 };
};

struct Prompts
{
  std::vector<Click> Clicks;
  bool               HasBox{ false };
  Box                Region;
};

/** An index mirrored into [0, n): reflection without repeating the border pixel (-1 -> 1, n -> n - 2). How tiles
 * and training crops read beyond an image. */
inline std::int64_t
ReflectIndex(std::int64_t i, std::int64_t n)
{
  if (n == 1)
  {
    return 0;
  }
  const std::int64_t period = 2 * (n - 1);
  i = ((i % period) + period) % period;
  return i < n ? i : period - i;
}

/** A rectangle of pixel indices. */
struct PixelRegion
{
  std::int64_t X{ 0 }, Y{ 0 }, Width{ 0 }, Height{ 0 };
  std::int64_t
  Pixels() const
  {
    return Width * Height;
  }
  bool
  operator==(const PixelRegion & o) const
  {
    return X == o.X && Y == o.Y && Width == o.Width && Height == o.Height;
  }
};

enum class BlendingWindow
{
  Cosine,   // sin^2 across the tile
  Gaussian, // exp(-d^2 / (2 (T/4)^2)) from the tile centre
  Flat      // plain averaging of overlaps
};

struct TilingOptions
{
  int            TileSize{ 0 }; // 0: the model's
  int            Overlap{ -1 }; // -1: a quarter of the tile
  int            BatchSize{ 4 };
  BlendingWindow Window{ BlendingWindow::Cosine };
};

/** Where and how the network runs. Device: "cpu", "cuda", "cuda:N" or "auto" (CUDA when there is one). */
struct DeviceOptions
{
  std::string Device{ "cpu" };
  int         Threads{ 0 }; // LibTorch intra-op threads; 0: leave LibTorch's setting
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
  /** The device the network runs on ("cpu", "cuda:0"). */
  std::string
  GetDevice() const;

  /** Records how the weights were made (the training command) and the pixel scale of the training data; saved with
   * the configuration. */
  void
  SetProvenance(const std::string & training, double trainingPixelScale);

  /** Writes weights and configuration to one file (temporary file, then rename). Native models only. */
  void
  Save(const std::string & path) const;

  /** Threads of LibTorch's intra-op pool and of the BLAS library (OpenBLAS, where it is the one loaded). Callers
   * that run other parallel work (ITK filters) set it before each network run, so that the two never nest. */
  static void
  SetNumberOfThreads(int threads);

  /** Top-left corners of the tiles of a width x height image. */
  static std::vector<PixelRegion>
  PlaceTiles(std::int64_t width, std::int64_t height, int tileSize, int overlap);

  /** The tiling options with TileSize and Overlap resolved against the model; throws ModelError on absurd values. */
  TilingOptions
  Resolve(const TilingOptions & options) const;

  /** The rectangle of the image that Predict() reads to compute `output`: the tiles that touch it and the tiles
   * centred on the clicks, clipped to the image. */
  PixelRegion
  InputRegion(std::int64_t width, std::int64_t height, const PixelRegion & output, const Prompts & prompts,
              const TilingOptions & options) const;

  /** Probabilities of `output` (row-major, output.Pixels() values) of a width x height image, from `input`, which
   * must cover InputRegion(). Progress is reported after every batch; `abort`, when raised, stops the work
   * between batches with AbortedError. */
  void
  Predict(std::int64_t width, std::int64_t height, const ImageBlock & input, const Prompts & prompts,
          const TilingOptions & options, const PixelRegion & output, float * probabilities,
          const ProgressCallback & progress = nullptr, const std::atomic<bool> * abort = nullptr) const;

  /** Number of tiles Predict() runs for `output` (for progress bars). */
  std::size_t
  CountTiles(std::int64_t width, std::int64_t height, const PixelRegion & output, const TilingOptions & options) const;

  /** Loads the shared parts of a SAM ViT-B checkpoint (a plain dict of tensors, see Utilities/convert_sam_checkpoint.py)
   * into a vit_b network. Returns the names of SAM's tensors that found no home (expected: none) and fills
   * `notLoaded` with this network's parameters the checkpoint did not provide (expected: SCoP-SAM's own). */
  std::vector<std::string>
  ImportSAM(const std::string & checkpoint, std::vector<std::string> * notLoaded = nullptr);

  /** Internal state (the network), for the training code of the same library. */
  struct Impl;
  Impl &
  GetImpl() const;

private:
  explicit SegmentationEngine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_Impl;
};

} // namespace scopsam

#endif
