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
#include "scopsamImageEncoderPriors.h"

#include "scopsamCommonBlocks.h"

namespace scopsam
{
namespace network
{

PriorPatchEmbedImpl::PriorPatchEmbedImpl(int64_t priorChannels, int64_t dim, int64_t patch)
{
  proj = register_module("proj", Conv(priorChannels, dim, patch, patch));
  ZeroInitialise(proj.ptr());
}

torch::Tensor
PriorPatchEmbedImpl::forward(const torch::Tensor & priors)
{
  return proj(priors).permute({ 0, 2, 3, 1 });
}

PriorAdapterImpl::PriorAdapterImpl(int64_t dim, int64_t bottleneck)
{
  down = register_module("down", torch::nn::Linear(2 * dim, bottleneck));
  up = register_module("up", torch::nn::Linear(bottleneck, dim));
  ZeroInitialise(up);
}

torch::Tensor
PriorAdapterImpl::forward(const torch::Tensor & tokens, const torch::Tensor & priorTokens)
{
  return tokens + up(torch::gelu(down(torch::cat({ tokens, priorTokens }, -1))));
}

} // namespace network
} // namespace scopsam
