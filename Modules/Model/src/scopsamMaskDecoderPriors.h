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
#ifndef scopsamMaskDecoderPriors_h
#define scopsamMaskDecoderPriors_h

/** \file scopsamMaskDecoderPriors.h
 * \brief The mask decoder's prior entry point: the prior fusion in the upsampling path.
 *
 * SAM's decoder predicts masks at 1/4 of the tile and upsamples them, which loses 2-5 px particles and sharp
 * boundaries on a 1/16 token grid. SCoP-SAM fuses the priors twice: features of the priors pooled to 1/4
 * resolution are added to the upscaled embedding (prior_fusion_quarter), and features of the full-resolution
 * priors and image (prior_fusion_full) refine the upsampled mask logits through a residual head (refine_head).
 * The last convolutions of prior_fusion_quarter and refine_head start at zero, so a SAM decoder is unchanged until
 * training moves them. ModelConfig::PriorsInDecoder switches the fusion on. Used by MaskDecoder
 * (scopsamMaskDecoder.h), whose children these three stacks are.
 * \ingroup SCoPSAMModel
 */

#include "scopsamModelConfig.h"

#include <torch/torch.h>

namespace scopsam
{
namespace network
{

/** Priors at 1/4 resolution to EmbedDim / 8 channels: conv 3x3, GELU, conv 3x3 (zero-initialised). */
torch::nn::Sequential
PriorFusionQuarter(const ModelConfig & config);

/** Priors and image at full resolution to RefineChannels features: conv 3x3, GELU, conv 3x3, GELU. */
torch::nn::Sequential
PriorFusionFull(const ModelConfig & config);

/** Full-resolution features and mask logits to a logit correction: conv 3x3, GELU, conv 3x3 (zero-initialised). */
torch::nn::Sequential
PriorRefineHead(const ModelConfig & config);

/** upscaled [N, C/8, T/4, T/4] plus prior_fusion_quarter of the priors [N, P, T, T] pooled to that grid. */
torch::Tensor
FusePriorsAtQuarter(torch::nn::Sequential & fusionQuarter, const torch::Tensor & upscaled, const torch::Tensor & priors);

/** Mask logits [N, 1, T, T] plus refine_head of (prior_fusion_full of the priors and the image, the logits). */
torch::Tensor
RefineWithPriors(torch::nn::Sequential & fusionFull, torch::nn::Sequential & refineHead, const torch::Tensor & masks,
                 const torch::Tensor & image, const torch::Tensor & priors);

} // namespace network
} // namespace scopsam

#endif
