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
#include "scopsamSam.h"

namespace scopsam
{
namespace network
{

SCoPSAMNetImpl::SCoPSAMNetImpl(const ModelConfig & c)
  : config(c)
{
  c.Validate();
  image_encoder = register_module("image_encoder", ImageEncoder(c));
  prompt_encoder = register_module("prompt_encoder", PromptEncoder(c));
  mask_decoder = register_module("mask_decoder", MaskDecoder(c));
  pixel_mean = register_buffer("pixel_mean", torch::tensor({ 123.675f, 116.28f, 103.53f }).view({ 3, 1, 1 }));
  pixel_std = register_buffer("pixel_std", torch::tensor({ 58.395f, 57.12f, 57.375f }).view({ 3, 1, 1 }));
}

torch::Tensor
SCoPSAMNetImpl::encode(const torch::Tensor & image, const torch::Tensor & priors)
{
  // SAM's pixel normalisation of an RGB image in 0..255; a gray micrograph is three equal channels.
  auto rgb = (image * 255.0).expand({ -1, 3, -1, -1 });
  return image_encoder((rgb - pixel_mean.unsqueeze(0)) / pixel_std.unsqueeze(0), priors);
}

MaskPrediction
SCoPSAMNetImpl::decode(const torch::Tensor & embedding, const torch::Tensor & image, const torch::Tensor & priors,
                       const TilePrompts & prompts)
{
  const int64_t h = embedding.size(2), w = embedding.size(3);
  auto [sparse, dense] = prompt_encoder(prompts, priors, embedding.size(0), image.size(3), h, w);
  return mask_decoder(embedding, prompt_encoder->denseEncoding(h, w), sparse, dense, image, priors);
}

MaskPrediction
SCoPSAMNetImpl::forward(const torch::Tensor & image, const torch::Tensor & priors, const TilePrompts & prompts)
{
  return decode(encode(image, priors), image, priors, prompts);
}

bool
IsSCoPSAMOnlyParameter(const std::string & name)
{
  for (const char * part : { "prior_", "appearance_", "default_phase_embed", "refine_head" })
  {
    if (name.find(part) != std::string::npos)
    {
      return true;
    }
  }
  return false;
}

} // namespace network
} // namespace scopsam
