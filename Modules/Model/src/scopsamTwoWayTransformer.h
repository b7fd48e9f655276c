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
#ifndef scopsamTwoWayTransformer_h
#define scopsamTwoWayTransformer_h

/** \file scopsamTwoWayTransformer.h
 * \brief SAM's two-way transformer (modeling/transformer.py): the attention between prompt tokens and the image.
 *
 * Each block runs self-attention of the tokens, cross-attention from the tokens to the image, an MLP on the tokens
 * and cross-attention from the image to the tokens; a last token-to-image attention ends the stack. Parameter
 * names are SAM's (layers.i.self_attn.q_proj, ..., final_attn_token_to_image, norm_final_attn). Used by
 * MaskDecoder (scopsamMaskDecoder.h).
 * \ingroup SCoPSAMModel
 */

#include "scopsamCommonBlocks.h"

#include <torch/torch.h>

#include <utility>

namespace scopsam
{
namespace network
{

/** Attention with a down-projection of queries, keys and values to dim / downsample (SAM's transformer
 * Attention). */
struct DecoderAttentionImpl : torch::nn::Module
{
  DecoderAttentionImpl(int64_t dim, int64_t heads, int64_t downsample);
  torch::Tensor
  forward(const torch::Tensor & q, const torch::Tensor & k, const torch::Tensor & v);
  torch::nn::Linear q_proj{ nullptr }, k_proj{ nullptr }, v_proj{ nullptr }, out_proj{ nullptr };
  int64_t           heads;
};
TORCH_MODULE(DecoderAttention);

/** One block of the two-way transformer (SAM's TwoWayAttentionBlock); the first block adds no positional
 * encoding to the queries of its self-attention. */
struct TwoWayAttentionBlockImpl : torch::nn::Module
{
  TwoWayAttentionBlockImpl(int64_t dim, int64_t heads, int64_t mlpDim, bool skipFirstLayerPe);
  /** Queries [N, S, C] and keys [N, hw, C] with their positional encodings; returns the updated pair. */
  std::pair<torch::Tensor, torch::Tensor>
  forward(torch::Tensor queries, torch::Tensor keys, const torch::Tensor & queryPe, const torch::Tensor & keyPe);
  DecoderAttention     self_attn{ nullptr }, cross_attn_token_to_image{ nullptr }, cross_attn_image_to_token{ nullptr };
  torch::nn::LayerNorm norm1{ nullptr }, norm2{ nullptr }, norm3{ nullptr }, norm4{ nullptr };
  MLPBlock             mlp{ nullptr };
  bool                 skipFirstLayerPe;
};
TORCH_MODULE(TwoWayAttentionBlock);

/** SAM's TwoWayTransformer: `depth` blocks and a final token-to-image attention. */
struct TwoWayTransformerImpl : torch::nn::Module
{
  TwoWayTransformerImpl(int64_t depth, int64_t dim, int64_t heads, int64_t mlpDim);
  /** image [N, C, h, w], its positional encoding [N, C, h, w] and tokens [N, S, C]: returns the tokens [N, S, C]
   * and the image [N, hw, C] after attention. */
  std::pair<torch::Tensor, torch::Tensor>
  forward(const torch::Tensor & image, const torch::Tensor & imagePe, const torch::Tensor & tokens);
  torch::nn::ModuleList layers;
  DecoderAttention      final_attn_token_to_image{ nullptr };
  torch::nn::LayerNorm  norm_final_attn{ nullptr };
};
TORCH_MODULE(TwoWayTransformer);

} // namespace network
} // namespace scopsam

#endif
