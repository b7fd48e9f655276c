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
#include "scopsamPromptEncoder.h"

#include "scopsamCommonBlocks.h"

#include <cmath>

namespace F = torch::nn::functional;

namespace scopsam
{
namespace network
{

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
    prior_prompt = register_module("prior_prompt", DensePriorPrompt(c));
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

} // namespace network
} // namespace scopsam
