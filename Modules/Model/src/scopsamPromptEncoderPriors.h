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
#ifndef scopsamPromptEncoderPriors_h
#define scopsamPromptEncoderPriors_h

/** \file scopsamPromptEncoderPriors.h
 * \brief The prompt encoder's prior entry point: the dense prior prompt.
 *
 * A small convolution stack brings the full-resolution priors [N, P, T, T] down to the embedding grid
 * [N, EmbedDim, T/p, T/p], where SAM puts its dense (mask) prompt; it is added to SAM's no-mask embedding. Its
 * last convolution starts at zero, so a SAM prompt encoder is unchanged until training moves it.
 * ModelConfig::PriorsInPrompt switches it on. Used by PromptEncoder (scopsamPromptEncoder.h), as its child
 * prior_prompt.
 * \ingroup SCoPSAMModel
 */

#include "scopsamModelConfig.h"

#include <torch/torch.h>

namespace scopsam
{
namespace network
{

/** The dense prior prompt of `config`: conv 4x4/4 to 16 channels, LayerNorm2d, GELU, conv (p/4)/(p/4) to 32,
 * LayerNorm2d, GELU, 1x1 conv to EmbedDim (zero-initialised); children 0 to 6. */
torch::nn::Sequential
DensePriorPrompt(const ModelConfig & config);

} // namespace network
} // namespace scopsam

#endif
