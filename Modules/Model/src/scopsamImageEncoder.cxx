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
#include "scopsamImageEncoder.h"

#include <algorithm>
#include <cmath>

namespace F = torch::nn::functional;

namespace scopsam
{
namespace network
{
namespace
{

/** Relative position table for q_size queries and k_size keys, resized when the table is of another length
 * (SAM's get_rel_pos). */
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

} // namespace

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
    prior_patch_embed = register_module("prior_patch_embed", PriorPatchEmbed(c.PriorChannels, c.EncoderDim, c.PatchSize));
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

} // namespace network
} // namespace scopsam
