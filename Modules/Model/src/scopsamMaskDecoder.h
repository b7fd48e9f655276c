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
#ifndef scopsamMaskDecoder_h
#define scopsamMaskDecoder_h

/** \file scopsamMaskDecoder.h
 * \brief The mask decoder: SAM's (modeling/mask_decoder.py) with SCoP-SAM's prior fusion before the final mask.
 *
 * Output tokens (iou_token, mask_tokens) and the prompt tokens attend to the image embedding in the two-way
 * transformer (scopsamTwoWayTransformer.h); the embedding is upscaled to 1/4 of the tile, a hypernetwork MLP of
 * the first mask token makes the mask, and the IoU head predicts the mask's IoU. SCoP-SAM predicts one mask per
 * tile (SAM's multimask_output = false) and fuses the priors into the upsampling path
 * (scopsamMaskDecoderPriors.h). Parameter names are SAM's, so that SAM ViT-B weights load.
 * \ingroup SCoPSAMModel
 */

#include "scopsamCommonBlocks.h"
#include "scopsamMaskDecoderPriors.h"
#include "scopsamModelConfig.h"
#include "scopsamTwoWayTransformer.h"

#include <torch/torch.h>

namespace scopsam
{
namespace network
{

/** What the network says of a batch of N tiles of T x T pixels. */
struct MaskPrediction
{
  /** Mask logits [N, 1, T, T]: the sigmoid is the probability of the phase. */
  torch::Tensor Logits;
  /** The IoU head's estimate of each mask's IoU with the truth, [N, 1] (SAM's iou_pred for the single mask).
   * Trained by the trainer's IoU loss (squared error against the true IoU of the mask at 0.5); a model file says
   * whether a loss fitted it (ModelConfig::IoUHeadTrained): where none did, show it marked "untrained". */
  torch::Tensor PredictedIoU;
};

/** SAM's mask decoder (two-way transformer, upscaling, hypernetworks, IoU head) with SCoP-SAM's full-resolution
 * prior fusion before the final mask. */
struct MaskDecoderImpl : torch::nn::Module
{
  explicit MaskDecoderImpl(const ModelConfig & config);
  /** embedding [N, C, h, w] and its positional encoding [1, C, h, w], the prompt encoder's sparse tokens
   * [N, S, C] and dense embedding [N, C, h, w], the tiles' image [N, 1, T, T] and priors [N, P, T, T]: mask
   * logits [N, 1, T, T] and predicted IoU [N, 1]. */
  MaskPrediction
  forward(const torch::Tensor & embedding, const torch::Tensor & imagePe, const torch::Tensor & sparse,
          const torch::Tensor & dense, const torch::Tensor & image, const torch::Tensor & priors);

  TwoWayTransformer     transformer{ nullptr };
  torch::nn::Embedding  iou_token{ nullptr }, mask_tokens{ nullptr };
  torch::nn::Sequential output_upscaling;
  torch::nn::ModuleList output_hypernetworks_mlps;
  MLP                   iou_prediction_head{ nullptr }; // see MaskPrediction::PredictedIoU
  // The prior fusion (scopsamMaskDecoderPriors.h), when ModelConfig::PriorsInDecoder is on.
  torch::nn::Sequential prior_fusion_quarter{ nullptr }, prior_fusion_full{ nullptr }, refine_head{ nullptr };
  bool                  usePriors;
};
TORCH_MODULE(MaskDecoder);

} // namespace network
} // namespace scopsam

#endif
