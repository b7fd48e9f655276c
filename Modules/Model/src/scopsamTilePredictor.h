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
#ifndef scopsamTilePredictor_h
#define scopsamTilePredictor_h

// The tile predictor (internal to SCoPSAMModel), SCoP-SAM's counterpart of Segment Anything's SamPredictor for a
// grid of tiles: SegmentationEngine::Predict() is one run of it.
#include "scopsamLoadedModel.h"

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace scopsam
{

/** What a TileEmbeddings holds: embeddings by tile origin, for one model, tile size and image size. */
struct TileEmbeddings::Impl
{
  explicit Impl(std::size_t maximumBytes)
    : MaximumBytes(maximumBytes)
  {}
  /** Makes the cache this image's: forgets every tile when the model, the tile size or the image size differ. */
  void
  Bind(const LoadedModel & model, const TileGrid & grid);
  /** The tile's embedding [1, C, h, w], or an undefined tensor. */
  torch::Tensor
  Find(const PixelRegion & tile) const;
  /** Keeps a tile's embedding where the budget allows. */
  void
  Keep(const PixelRegion & tile, const torch::Tensor & embedding);

  const std::size_t                                         MaximumBytes;
  mutable std::mutex                                        Mutex;
  std::map<std::pair<std::int64_t, std::int64_t>, torch::Tensor> Tiles;
  std::size_t                                               Bytes{ 0 };
  std::size_t                                               Encoded{ 0 };
  std::string                                               Model; // identity and device
  int                                                       TileSize{ 0 };
  std::int64_t                                              Width{ 0 }, Height{ 0 };
};

/** Runs the tiles of a grid that touch an output region through a loaded model and blends their probabilities.
 *
 * First the clicks' appearance tokens: each click's tile (ClickTile()) goes through the image encoder, and the
 * prompt encoder builds the click's token from that embedding. Then every tile: its pixels are gathered from the
 * image block (reflected beyond the image), and the network runs on them with the appearance tokens, the clicks
 * that fall in the tile as point tokens (padded, as a batch of tiles is, to the most clicks of the tile's batch)
 * and the region of interest as a box. Probabilities are accumulated with the blending window in the grid's order
 * and normalised once, so that a pixel's value depends neither on the batches nor on the threads.
 *
 * On a CPU the tiles run one by one (BLAS picks its kernels by matrix size, so a batched product rounds
 * differently from a single one) on `threads` workers at a time, each with one LibTorch thread; on CUDA a batch
 * runs as one, on the calling thread (there results agree to float precision, not to the bit).
 *
 * With a TileEmbeddings, a tile's image embedding comes from it where it is kept, and the image encoder runs only
 * on the others (decode(embedding) is what forward() runs after encode(), so the probabilities are the same). */
class TilePredictor
{
public:
  TilePredictor(const LoadedModel & model, const TileGrid & grid, const ImageBlock & input, const Prompts & prompts,
                TileEmbeddings * embeddings = nullptr);

  PredictionSummary
  Predict(const PixelRegion & output, float * probabilities, int threads, const ProgressCallback & progress,
          const std::atomic<bool> * abort);

private:
  void
  Gather(const PixelRegion & tile, float * image, float * priors) const;
  torch::Tensor
  ToDevice(torch::Tensor t) const;
  /** The image embeddings [B, C, h, w] of `tiles`, whose images and priors (on the device) are given: kept ones
   * from the cache, the others through the image encoder as one batch (and kept). */
  torch::Tensor
  Embed(const std::vector<PixelRegion> & tiles, const torch::Tensor & images, const torch::Tensor & priors) const;
  /** The clicks' appearance tokens [K, C], or undefined (no clicks, or a TorchScript model). */
  torch::Tensor
  AppearanceTokens() const;
  /** What the network says of some tiles, on the CPU. */
  struct TileOutput
  {
    torch::Tensor Probabilities; // sigmoid of the logits, [count, 1, T, T]
    torch::Tensor PredictedIoU;  // [count] float, or undefined (TorchScript models have no IoU head)
  };
  /** Tiles first .. first + count - 1 of one batch through the network. */
  TileOutput
  RunTiles(std::size_t first, std::size_t count) const;
  /** Blends tile `tile` (the i-th of `out`) into the output, and adds its predicted IoU to m_IoUSum. */
  void
  Accumulate(std::size_t tile, const TileOutput & out, std::int64_t i, const PixelRegion & output, float * probabilities,
             std::vector<float> & weightSum);
  /** Runs every tile on `threads` workers, accumulating in the grid's order on the calling thread; returns how
   * many distinct workers ran tiles. */
  std::size_t
  RunOnWorkers(int threads, const PixelRegion & output, float * probabilities, std::vector<float> & weightSum,
               const ProgressCallback & progress, const std::atomic<bool> * abort);

  const LoadedModel &      m_Model;
  const TileGrid &         m_Grid;
  const ImageBlock &       m_Input;
  const Prompts &          m_Prompts;
  TileEmbeddings::Impl *   m_Embeddings; // or null
  PixelRegion              m_RegionOfInterest;
  std::vector<PixelRegion> m_Tiles;       // that touch the output and the region of interest, in the grid's order
  std::vector<std::size_t> m_BatchPoints; // point tokens of each batch of BatchSize tiles
  std::vector<float>       m_Window;
  torch::Tensor            m_Appearance;
  double                   m_IoUSum{ 0 }; // over the tiles accumulated, in the grid's order
  std::size_t              m_IoUCount{ 0 };
};

} // namespace scopsam

#endif
