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
#ifndef scopsamSam_h
#define scopsamSam_h

/** \file scopsamSam.h
 * \brief The whole network, SAM's Sam (modeling/sam.py): image encoder, prompt encoder and mask decoder.
 *
 * SCoPSAMNet holds the three stages under SAM's names (image_encoder, prompt_encoder, mask_decoder) with SAM's
 * pixel normalisation buffers, so that a SAM ViT-B state dict maps onto it name by name. A tile's image embedding
 * is computed once (encode) and the prompts rerun only the prompt encoder and the decoder (decode), as in SAM's
 * predictor; forward does both. Every stage also sees the priors, through the entry points of
 * scopsamImageEncoderPriors.h, scopsamPromptEncoderPriors.h and scopsamMaskDecoderPriors.h.
 * \ingroup SCoPSAMModel
 */

#include "scopsamImageEncoder.h"
#include "scopsamMaskDecoder.h"
#include "scopsamModelConfig.h"
#include "scopsamPromptEncoder.h"

#include <torch/torch.h>

#include <string>

namespace scopsam
{
namespace network
{

/** SCoP-SAM: image [N, 1, T, T] in [0, 1], priors [N, P, T, T] in [0, 1], prompts -> mask logits [N, 1, T, T] and
 * the predicted IoU [N, 1] (see MaskPrediction). */
struct SCoPSAMNetImpl : torch::nn::Module
{
  explicit SCoPSAMNetImpl(const ModelConfig & config);
  /** The image embedding of tiles: [N, C, h, w]. */
  torch::Tensor
  encode(const torch::Tensor & image, const torch::Tensor & priors);
  /** Mask logits and predicted IoU of tiles whose embedding is known. */
  MaskPrediction
  decode(const torch::Tensor & embedding, const torch::Tensor & image, const torch::Tensor & priors,
         const TilePrompts & prompts);
  /** decode(encode(image, priors), image, priors, prompts). */
  MaskPrediction
  forward(const torch::Tensor & image, const torch::Tensor & priors, const TilePrompts & prompts);

  ImageEncoder  image_encoder{ nullptr };
  PromptEncoder prompt_encoder{ nullptr };
  MaskDecoder   mask_decoder{ nullptr };
  torch::Tensor pixel_mean, pixel_std; // SAM's RGB normalisation (0..255 scale)
  ModelConfig   config;
};
TORCH_MODULE(SCoPSAMNet);

/** Names of the parameters that SCoP-SAM adds to SAM (the prior entry points and the new tokens): what a SAM
 * checkpoint cannot provide. */
bool
IsSCoPSAMOnlyParameter(const std::string & name);

} // namespace network
} // namespace scopsam

#endif
