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
#include "scopsamMaskDecoderPriors.h"

#include "scopsamCommonBlocks.h"

namespace F = torch::nn::functional;

namespace scopsam
{
namespace network
{

torch::nn::Sequential
PriorFusionQuarter(const ModelConfig & c)
{
  const int64_t         width = c.EmbedDim / 8;
  torch::nn::Sequential fusion(Conv(c.PriorChannels, width, 3, 1, 1), torch::nn::GELU(), Conv(width, width, 3, 1, 1));
  ZeroInitialise(fusion->ptr(2));
  return fusion;
}

torch::nn::Sequential
PriorFusionFull(const ModelConfig & c)
{
  const int64_t r = c.RefineChannels;
  return torch::nn::Sequential(Conv(c.PriorChannels + 1, r, 3, 1, 1), torch::nn::GELU(), Conv(r, r, 3, 1, 1), torch::nn::GELU());
}

torch::nn::Sequential
PriorRefineHead(const ModelConfig & c)
{
  const int64_t         r = c.RefineChannels;
  torch::nn::Sequential head(Conv(r + 1, r, 3, 1, 1), torch::nn::GELU(), Conv(r, 1, 3, 1, 1));
  ZeroInitialise(head->ptr(2));
  return head;
}

torch::Tensor
FusePriorsAtQuarter(torch::nn::Sequential & fusionQuarter, const torch::Tensor & upscaled, const torch::Tensor & priors)
{
  const int64_t quarter = upscaled.size(2);
  return upscaled + fusionQuarter->forward(F::adaptive_avg_pool2d(priors, F::AdaptiveAvgPool2dFuncOptions({ quarter, quarter })));
}

torch::Tensor
RefineWithPriors(torch::nn::Sequential & fusionFull, torch::nn::Sequential & refineHead, const torch::Tensor & masks,
                 const torch::Tensor & image, const torch::Tensor & priors)
{
  auto features = fusionFull->forward(torch::cat({ priors, image }, 1));
  return masks + refineHead->forward(torch::cat({ features, masks }, 1));
}

} // namespace network
} // namespace scopsam
