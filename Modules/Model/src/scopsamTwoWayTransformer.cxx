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
#include "scopsamTwoWayTransformer.h"

#include <cmath>
#include <tuple>

namespace scopsam
{
namespace network
{

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

} // namespace network
} // namespace scopsam
