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
#include "scopsamPromptEncoderPriors.h"

#include "scopsamCommonBlocks.h"

namespace scopsam
{
namespace network
{

torch::nn::Sequential
DensePriorPrompt(const ModelConfig & c)
{
  const int64_t stride = c.PatchSize / 4;
  torch::nn::Sequential prompt(Conv(c.PriorChannels, 16, 4, 4), LayerNorm2d(16), torch::nn::GELU(),
                               Conv(16, 32, stride, stride), LayerNorm2d(32), torch::nn::GELU(),
                               Conv(32, c.EmbedDim, 1));
  ZeroInitialise(prompt->ptr(6));
  return prompt;
}

} // namespace network
} // namespace scopsam
