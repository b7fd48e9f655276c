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
#include "scopsamNetwork.h"

#include <cmath>

namespace F = torch::nn::functional;

namespace scopsam
{
namespace network
{
namespace
{

/** Relative position table for q_size queries and k_size keys, resized when the table is of another length. */
torch::Tensor
RelativePositions(int64_t qSize, int64_t kSize, const torch::Tensor & table)
{
  const int64_t maxDistance = 2 * std::max(qSize, kSize) - 1;
  torch::Tensor resized = table;
  if (table.size(0) != maxDistance)
  {
    resized = F::interpolate(table.reshape({ 1, table.size(0), -1 }).permute({ 0, 2, 1 }),
                             F::InterpolateFuncOptions().size(std::vector<int64_t>{ maxDistance }).mode(torch::kLinear).align_corners(false));
    resized = resized.reshape({ -1, maxDistance }).permute({ 1, 0 });
  }
  const double  qScale = std::max(static_cast<double>(kSize) / qSize, 1.0);
  const double  kScale = std::max(static_cast<double>(qSize) / kSize, 1.0);
  auto          options = torch::TensorOptions().dtype(torch::kFloat32).device(table.device());
  torch::Tensor q = torch::arange(qSize, options).unsqueeze(1) * qScale;
  torch::Tensor k = torch::arange(kSize, options).unsqueeze(0) * kScale;
  torch::Tensor relative = (q - k) + (kSize - 1) * kScale;
  return resized.index({ relative.to(torch::kLong) });
}

torch::Tensor
ZeroInitialised(torch::nn::Linear layer)
{
  torch::NoGradGuard noGrad;
  layer->weight.zero_();
  if (layer->bias.defined())
  {
    layer->bias.zero_();
  }
  return layer->weight;
}

void
ZeroInitialised(const std::shared_ptr<torch::nn::Module> & module)
{
  auto               conv = std::dynamic_pointer_cast<torch::nn::Conv2dImpl>(module);
  torch::NoGradGuard noGrad;
  conv->weight.zero_();
  if (conv->bias.defined())
  {
    conv->bias.zero_();
  }
}

torch::nn::Conv2d
Conv(int64_t in, int64_t out, int64_t kernel, int64_t stride = 1, int64_t padding = 0, bool bias = true)
{
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding).bias(bias));
}

} // namespace

LayerNorm2dImpl::LayerNorm2dImpl(int64_t channels, double eps)
  : eps(eps)
{
  weight = register_parameter("weight", torch::ones({ channels }));
  bias = register_parameter("bias", torch::zeros({ channels }));
}

torch::Tensor
LayerNorm2dImpl::forward(const torch::Tensor & x)
{
  const auto mean = x.mean(1, true);
  const auto variance = (x - mean).pow(2).mean(1, true);
  const auto normalized = (x - mean) / torch::sqrt(variance + eps);
  return weight.view({ 1, -1, 1, 1 }) * normalized + bias.view({ 1, -1, 1, 1 });
}

MLPBlockImpl::MLPBlockImpl(int64_t dim, int64_t hidden, bool relu)
  : relu(relu)
{
  lin1 = register_module("lin1", torch::nn::Linear(dim, hidden));
  lin2 = register_module("lin2", torch::nn::Linear(hidden, dim));
}

torch::Tensor
MLPBlockImpl::forward(const torch::Tensor & x)
{
  const auto h = lin1(x);
  return lin2(relu ? torch::relu(h) : torch::gelu(h));
}

MLPImpl::MLPImpl(int64_t input, int64_t hidden, int64_t output, int64_t count)
{
  for (int64_t i = 0; i < count; ++i)
  {
    layers->push_back(torch::nn::Linear(i == 0 ? input : hidden, i == count - 1 ? output : hidden));
  }
  register_module("layers", layers);
}

torch::Tensor
MLPImpl::forward(torch::Tensor x)
{
  for (size_t i = 0; i < layers->size(); ++i)
  {
    x = layers[i]->as<torch::nn::Linear>()->forward(x);
    if (i + 1 < layers->size())
    {
      x = torch::relu(x);
    }
  }
  return x;
}

PatchEmbedImpl::PatchEmbedImpl(int64_t channels, int64_t dim, int64_t patch)
{
  proj = register_module("proj", Conv(channels, dim, patch, patch));
}

torch::Tensor
PatchEmbedImpl::forward(const torch::Tensor & x)
{
  return proj(x).permute({ 0, 2, 3, 1 });
}

EncoderAttentionImpl::EncoderAttentionImpl(int64_t dim, int64_t heads, int64_t gridSize)
  : heads(heads)
{
  const int64_t headDim = dim / heads;
  scale = 1.0 / std::sqrt(static_cast<double>(headDim));
  qkv = register_module("qkv", torch::nn::Linear(dim, 3 * dim));
  proj = register_module("proj", torch::nn::Linear(dim, dim));
  rel_pos_h = register_parameter("rel_pos_h", torch::zeros({ 2 * gridSize - 1, headDim }));
  rel_pos_w = register_parameter("rel_pos_w", torch::zeros({ 2 * gridSize - 1, headDim }));
}

torch::Tensor
EncoderAttentionImpl::forward(const torch::Tensor & x)
{
  const int64_t B = x.size(0), H = x.size(1), W = x.size(2);
  auto          qkvOut = qkv(x).reshape({ B, H * W, 3, heads, -1 }).permute({ 2, 0, 3, 1, 4 });
  auto          parts = qkvOut.reshape({ 3, B * heads, H * W, -1 }).unbind(0);
  auto &        q = parts[0];
  auto &        k = parts[1];
  auto &        v = parts[2];
  auto          attention = torch::matmul(q * scale, k.transpose(-2, -1));
  // Decomposed relative positions (SAM's add_decomposed_rel_pos).
  const auto    rh = RelativePositions(H, H, rel_pos_h);
  const auto    rw = RelativePositions(W, W, rel_pos_w);
  const int64_t dim = q.size(2);
  const auto    rq = q.reshape({ B * heads, H, W, dim });
  const auto    relH = torch::einsum("bhwc,hkc->bhwk", { rq, rh });
  const auto    relW = torch::einsum("bhwc,wkc->bhwk", { rq, rw });
  attention = (attention.view({ B * heads, H, W, H, W }) + relH.unsqueeze(4) + relW.unsqueeze(3)).view({ B * heads, H * W, H * W });
  attention = attention.softmax(-1);
  auto out = torch::matmul(attention, v).view({ B, heads, H, W, -1 }).permute({ 0, 2, 3, 1, 4 }).reshape({ B, H, W, -1 });
  return proj(out);
}

EncoderBlockImpl::EncoderBlockImpl(int64_t dim, int64_t heads, int64_t windowSize, int64_t gridSize)
  : windowSize(windowSize)
{
  norm1 = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({ dim }).eps(1e-6)));
  attn = register_module("attn", EncoderAttention(dim, heads, windowSize > 0 ? windowSize : gridSize));
  norm2 = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({ dim }).eps(1e-6)));
  mlp = register_module("mlp", MLPBlock(dim, 4 * dim, false));
}

torch::Tensor
EncoderBlockImpl::forward(const torch::Tensor & x)
{
  auto h = norm1(x);
  if (windowSize > 0)
  {
    // Window partition with padding to a multiple of the window (SAM's window_partition / unpartition).
    const int64_t B = h.size(0), H = h.size(1), W = h.size(2), C = h.size(3);
    const int64_t padH = (windowSize - H % windowSize) % windowSize, padW = (windowSize - W % windowSize) % windowSize;
    if (padH > 0 || padW > 0)
    {
      h = F::pad(h, F::PadFuncOptions({ 0, 0, 0, padW, 0, padH }));
    }
    const int64_t Hp = H + padH, Wp = W + padW;
    h = h.view({ B, Hp / windowSize, windowSize, Wp / windowSize, windowSize, C })
          .permute({ 0, 1, 3, 2, 4, 5 })
          .contiguous()
          .view({ -1, windowSize, windowSize, C });
    h = attn(h);
    h = h.view({ B, Hp / windowSize, Wp / windowSize, windowSize, windowSize, C })
          .permute({ 0, 1, 3, 2, 4, 5 })
          .contiguous()
          .view({ B, Hp, Wp, C });
    if (padH > 0 || padW > 0)
    {
      h = h.slice(1, 0, H).slice(2, 0, W).contiguous();
    }
  }
  else
  {
    h = attn(h);
  }
  auto out = x + h;
  return out + mlp(norm2(out));
}

PriorAdapterImpl::PriorAdapterImpl(int64_t dim, int64_t bottleneck)
{
  down = register_module("down", torch::nn::Linear(2 * dim, bottleneck));
  up = register_module("up", torch::nn::Linear(bottleneck, dim));
  ZeroInitialised(up);
}

torch::Tensor
PriorAdapterImpl::forward(const torch::Tensor & tokens, const torch::Tensor & priorTokens)
{
  return tokens + up(torch::gelu(down(torch::cat({ tokens, priorTokens }, -1))));
}

ImageEncoderImpl::ImageEncoderImpl(const ModelConfig & c)
  : usePriors(c.PriorsInEncoder && c.PriorChannels > 0)
{
  const int64_t grid = c.TileSize / c.PatchSize;
  patch_embed = register_module("patch_embed", PatchEmbed(3, c.EncoderDim, c.PatchSize));
  pos_embed = register_parameter("pos_embed", torch::zeros({ 1, c.PositionGrid, c.PositionGrid, c.EncoderDim }));
  {
    torch::NoGradGuard noGrad;
    pos_embed.normal_(0.0, 0.02);
  }
  for (int64_t i = 0; i < c.EncoderDepth; ++i)
  {
    const bool global = std::find(c.GlobalBlocks.begin(), c.GlobalBlocks.end(), i) != c.GlobalBlocks.end();
    blocks->push_back(EncoderBlock(c.EncoderDim, c.EncoderHeads, global ? 0 : c.WindowSize, grid));
  }
  register_module("blocks", blocks);
  neck->push_back(Conv(c.EncoderDim, c.EmbedDim, 1, 1, 0, false));
  neck->push_back(LayerNorm2d(c.EmbedDim));
  neck->push_back(Conv(c.EmbedDim, c.EmbedDim, 3, 1, 1, false));
  neck->push_back(LayerNorm2d(c.EmbedDim));
  register_module("neck", neck);
  if (usePriors)
  {
    prior_patch_embed = register_module("prior_patch_embed", PatchEmbed(c.PriorChannels, c.EncoderDim, c.PatchSize));
    ZeroInitialised(prior_patch_embed->proj.ptr());
    for (int64_t i = 0; i < c.EncoderDepth; ++i)
    {
      prior_adapters->push_back(PriorAdapter(c.EncoderDim, c.AdapterDim));
    }
    register_module("prior_adapters", prior_adapters);
  }
}

torch::Tensor
ImageEncoderImpl::forward(const torch::Tensor & image, const torch::Tensor & priors)
{
  auto x = patch_embed(image);
  auto position = pos_embed;
  if (position.size(1) != x.size(1) || position.size(2) != x.size(2))
  {
    // A tile of another size than the position grid (SAM ViT-B at 256 px): resample the embedding.
    position = F::interpolate(position.permute({ 0, 3, 1, 2 }),
                              F::InterpolateFuncOptions()
                                .size(std::vector<int64_t>{ x.size(1), x.size(2) })
                                .mode(torch::kBicubic)
                                .align_corners(false))
                 .permute({ 0, 2, 3, 1 });
  }
  x = x + position;
  torch::Tensor priorTokens;
  if (usePriors)
  {
    priorTokens = prior_patch_embed(priors);
    x = x + priorTokens;
  }
  for (size_t i = 0; i < blocks->size(); ++i)
  {
    x = blocks[i]->as<EncoderBlock>()->forward(x);
    if (usePriors)
    {
      x = prior_adapters[i]->as<PriorAdapter>()->forward(x, priorTokens);
    }
  }
  return neck->forward(x.permute({ 0, 3, 1, 2 }));
}

PositionEmbeddingRandomImpl::PositionEmbeddingRandomImpl(int64_t features)
{
  positional_encoding_gaussian_matrix = register_buffer("positional_encoding_gaussian_matrix", torch::randn({ 2, features }));
}

torch::Tensor
PositionEmbeddingRandomImpl::encodeCoordinates(const torch::Tensor & coordinates, int64_t height, int64_t width)
{
  auto normalized = coordinates.clone();
  normalized.select(-1, 0).div_(static_cast<double>(width));
  normalized.select(-1, 1).div_(static_cast<double>(height));
  auto projected = torch::matmul(2.0 * normalized - 1.0, positional_encoding_gaussian_matrix) * (2.0 * M_PI);
  return torch::cat({ torch::sin(projected), torch::cos(projected) }, -1);
}

torch::Tensor
PositionEmbeddingRandomImpl::forward(int64_t h, int64_t w)
{
  auto options = positional_encoding_gaussian_matrix.options();
  auto y = (torch::arange(h, options) + 0.5).view({ h, 1 }).expand({ h, w });
  auto x = (torch::arange(w, options) + 0.5).view({ 1, w }).expand({ h, w });
  return encodeCoordinates(torch::stack({ x, y }, -1), h, w).permute({ 2, 0, 1 });
}

PromptEncoderImpl::PromptEncoderImpl(const ModelConfig & c)
  : embedDim(c.EmbedDim)
  , usePriors(c.PriorsInPrompt && c.PriorChannels > 0)
{
  pe_layer = register_module("pe_layer", PositionEmbeddingRandom(c.EmbedDim / 2));
  for (int i = 0; i < 4; ++i)
  {
    point_embeddings->push_back(torch::nn::Embedding(1, c.EmbedDim));
  }
  register_module("point_embeddings", point_embeddings);
  not_a_point_embed = register_module("not_a_point_embed", torch::nn::Embedding(1, c.EmbedDim));
  const int64_t m = c.MaskInChannels;
  mask_downscaling->push_back(Conv(1, m / 4, 2, 2));
  mask_downscaling->push_back(LayerNorm2d(m / 4));
  mask_downscaling->push_back(torch::nn::GELU());
  mask_downscaling->push_back(Conv(m / 4, m, 2, 2));
  mask_downscaling->push_back(LayerNorm2d(m));
  mask_downscaling->push_back(torch::nn::GELU());
  mask_downscaling->push_back(Conv(m, c.EmbedDim, 1));
  register_module("mask_downscaling", mask_downscaling);
  no_mask_embed = register_module("no_mask_embed", torch::nn::Embedding(1, c.EmbedDim));
  default_phase_embed = register_module("default_phase_embed", torch::nn::Embedding(1, c.EmbedDim));
  appearance_label_embed = register_module("appearance_label_embed", torch::nn::Embedding(2, c.EmbedDim));
  appearance_proj = register_module("appearance_proj", torch::nn::Linear(c.EmbedDim + (usePriors ? c.PriorChannels : 0), c.EmbedDim));
  if (usePriors)
  {
    // The dense prior prompt: full-resolution priors down to the embedding grid, where SAM puts its mask prompt.
    const int64_t stride = c.PatchSize / 4;
    prior_prompt = torch::nn::Sequential(Conv(c.PriorChannels, 16, 4, 4), LayerNorm2d(16), torch::nn::GELU(),
                                         Conv(16, 32, stride, stride), LayerNorm2d(32), torch::nn::GELU(),
                                         Conv(32, c.EmbedDim, 1));
    ZeroInitialised(prior_prompt->ptr(6));
    register_module("prior_prompt", prior_prompt);
  }
}

torch::Tensor
PromptEncoderImpl::denseEncoding(int64_t h, int64_t w)
{
  return pe_layer->forward(h, w).unsqueeze(0);
}

torch::Tensor
PromptEncoderImpl::appearanceTokens(const torch::Tensor & embedding, const torch::Tensor & priors,
                                    const torch::Tensor & coordinates, const torch::Tensor & labels)
{
  // Bilinear samples of the embedding grid at the clicks (grid_sample's coordinates are in [-1, 1] over the
  // pixel extent of the tile), and of the priors at the click pixels.
  const int64_t K = coordinates.size(0);
  const auto    tileSize = static_cast<double>(priors.size(3)); // priors: [1, P, T, T], P may be 0
  auto          where = ((coordinates + 0.5) / tileSize * 2.0 - 1.0).view({ 1, 1, K, 2 });
  auto          features = F::grid_sample(embedding, where, F::GridSampleFuncOptions().align_corners(false)).view({ -1, K }).t();
  if (usePriors)
  {
    auto priorValues = F::grid_sample(priors, where, F::GridSampleFuncOptions().align_corners(false)).view({ -1, K }).t();
    features = torch::cat({ features, priorValues }, 1);
  }
  return appearance_proj(features) + appearance_label_embed(labels.to(torch::kLong).clamp(0, 1));
}

std::pair<torch::Tensor, torch::Tensor>
PromptEncoderImpl::forward(const TilePrompts & prompts, const torch::Tensor & priors, int64_t batch, int64_t tileSize,
                           int64_t h, int64_t w)
{
  auto                       options = no_mask_embed->weight.options();
  std::vector<torch::Tensor> sparse;
  const bool                 hasBox = prompts.Boxes.defined();
  // In-tile clicks as SAM point tokens, padded with one "not a point" when there is no box (as SAM does).
  torch::Tensor coordinates = prompts.PointCoordinates.defined() ? prompts.PointCoordinates : torch::zeros({ batch, 0, 2 }, options);
  torch::Tensor labels = prompts.PointLabels.defined() ? prompts.PointLabels : torch::zeros({ batch, 0 }, options);
  if (!hasBox)
  {
    coordinates = torch::cat({ coordinates, torch::zeros({ batch, 1, 2 }, options) }, 1);
    labels = torch::cat({ labels, -torch::ones({ batch, 1 }, options) }, 1);
  }
  auto points = pe_layer->encodeCoordinates(coordinates + 0.5, tileSize, tileSize);
  auto l = labels.unsqueeze(-1);
  points = torch::where(l == -1, torch::zeros_like(points), points);
  points = points + (l == -1).to(options.dtype()) * not_a_point_embed->weight.view({ 1, 1, -1 });
  points = points + (l == 0).to(options.dtype()) * point_embeddings[0]->as<torch::nn::Embedding>()->weight.view({ 1, 1, -1 });
  points = points + (l == 1).to(options.dtype()) * point_embeddings[1]->as<torch::nn::Embedding>()->weight.view({ 1, 1, -1 });
  sparse.push_back(points);
  if (hasBox)
  {
    auto corners = pe_layer->encodeCoordinates(prompts.Boxes.view({ batch, 2, 2 }) + 0.5, tileSize, tileSize);
    auto offsets = torch::stack({ point_embeddings[2]->as<torch::nn::Embedding>()->weight.view({ -1 }),
                                  point_embeddings[3]->as<torch::nn::Embedding>()->weight.view({ -1 }) })
                     .unsqueeze(0);
    sparse.push_back(corners + offsets);
  }
  // The phase tokens: appearance tokens of the user's clicks, or the learned default phase (automatic mode).
  auto phase = prompts.Appearance.defined() && prompts.Appearance.size(0) > 0 ? prompts.Appearance : default_phase_embed->weight;
  sparse.push_back(phase.unsqueeze(0).expand({ batch, -1, -1 }));

  auto dense = no_mask_embed->weight.view({ 1, -1, 1, 1 }).expand({ batch, -1, h, w });
  if (usePriors)
  {
    dense = dense + prior_prompt->forward(priors);
  }
  return { torch::cat(sparse, 1), dense };
}

DecoderAttentionImpl::DecoderAttentionImpl(int64_t dim, int64_t heads, int64_t downsample)
  : heads(heads)
{
  const int64_t internal = dim / downsample;
  q_proj = register_module("q_proj", torch::nn::Linear(dim, internal));
  k_proj = register_module("k_proj", torch::nn::Linear(dim, internal));
  v_proj = register_module("v_proj", torch::nn::Linear(dim, internal));
  out_proj = register_module("out_proj", torch::nn::Linear(internal, dim));
}

torch::Tensor
DecoderAttentionImpl::forward(const torch::Tensor & qIn, const torch::Tensor & kIn, const torch::Tensor & vIn)
{
  auto split = [this](const torch::Tensor & x) {
    return x.reshape({ x.size(0), x.size(1), heads, x.size(2) / heads }).transpose(1, 2);
  };
  auto          q = split(q_proj(qIn)), k = split(k_proj(kIn)), v = split(v_proj(vIn));
  const int64_t perHead = q.size(3);
  auto          attention = torch::matmul(q, k.permute({ 0, 1, 3, 2 })) / std::sqrt(static_cast<double>(perHead));
  auto          out = torch::matmul(attention.softmax(-1), v).transpose(1, 2);
  return out_proj(out.reshape({ out.size(0), out.size(1), -1 }));
}

TwoWayAttentionBlockImpl::TwoWayAttentionBlockImpl(int64_t dim, int64_t heads, int64_t mlpDim, bool skip)
  : skipFirstLayerPe(skip)
{
  self_attn = register_module("self_attn", DecoderAttention(dim, heads, 1));
  norm1 = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({ dim })));
  cross_attn_token_to_image = register_module("cross_attn_token_to_image", DecoderAttention(dim, heads, 2));
  norm2 = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({ dim })));
  mlp = register_module("mlp", MLPBlock(dim, mlpDim, true));
  norm3 = register_module("norm3", torch::nn::LayerNorm(torch::nn::LayerNormOptions({ dim })));
  norm4 = register_module("norm4", torch::nn::LayerNorm(torch::nn::LayerNormOptions({ dim })));
  cross_attn_image_to_token = register_module("cross_attn_image_to_token", DecoderAttention(dim, heads, 2));
}

std::pair<torch::Tensor, torch::Tensor>
TwoWayAttentionBlockImpl::forward(torch::Tensor queries, torch::Tensor keys, const torch::Tensor & queryPe,
                                  const torch::Tensor & keyPe)
{
  if (skipFirstLayerPe)
  {
    queries = self_attn(queries, queries, queries);
  }
  else
  {
    auto q = queries + queryPe;
    queries = queries + self_attn(q, q, queries);
  }
  queries = norm1(queries);
  auto q = queries + queryPe;
  auto k = keys + keyPe;
  queries = norm2(queries + cross_attn_token_to_image(q, k, keys));
  queries = norm3(queries + mlp(queries));
  q = queries + queryPe;
  k = keys + keyPe;
  keys = norm4(keys + cross_attn_image_to_token(k, q, queries));
  return { queries, keys };
}

TwoWayTransformerImpl::TwoWayTransformerImpl(int64_t depth, int64_t dim, int64_t heads, int64_t mlpDim)
{
  for (int64_t i = 0; i < depth; ++i)
  {
    layers->push_back(TwoWayAttentionBlock(dim, heads, mlpDim, i == 0));
  }
  register_module("layers", layers);
  final_attn_token_to_image = register_module("final_attn_token_to_image", DecoderAttention(dim, heads, 2));
  norm_final_attn = register_module("norm_final_attn", torch::nn::LayerNorm(torch::nn::LayerNormOptions({ dim })));
}

std::pair<torch::Tensor, torch::Tensor>
TwoWayTransformerImpl::forward(const torch::Tensor & image, const torch::Tensor & imagePe, const torch::Tensor & tokens)
{
  auto keys = image.flatten(2).permute({ 0, 2, 1 });
  auto keyPe = imagePe.flatten(2).permute({ 0, 2, 1 });
  auto queries = tokens;
  for (const auto & layer : *layers)
  {
    std::tie(queries, keys) = layer->as<TwoWayAttentionBlock>()->forward(queries, keys, tokens, keyPe);
  }
  auto q = queries + tokens;
  auto k = keys + keyPe;
  queries = norm_final_attn(queries + final_attn_token_to_image(q, k, keys));
  return { queries, keys };
}

MaskDecoderImpl::MaskDecoderImpl(const ModelConfig & c)
  : usePriors(c.PriorsInDecoder && c.PriorChannels > 0)
{
  const int64_t C = c.EmbedDim;
  transformer = register_module("transformer", TwoWayTransformer(c.DecoderDepth, C, c.DecoderHeads, c.DecoderMlpDim));
  iou_token = register_module("iou_token", torch::nn::Embedding(1, C));
  mask_tokens = register_module("mask_tokens", torch::nn::Embedding(4, C));
  output_upscaling->push_back(torch::nn::ConvTranspose2d(torch::nn::ConvTranspose2dOptions(C, C / 4, 2).stride(2)));
  output_upscaling->push_back(LayerNorm2d(C / 4));
  output_upscaling->push_back(torch::nn::GELU());
  output_upscaling->push_back(torch::nn::ConvTranspose2d(torch::nn::ConvTranspose2dOptions(C / 4, C / 8, 2).stride(2)));
  output_upscaling->push_back(torch::nn::GELU());
  register_module("output_upscaling", output_upscaling);
  for (int i = 0; i < 4; ++i)
  {
    output_hypernetworks_mlps->push_back(MLP(C, C, C / 8, 3));
  }
  register_module("output_hypernetworks_mlps", output_hypernetworks_mlps);
  iou_prediction_head = register_module("iou_prediction_head", MLP(C, 256, 4, 3));
  if (usePriors)
  {
    // Prior features at 1/4 resolution join the upscaled embedding; at full resolution (with the image) they
    // refine the upsampled mask, so that 2-5 px particles survive the 1/16 token grid.
    prior_fusion_quarter = torch::nn::Sequential(Conv(c.PriorChannels, C / 8, 3, 1, 1), torch::nn::GELU(), Conv(C / 8, C / 8, 3, 1, 1));
    ZeroInitialised(prior_fusion_quarter->ptr(2));
    register_module("prior_fusion_quarter", prior_fusion_quarter);
    const int64_t r = c.RefineChannels;
    prior_fusion_full = torch::nn::Sequential(Conv(c.PriorChannels + 1, r, 3, 1, 1), torch::nn::GELU(), Conv(r, r, 3, 1, 1), torch::nn::GELU());
    register_module("prior_fusion_full", prior_fusion_full);
    refine_head = torch::nn::Sequential(Conv(r + 1, r, 3, 1, 1), torch::nn::GELU(), Conv(r, 1, 3, 1, 1));
    ZeroInitialised(refine_head->ptr(2));
    register_module("refine_head", refine_head);
  }
}

std::pair<torch::Tensor, torch::Tensor>
MaskDecoderImpl::forward(const torch::Tensor & embedding, const torch::Tensor & imagePe, const torch::Tensor & sparse,
                         const torch::Tensor & dense, const torch::Tensor & image, const torch::Tensor & priors)
{
  const int64_t N = embedding.size(0);
  auto output = torch::cat({ iou_token->weight, mask_tokens->weight }, 0).unsqueeze(0).expand({ N, -1, -1 });
  auto tokens = torch::cat({ output, sparse }, 1);
  auto src = embedding + dense;
  auto pe = imagePe.expand({ N, -1, -1, -1 });
  const int64_t C = src.size(1), h = src.size(2), w = src.size(3);
  auto [hs, keys] = transformer(src, pe, tokens);
  auto iouOut = hs.select(1, 0);
  auto maskOut = hs.select(1, 1); // the single-mask output (SAM's multimask_output = False)
  auto upscaled = output_upscaling->forward(keys.transpose(1, 2).reshape({ N, C, h, w }));
  if (usePriors)
  {
    const int64_t quarter = upscaled.size(2);
    upscaled = upscaled + prior_fusion_quarter->forward(F::adaptive_avg_pool2d(priors, F::AdaptiveAvgPool2dFuncOptions({ quarter, quarter })));
  }
  auto hyper = output_hypernetworks_mlps[0]->as<MLP>()->forward(maskOut).unsqueeze(1);
  const int64_t c8 = upscaled.size(1), hq = upscaled.size(2), wq = upscaled.size(3);
  auto masks = torch::matmul(hyper, upscaled.view({ N, c8, hq * wq })).view({ N, 1, hq, wq });
  masks = F::interpolate(masks, F::InterpolateFuncOptions().size(std::vector<int64_t>{ image.size(2), image.size(3) }).mode(torch::kBilinear).align_corners(false));
  if (usePriors)
  {
    auto features = prior_fusion_full->forward(torch::cat({ priors, image }, 1));
    masks = masks + refine_head->forward(torch::cat({ features, masks }, 1));
  }
  return { masks, iou_prediction_head(iouOut).narrow(1, 0, 1) };
}

SCoPSAMNetImpl::SCoPSAMNetImpl(const ModelConfig & c)
  : config(c)
{
  c.Validate();
  image_encoder = register_module("image_encoder", ImageEncoder(c));
  prompt_encoder = register_module("prompt_encoder", PromptEncoder(c));
  mask_decoder = register_module("mask_decoder", MaskDecoder(c));
  pixel_mean = register_buffer("pixel_mean", torch::tensor({ 123.675f, 116.28f, 103.53f }).view({ 3, 1, 1 }));
  pixel_std = register_buffer("pixel_std", torch::tensor({ 58.395f, 57.12f, 57.375f }).view({ 3, 1, 1 }));
}

torch::Tensor
SCoPSAMNetImpl::encode(const torch::Tensor & image, const torch::Tensor & priors)
{
  // SAM's pixel normalisation of an RGB image in 0..255; a gray micrograph is three equal channels.
  auto rgb = (image * 255.0).expand({ -1, 3, -1, -1 });
  return image_encoder((rgb - pixel_mean.unsqueeze(0)) / pixel_std.unsqueeze(0), priors);
}

torch::Tensor
SCoPSAMNetImpl::decode(const torch::Tensor & embedding, const torch::Tensor & image, const torch::Tensor & priors,
                       const TilePrompts & prompts)
{
  const int64_t h = embedding.size(2), w = embedding.size(3);
  auto [sparse, dense] = prompt_encoder(prompts, priors, embedding.size(0), image.size(3), h, w);
  return mask_decoder(embedding, prompt_encoder->denseEncoding(h, w), sparse, dense, image, priors).first;
}

torch::Tensor
SCoPSAMNetImpl::forward(const torch::Tensor & image, const torch::Tensor & priors, const TilePrompts & prompts)
{
  return decode(encode(image, priors), image, priors, prompts);
}

bool
IsSCoPSAMOnlyParameter(const std::string & name)
{
  for (const char * part : { "prior_", "appearance_", "default_phase_embed", "refine_head" })
  {
    if (name.find(part) != std::string::npos)
    {
      return true;
    }
  }
  return false;
}

} // namespace network
} // namespace scopsam
