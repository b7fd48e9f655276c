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
#ifndef scopsamImageEncoderPriors_h
#define scopsamImageEncoderPriors_h

/** \file scopsamImageEncoderPriors.h
 * \brief The image encoder's prior entry points: the prior patch embedding and the PriorAdapter of each block.
 *
 * The priors [N, P, T, T] become tokens on the encoder's patch grid (PriorPatchEmbed), added to the image tokens
 * once after the position embedding; after every encoder block a PriorAdapter mixes each token with its prior
 * token. Both start at zero (the prior patch embedding's convolution, the adapter's output layer), so a SAM
 * encoder loaded into SCoP-SAM computes what SAM computes until training moves them. ModelConfig::PriorsInEncoder
 * switches both on or off together. Used by ImageEncoder (scopsamImageEncoder.h).
 * \ingroup SCoPSAMModel
 */

#include <torch/torch.h>

namespace scopsam
{
namespace network
{

/** Non-overlapping patches of the priors to tokens, [N, P, T, T] -> [N, T/p, T/p, D]: SAM's PatchEmbed (child
 * "proj") over the prior channels, with the convolution zero-initialised. */
struct PriorPatchEmbedImpl : torch::nn::Module
{
  PriorPatchEmbedImpl(int64_t priorChannels, int64_t dim, int64_t patch);
  torch::Tensor
  forward(const torch::Tensor & priors);
  torch::nn::Conv2d proj{ nullptr };
};
TORCH_MODULE(PriorPatchEmbed);

/** SCoP-SAM's prior adapter: a bottleneck MLP over a token and its prior token, added to the token. The output
 * layer starts at zero, so a pretrained encoder is unchanged until training moves it. */
struct PriorAdapterImpl : torch::nn::Module
{
  PriorAdapterImpl(int64_t dim, int64_t bottleneck);
  /** tokens and priorTokens: [N, h, w, D]; returns tokens + up(gelu(down([tokens, priorTokens]))). */
  torch::Tensor
  forward(const torch::Tensor & tokens, const torch::Tensor & priorTokens);
  torch::nn::Linear down{ nullptr }, up{ nullptr };
};
TORCH_MODULE(PriorAdapter);

} // namespace network
} // namespace scopsam

#endif
