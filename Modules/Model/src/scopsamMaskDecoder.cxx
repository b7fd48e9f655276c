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
#include "scopsamMaskDecoder.h"

namespace F = torch::nn::functional;

namespace scopsam
{
namespace network
{

MaskDecoderImpl::MaskDecoderImpl(const ModelConfig & c)
  : usePriors(c.PriorsInDecoder && c.PriorChannels > 0)
{
  const int64_t C = c.EmbedDim;
  transformer = register_module("transformer", TwoWayTransformer(c.DecoderDepth, C, c.DecoderHeads, c.DecoderMlpDim));
  iou_token = register_module("iou_token", torch::nn::Embedding(1, C));
  mask_tokens = register_module("mask_tokens", torch::nn::Embedding(4, C));
  output_upscaling->push_back(torch::nn::ConvTranspose2d(torch::nn::ConvTranspose2dOptions(C, C / 4, 2).stride(2)));
  output_upscaling->push_back(LayerNorm2d(C / 4));
  output_upscaling->push_back(torch::nn::GELU());
  output_upscaling->push_back(torch::nn::ConvTranspose2d(torch::nn::ConvTranspose2dOptions(C / 4, C / 8, 2).stride(2)));
  output_upscaling->push_back(torch::nn::GELU());
  register_module("output_upscaling", output_upscaling);
  for (int i = 0; i < 4; ++i)
  {
    output_hypernetworks_mlps->push_back(MLP(C, C, C / 8, 3));
  }
  register_module("output_hypernetworks_mlps", output_hypernetworks_mlps);
  iou_prediction_head = register_module("iou_prediction_head", MLP(C, 256, 4, 3));
  if (usePriors)
  {
    prior_fusion_quarter = register_module("prior_fusion_quarter", PriorFusionQuarter(c));
    prior_fusion_full = register_module("prior_fusion_full", PriorFusionFull(c));
    refine_head = register_module("refine_head", PriorRefineHead(c));
  }
}

MaskPrediction
MaskDecoderImpl::forward(const torch::Tensor & embedding, const torch::Tensor & imagePe, const torch::Tensor & sparse,
                         const torch::Tensor & dense, const torch::Tensor & image, const torch::Tensor & priors)
{
  const int64_t N = embedding.size(0);
  auto          output = torch::cat({ iou_token->weight, mask_tokens->weight }, 0).unsqueeze(0).expand({ N, -1, -1 });
  auto          tokens = torch::cat({ output, sparse }, 1);
  auto          src = embedding + dense;
  auto          pe = imagePe.expand({ N, -1, -1, -1 });
  const int64_t C = src.size(1), h = src.size(2), w = src.size(3);
  auto [hs, keys] = transformer(src, pe, tokens);
  auto iouOut = hs.select(1, 0);
  auto maskOut = hs.select(1, 1); // the single-mask output (SAM's multimask_output = False)
  auto upscaled = output_upscaling->forward(keys.transpose(1, 2).reshape({ N, C, h, w }));
  if (usePriors)
  {
    upscaled = FusePriorsAtQuarter(prior_fusion_quarter, upscaled, priors);
  }
  auto          hyper = output_hypernetworks_mlps[0]->as<MLP>()->forward(maskOut).unsqueeze(1);
  const int64_t c8 = upscaled.size(1), hq = upscaled.size(2), wq = upscaled.size(3);
  auto          masks = torch::matmul(hyper, upscaled.view({ N, c8, hq * wq })).view({ N, 1, hq, wq });
  masks = F::interpolate(masks, F::InterpolateFuncOptions().size(std::vector<int64_t>{ image.size(2), image.size(3) }).mode(torch::kBilinear).align_corners(false));
  if (usePriors)
  {
    masks = RefineWithPriors(prior_fusion_full, refine_head, masks, image, priors);
  }
  return { masks, iou_prediction_head(iouOut).narrow(1, 0, 1) };
}

} // namespace network
} // namespace scopsam
