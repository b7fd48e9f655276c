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
#ifndef scopsamNetwork_h
#define scopsamNetwork_h

// SCoP-SAM's network in LibTorch: Segment Anything's three stages (image encoder, prompt encoder, mask decoder),
// with the parameter names of SAM's PyTorch code so that SAM ViT-B weights load into the shared parts, plus the
// prior entry points (prior patch embedding and a PriorAdapter per encoder block; dense prior prompt and appearance
// tokens; full-resolution prior fusion in the decoder). Internal to the SCoPSAMModel library: no public header
// includes this file, so ITK's wrapping and the filters never see a torch:: type.

#include "scopsamModelConfig.h"

#include <torch/torch.h>

namespace scopsam
{
namespace network
{

/** LayerNorm over the channels of an [N, C, H, W] tensor (SAM's LayerNorm2d). */
struct LayerNorm2dImpl : torch::nn::Module
{
  explicit LayerNorm2dImpl(int64_t channels, double eps = 1e-6);
  torch::Tensor
  forward(const torch::Tensor & x);
  torch::Tensor weight, bias;
  double        eps;
};
TORCH_MODULE(LayerNorm2d);

/** Two linear layers with an activation between (SAM's MLPBlock: lin1, lin2). */
struct MLPBlockImpl : torch::nn::Module
{
  MLPBlockImpl(int64_t dim, int64_t hidden, bool relu);
  torch::Tensor
  forward(const torch::Tensor & x);
  torch::nn::Linear lin1{ nullptr }, lin2{ nullptr };
  bool              relu;
};
TORCH_MODULE(MLPBlock);

/** A stack of linear layers with ReLU between (SAM's MLP: layers.0, layers.1, ...). */
struct MLPImpl : torch::nn::Module
{
  MLPImpl(int64_t input, int64_t hidden, int64_t output, int64_t count);
  torch::Tensor
  forward(torch::Tensor x);
  torch::nn::ModuleList layers;
};
TORCH_MODULE(MLP);

// ---- image encoder ---------------------------------------------------------------------------------------------

/** Non-overlapping patches to tokens: [N, C, H, W] -> [N, H/p, W/p, D] (SAM's PatchEmbed, child "proj"). */
struct PatchEmbedImpl : torch::nn::Module
{
  PatchEmbedImpl(int64_t channels, int64_t dim, int64_t patch);
  torch::Tensor
  forward(const torch::Tensor & x);
  torch::nn::Conv2d proj{ nullptr };
};
TORCH_MODULE(PatchEmbed);

/** Multi-head attention over a [B, H, W, C] grid with decomposed relative positions (SAM's image encoder). */
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

/** SCoP-SAM's prior adapter: a bottleneck MLP over a token and its prior token, added to the token. The output
 * layer starts at zero, so a pretrained encoder is unchanged until training moves it. */
struct PriorAdapterImpl : torch::nn::Module
{
  PriorAdapterImpl(int64_t dim, int64_t bottleneck);
  torch::Tensor
  forward(const torch::Tensor & tokens, const torch::Tensor & priorTokens);
  torch::nn::Linear down{ nullptr }, up{ nullptr };
};
TORCH_MODULE(PriorAdapter);

/** ViT image encoder with SAM's layout (patch_embed, pos_embed, blocks, neck) and, when the configuration asks
 * for it, prior_patch_embed and prior_adapters. */
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
  PatchEmbed            prior_patch_embed{ nullptr };
  torch::nn::ModuleList prior_adapters;
  bool                  usePriors;
};
TORCH_MODULE(ImageEncoder);

// ---- prompt encoder --------------------------------------------------------------------------------------------

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
  torch::nn::Sequential   prior_prompt{ nullptr };
  torch::nn::Linear       appearance_proj{ nullptr };
  torch::nn::Embedding    appearance_label_embed{ nullptr };
  torch::nn::Embedding    default_phase_embed{ nullptr };
  int64_t                 embedDim;
  bool                    usePriors;
};
TORCH_MODULE(PromptEncoder);

// ---- mask decoder ----------------------------------------------------------------------------------------------

/** Attention with a down-projection of queries, keys and values (SAM's decoder Attention). */
struct DecoderAttentionImpl : torch::nn::Module
{
  DecoderAttentionImpl(int64_t dim, int64_t heads, int64_t downsample);
  torch::Tensor
  forward(const torch::Tensor & q, const torch::Tensor & k, const torch::Tensor & v);
  torch::nn::Linear q_proj{ nullptr }, k_proj{ nullptr }, v_proj{ nullptr }, out_proj{ nullptr };
  int64_t           heads;
};
TORCH_MODULE(DecoderAttention);

struct TwoWayAttentionBlockImpl : torch::nn::Module
{
  TwoWayAttentionBlockImpl(int64_t dim, int64_t heads, int64_t mlpDim, bool skipFirstLayerPe);
  std::pair<torch::Tensor, torch::Tensor>
  forward(torch::Tensor queries, torch::Tensor keys, const torch::Tensor & queryPe, const torch::Tensor & keyPe);
  DecoderAttention     self_attn{ nullptr }, cross_attn_token_to_image{ nullptr }, cross_attn_image_to_token{ nullptr };
  torch::nn::LayerNorm norm1{ nullptr }, norm2{ nullptr }, norm3{ nullptr }, norm4{ nullptr };
  MLPBlock             mlp{ nullptr };
  bool                 skipFirstLayerPe;
};
TORCH_MODULE(TwoWayAttentionBlock);

struct TwoWayTransformerImpl : torch::nn::Module
{
  TwoWayTransformerImpl(int64_t depth, int64_t dim, int64_t heads, int64_t mlpDim);
  std::pair<torch::Tensor, torch::Tensor>
  forward(const torch::Tensor & image, const torch::Tensor & imagePe, const torch::Tensor & tokens);
  torch::nn::ModuleList layers;
  DecoderAttention      final_attn_token_to_image{ nullptr };
  torch::nn::LayerNorm  norm_final_attn{ nullptr };
};
TORCH_MODULE(TwoWayTransformer);

/** SAM's mask decoder (two-way transformer, upscaling, hypernetworks, IoU head) with SCoP-SAM's full-resolution
 * prior fusion before the final mask. */
struct MaskDecoderImpl : torch::nn::Module
{
  explicit MaskDecoderImpl(const ModelConfig & config);
  /** Mask logits [N, 1, T, T] and predicted IoU [N, 1]. */
  std::pair<torch::Tensor, torch::Tensor>
  forward(const torch::Tensor & embedding, const torch::Tensor & imagePe, const torch::Tensor & sparse,
          const torch::Tensor & dense, const torch::Tensor & image, const torch::Tensor & priors);

  TwoWayTransformer     transformer{ nullptr };
  torch::nn::Embedding  iou_token{ nullptr }, mask_tokens{ nullptr };
  torch::nn::Sequential output_upscaling;
  torch::nn::ModuleList output_hypernetworks_mlps;
  MLP                   iou_prediction_head{ nullptr };
  torch::nn::Sequential prior_fusion_quarter{ nullptr }, prior_fusion_full{ nullptr }, refine_head{ nullptr };
  bool                  usePriors;
};
TORCH_MODULE(MaskDecoder);

// ---- the whole network -----------------------------------------------------------------------------------------

/** SCoP-SAM: image [N, 1, T, T] in [0, 1], priors [N, P, T, T] in [0, 1], prompts -> mask logits [N, 1, T, T]. */
struct SCoPSAMNetImpl : torch::nn::Module
{
  explicit SCoPSAMNetImpl(const ModelConfig & config);
  /** The image embedding of tiles: [N, C, h, w]. */
  torch::Tensor
  encode(const torch::Tensor & image, const torch::Tensor & priors);
  /** Mask logits [N, 1, T, T] of tiles whose embedding is known. */
  torch::Tensor
  decode(const torch::Tensor & embedding, const torch::Tensor & image, const torch::Tensor & priors,
         const TilePrompts & prompts);
  torch::Tensor
  forward(const torch::Tensor & image, const torch::Tensor & priors, const TilePrompts & prompts);

  ImageEncoder  image_encoder{ nullptr };
  PromptEncoder prompt_encoder{ nullptr };
  MaskDecoder   mask_decoder{ nullptr };
  torch::Tensor pixel_mean, pixel_std; // SAM's RGB normalisation (0..255 scale)
  ModelConfig   config;
};
TORCH_MODULE(SCoPSAMNet);

/** Names of the parameters that SCoP-SAM adds to SAM (the prior entry points and the new tokens): what a SAM
 * checkpoint cannot provide. */
bool
IsSCoPSAMOnlyParameter(const std::string & name);

} // namespace network
} // namespace scopsam

#endif
