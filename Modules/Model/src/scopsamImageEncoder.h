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
#ifndef scopsamImageEncoder_h
#define scopsamImageEncoder_h

/** \file scopsamImageEncoder.h
 * \brief The image encoder: SAM's ViT (modeling/image_encoder.py) with SCoP-SAM's encoder prior entry points.
 *
 * Patch embedding, absolute position embedding, transformer blocks with windowed attention and a few global
 * blocks, each with decomposed relative positions, and the neck down to the prompt and decoder width: SAM's
 * ImageEncoderViT with its parameter names (patch_embed, pos_embed, blocks.i.attn.rel_pos_h, neck.0, ...). The
 * priors enter through prior_patch_embed and prior_adapters (scopsamImageEncoderPriors.h).
 * \ingroup SCoPSAMModel
 */

#include "scopsamCommonBlocks.h"
#include "scopsamImageEncoderPriors.h"
#include "scopsamModelConfig.h"

#include <torch/torch.h>

namespace scopsam
{
namespace network
{

/** Non-overlapping patches to tokens: [N, C, H, W] -> [N, H/p, W/p, D] (SAM's PatchEmbed, child "proj"). */
struct PatchEmbedImpl : torch::nn::Module
{
  PatchEmbedImpl(int64_t channels, int64_t dim, int64_t patch);
  torch::Tensor
  forward(const torch::Tensor & x);
  torch::nn::Conv2d proj{ nullptr };
};
TORCH_MODULE(PatchEmbed);

/** Multi-head attention over a [B, H, W, C] grid with decomposed relative positions (SAM's image encoder
 * Attention); the relative position tables cover a gridSize x gridSize grid (the window, or the whole grid). */
struct EncoderAttentionImpl : torch::nn::Module
{
  EncoderAttentionImpl(int64_t dim, int64_t heads, int64_t gridSize);
  torch::Tensor
  forward(const torch::Tensor & x);
  torch::nn::Linear qkv{ nullptr }, proj{ nullptr };
  torch::Tensor     rel_pos_h, rel_pos_w;
  int64_t           heads;
  double            scale;
};
TORCH_MODULE(EncoderAttention);

/** A transformer block, windowed (windowSize > 0) or global (SAM's Block). */
struct EncoderBlockImpl : torch::nn::Module
{
  EncoderBlockImpl(int64_t dim, int64_t heads, int64_t windowSize, int64_t gridSize);
  torch::Tensor
  forward(const torch::Tensor & x);
  torch::nn::LayerNorm norm1{ nullptr }, norm2{ nullptr };
  EncoderAttention     attn{ nullptr };
  MLPBlock             mlp{ nullptr };
  int64_t              windowSize;
};
TORCH_MODULE(EncoderBlock);

/** ViT image encoder with SAM's layout (patch_embed, pos_embed, blocks, neck) and, when
 * ModelConfig::PriorsInEncoder is on, prior_patch_embed and one PriorAdapter per block in prior_adapters. */
struct ImageEncoderImpl : torch::nn::Module
{
  explicit ImageEncoderImpl(const ModelConfig & config);
  /** image: [N, 3, T, T] (SAM-normalised), priors: [N, P, T, T] or undefined. Returns [N, EmbedDim, T/p, T/p]. */
  torch::Tensor
  forward(const torch::Tensor & image, const torch::Tensor & priors);

  PatchEmbed            patch_embed{ nullptr };
  torch::Tensor         pos_embed;
  torch::nn::ModuleList blocks;
  torch::nn::Sequential neck;
  PriorPatchEmbed       prior_patch_embed{ nullptr };
  torch::nn::ModuleList prior_adapters; // PriorAdapter after each block
  bool                  usePriors;
};
TORCH_MODULE(ImageEncoder);

} // namespace network
} // namespace scopsam

#endif
