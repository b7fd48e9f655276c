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
#ifndef scopsamPromptEncoder_h
#define scopsamPromptEncoder_h

/** \file scopsamPromptEncoder.h
 * \brief The prompt encoder: SAM's (modeling/prompt_encoder.py) with SCoP-SAM's phase tokens and dense prior prompt.
 *
 * Sparse prompts as in SAM: clicks inside the tile as point tokens at their position (pe_layer, point_embeddings,
 * not_a_point_embed), a region of interest as two corner tokens. Then SCoP-SAM's phase tokens: the appearance
 * tokens of the user's clicks (the image embedding and the priors sampled at each click, position-free, shared by
 * every tile: a click names a phase, everywhere), or the learned default-phase token in automatic mode. Dense
 * prompt: SAM's no-mask embedding plus the dense prior prompt (scopsamPromptEncoderPriors.h). SAM's mask prompt
 * path (mask_downscaling) is kept so that SAM weights load, and is not used.
 * \ingroup SCoPSAMModel
 */

#include "scopsamModelConfig.h"
#include "scopsamPromptEncoderPriors.h"

#include <torch/torch.h>

#include <utility>

namespace scopsam
{
namespace network
{

/** Random Fourier features of positions (SAM's PositionEmbeddingRandom). */
struct PositionEmbeddingRandomImpl : torch::nn::Module
{
  explicit PositionEmbeddingRandomImpl(int64_t features);
  /** Dense positional encoding of an h x w grid: [C, h, w]. */
  torch::Tensor
  forward(int64_t h, int64_t w);
  /** Encoding of pixel coordinates [..., 2] (x, y) in an image of the given size: [..., C]. */
  torch::Tensor
  encodeCoordinates(const torch::Tensor & coordinates, int64_t height, int64_t width);
  torch::Tensor positional_encoding_gaussian_matrix;
};
TORCH_MODULE(PositionEmbeddingRandom);

/** Clicks and box of a batch of tiles, in tile pixel coordinates. */
struct TilePrompts
{
  torch::Tensor PointCoordinates; // [N, K, 2] (x, y), K >= 0
  torch::Tensor PointLabels;      // [N, K]: 1 positive, 0 negative, -1 padding
  torch::Tensor Boxes;            // [N, 4] (x0, y0, x1, y1) or undefined
  torch::Tensor Appearance;       // [A, C] appearance tokens shared by every tile, or undefined (automatic mode)
};

/** SAM's prompt encoder plus the dense prior prompt, appearance tokens and the default-phase token. */
struct PromptEncoderImpl : torch::nn::Module
{
  explicit PromptEncoderImpl(const ModelConfig & config);
  /** Sparse tokens [N, S, C] and dense embeddings [N, C, h, w] for tiles of `tileSize` pixels whose embedding grid
   * is h x w (the configured tile size, or another multiple of the patch size). */
  std::pair<torch::Tensor, torch::Tensor>
  forward(const TilePrompts & prompts, const torch::Tensor & priors, int64_t batch, int64_t tileSize, int64_t h, int64_t w);
  /** Dense positional encoding of an h x w embedding grid, [1, C, h, w]. */
  torch::Tensor
  denseEncoding(int64_t h, int64_t w);
  /** Appearance tokens [K, C] of clicks: embedding [1, C, h, w] and priors [1, P, T, T] of the tile that holds
   * them, click coordinates [K, 2] in that tile's pixels, labels [K] (1 or 0). */
  torch::Tensor
  appearanceTokens(const torch::Tensor & embedding, const torch::Tensor & priors, const torch::Tensor & coordinates,
                   const torch::Tensor & labels);

  PositionEmbeddingRandom pe_layer{ nullptr };
  torch::nn::ModuleList   point_embeddings;
  torch::nn::Embedding    not_a_point_embed{ nullptr };
  torch::nn::Sequential   mask_downscaling; // SAM's mask prompt path: kept for weight compatibility, unused
  torch::nn::Embedding    no_mask_embed{ nullptr };
  torch::nn::Sequential   prior_prompt{ nullptr }; // DensePriorPrompt, when ModelConfig::PriorsInPrompt is on
  torch::nn::Linear       appearance_proj{ nullptr };
  torch::nn::Embedding    appearance_label_embed{ nullptr };
  torch::nn::Embedding    default_phase_embed{ nullptr };
  int64_t                 embedDim;
  bool                    usePriors;
};
TORCH_MODULE(PromptEncoder);

} // namespace network
} // namespace scopsam

#endif
