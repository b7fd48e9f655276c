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
// The network by stage: SAM ViT-B's shapes, and what the top module's forward returns.
#include "scopsamNetwork.h"
#include "scopsamTestConfigurations.h"

#include <torch/torch.h>

#include "gtest/gtest.h"

#include <map>
#include <string>
#include <vector>

using scopsam::ModelConfig;
using scopsam::network::SCoPSAMNet;

namespace
{

/** Elements of the parameters under `prefix` that a SAM checkpoint provides (the SCoP-SAM-only ones left out). */
int64_t
SAMParameterCount(SCoPSAMNet & net, const std::string & prefix)
{
  int64_t count = 0;
  for (const auto & p : net->named_parameters())
  {
    if (p.key().rfind(prefix, 0) == 0 && !scopsam::network::IsSCoPSAMOnlyParameter(p.key()))
    {
      count += p.value().numel();
    }
  }
  return count;
}

std::map<std::string, std::vector<int64_t>>
Shapes(SCoPSAMNet & net)
{
  std::map<std::string, std::vector<int64_t>> shapes;
  for (const auto & p : net->named_parameters())
  {
    shapes[p.key()] = p.value().sizes().vec();
  }
  for (const auto & b : net->named_buffers())
  {
    shapes[b.key()] = b.value().sizes().vec();
  }
  return shapes;
}

/** Smooth tiles that differ from each other: image [N, 1, T, T] and priors [N, 4, T, T] in [0, 1]. */
std::pair<torch::Tensor, torch::Tensor>
Tiles(int64_t n, int64_t size)
{
  auto y = torch::arange(size, torch::kFloat32).view({ 1, 1, size, 1 });
  auto x = torch::arange(size, torch::kFloat32).view({ 1, 1, 1, size });
  auto k = torch::arange(1, n + 1, torch::kFloat32).view({ n, 1, 1, 1 });
  auto image = 0.5 + 0.4 * torch::sin(0.21 * k * x) * torch::cos(0.17 * y + k);
  auto c = torch::arange(1, 5, torch::kFloat32).view({ 1, 4, 1, 1 });
  auto priors = 0.5 + 0.5 * torch::sin(0.1 * c * x + 0.05 * k * y);
  return { image.contiguous(), priors.contiguous() };
}

scopsam::network::TilePrompts
NoPrompts(int64_t n)
{
  scopsam::network::TilePrompts prompts;
  prompts.PointCoordinates = torch::zeros({ n, 0, 2 });
  prompts.PointLabels = torch::zeros({ n, 0 });
  return prompts;
}

} // namespace

TEST(Configurations, SmallAndVitBBuildWithSAMShapes)
{
  torch::NoGradGuard noGrad;
  SCoPSAMNet         vitB(ModelConfig::VitB());
  const auto         shapes = Shapes(vitB);
  auto               expectShape = [&shapes](const std::string & name, const std::vector<int64_t> & shape) {
    const auto found = shapes.find(name);
    ASSERT_NE(found, shapes.end()) << name << " is missing";
    EXPECT_EQ(found->second, shape) << name;
  };
  // SAM ViT-B (segment_anything/build_sam.py, build_sam_vit_b): embed dim 768, depth 12, 12 heads, global
  // attention at blocks 2, 5, 8, 11, window 14, 1024-pixel input, neck and prompts 256 wide, mask_in_chans 16,
  // a two-way transformer of depth 2 with 8 heads and an MLP of 2048, 4 mask tokens, an IoU head 256 wide.
  expectShape("image_encoder.patch_embed.proj.weight", { 768, 3, 16, 16 });
  expectShape("image_encoder.pos_embed", { 1, 64, 64, 768 });
  for (int i = 0; i < 12; ++i)
  {
    const std::string block = "image_encoder.blocks." + std::to_string(i) + ".";
    const bool        global = i == 2 || i == 5 || i == 8 || i == 11;
    expectShape(block + "attn.rel_pos_h", { global ? 127 : 27, 64 }); // 2 x (64 tokens or 14) - 1, 768 / 12
    expectShape(block + "attn.rel_pos_w", { global ? 127 : 27, 64 });
    expectShape(block + "attn.qkv.weight", { 2304, 768 });
    expectShape(block + "attn.proj.weight", { 768, 768 });
    expectShape(block + "mlp.lin1.weight", { 3072, 768 });
    expectShape(block + "mlp.lin2.weight", { 768, 3072 });
    expectShape(block + "norm1.weight", { 768 });
    expectShape(block + "norm2.bias", { 768 });
  }
  EXPECT_EQ(shapes.count("image_encoder.blocks.12.norm1.weight"), 0u);
  expectShape("image_encoder.neck.0.weight", { 256, 768, 1, 1 });
  expectShape("image_encoder.neck.1.weight", { 256 });
  expectShape("image_encoder.neck.2.weight", { 256, 256, 3, 3 });
  expectShape("image_encoder.neck.3.bias", { 256 });
  expectShape("prompt_encoder.pe_layer.positional_encoding_gaussian_matrix", { 2, 128 });
  for (int i = 0; i < 4; ++i)
  {
    expectShape("prompt_encoder.point_embeddings." + std::to_string(i) + ".weight", { 1, 256 });
  }
  expectShape("prompt_encoder.not_a_point_embed.weight", { 1, 256 });
  expectShape("prompt_encoder.no_mask_embed.weight", { 1, 256 });
  expectShape("prompt_encoder.mask_downscaling.0.weight", { 4, 1, 2, 2 });
  expectShape("prompt_encoder.mask_downscaling.1.weight", { 4 });
  expectShape("prompt_encoder.mask_downscaling.3.weight", { 16, 4, 2, 2 });
  expectShape("prompt_encoder.mask_downscaling.4.weight", { 16 });
  expectShape("prompt_encoder.mask_downscaling.6.weight", { 256, 16, 1, 1 });
  for (int i = 0; i < 2; ++i)
  {
    const std::string layer = "mask_decoder.transformer.layers." + std::to_string(i) + ".";
    expectShape(layer + "self_attn.q_proj.weight", { 256, 256 });
    expectShape(layer + "cross_attn_token_to_image.q_proj.weight", { 128, 256 });
    expectShape(layer + "cross_attn_token_to_image.out_proj.weight", { 256, 128 });
    expectShape(layer + "mlp.lin1.weight", { 2048, 256 });
    expectShape(layer + "mlp.lin2.weight", { 256, 2048 });
    expectShape(layer + "cross_attn_image_to_token.v_proj.weight", { 128, 256 });
    expectShape(layer + "norm4.weight", { 256 });
  }
  EXPECT_EQ(shapes.count("mask_decoder.transformer.layers.2.norm1.weight"), 0u);
  expectShape("mask_decoder.transformer.final_attn_token_to_image.k_proj.weight", { 128, 256 });
  expectShape("mask_decoder.transformer.norm_final_attn.weight", { 256 });
  expectShape("mask_decoder.iou_token.weight", { 1, 256 });
  expectShape("mask_decoder.mask_tokens.weight", { 4, 256 });
  expectShape("mask_decoder.output_upscaling.0.weight", { 256, 64, 2, 2 });
  expectShape("mask_decoder.output_upscaling.1.weight", { 64 });
  expectShape("mask_decoder.output_upscaling.3.weight", { 64, 32, 2, 2 });
  for (int i = 0; i < 4; ++i)
  {
    const std::string mlp = "mask_decoder.output_hypernetworks_mlps." + std::to_string(i) + ".layers.";
    expectShape(mlp + "0.weight", { 256, 256 });
    expectShape(mlp + "1.weight", { 256, 256 });
    expectShape(mlp + "2.weight", { 32, 256 });
  }
  expectShape("mask_decoder.iou_prediction_head.layers.0.weight", { 256, 256 });
  expectShape("mask_decoder.iou_prediction_head.layers.1.weight", { 256, 256 });
  expectShape("mask_decoder.iou_prediction_head.layers.2.weight", { 4, 256 });
  // Every parameter of SAM ViT-B and nothing more, counted by stage (sam_vit_b_01ec64.pth: 89,670,912 in the
  // image encoder, 6,220 in the prompt encoder, 4,058,340 in the mask decoder, 93,735,472 in all).
  EXPECT_EQ(SAMParameterCount(vitB, "image_encoder."), 89670912);
  EXPECT_EQ(SAMParameterCount(vitB, "prompt_encoder."), 6220);
  EXPECT_EQ(SAMParameterCount(vitB, "mask_decoder."), 4058340);
  EXPECT_EQ(SAMParameterCount(vitB, ""), 93735472);
  // The network runs at this size (on a small tile: the position embedding and the relative positions resample).
  vitB->eval();
  auto [image, priors] = Tiles(1, 64);
  const auto out = vitB->forward(image, priors, NoPrompts(1));
  EXPECT_EQ(out.Logits.sizes(), torch::IntArrayRef({ 1, 1, 64, 64 }));
  EXPECT_EQ(out.PredictedIoU.sizes(), torch::IntArrayRef({ 1, 1 }));

  // The small configuration is SAM's layout at a CPU-friendly width: its SAM parameters are vit_b's, under the same
  // names and with as many dimensions, less the encoder blocks 4 to 11 that it does not have.
  std::map<std::string, std::size_t> expected;
  for (const auto & [name, shape] : shapes)
  {
    bool deeper = false;
    for (int i = 4; i < 12; ++i)
    {
      deeper = deeper || name.rfind("image_encoder.blocks." + std::to_string(i) + ".", 0) == 0;
    }
    if (!deeper && !scopsam::network::IsSCoPSAMOnlyParameter(name))
    {
      expected[name] = shape.size();
    }
  }
  SCoPSAMNet                         small(ModelConfig::Small());
  std::map<std::string, std::size_t> found;
  for (const auto & [name, shape] : Shapes(small))
  {
    if (!scopsam::network::IsSCoPSAMOnlyParameter(name))
    {
      found[name] = shape.size();
    }
  }
  EXPECT_EQ(found, expected);
}

TEST(Configurations, SmallFineHasEightPixelTokensAndFullSizeMasks)
{
  torch::manual_seed(4);
  SCoPSAMNet net(ModelConfig::SmallFine());
  net->eval();
  torch::NoGradGuard noGrad;
  const auto shapes = Shapes(net);
  EXPECT_EQ(shapes.at("image_encoder.patch_embed.proj.weight"), std::vector<int64_t>({ 192, 3, 8, 8 }));
  EXPECT_EQ(shapes.at("image_encoder.pos_embed"), std::vector<int64_t>({ 1, 32, 32, 192 }));
  // The same weights as small but for the patch embeddings, the position table and the global blocks' relative
  // position tables (2 x 32 - 1 rows instead of 2 x 16 - 1).
  EXPECT_EQ(shapes.at("image_encoder.blocks.1.attn.rel_pos_h"), std::vector<int64_t>({ 63, 64 }));
  EXPECT_EQ(shapes.at("image_encoder.blocks.0.attn.rel_pos_h"), std::vector<int64_t>({ 15, 64 }));
  auto [image, priors] = Tiles(2, 256);
  const auto embedding = net->encode(image, priors);
  EXPECT_EQ(embedding.sizes(), torch::IntArrayRef({ 2, 128, 32, 32 })) << "one token per 8 x 8 pixels";
  const auto out = net->decode(embedding, image, priors, NoPrompts(2));
  EXPECT_EQ(out.Logits.sizes(), torch::IntArrayRef({ 2, 1, 256, 256 }));
  EXPECT_TRUE(torch::isfinite(out.Logits).all().item<bool>());
}

TEST(Network, ForwardReturnsTheIoUPredictionOfEachTile)
{
  torch::manual_seed(3);
  SCoPSAMNet net(scopsam::TinyTestConfiguration());
  net->eval();
  torch::NoGradGuard noGrad;
  auto [image, priors] = Tiles(3, 64);
  const auto out = net->forward(image, priors, NoPrompts(3));
  ASSERT_EQ(out.Logits.sizes(), torch::IntArrayRef({ 3, 1, 64, 64 }));
  ASSERT_EQ(out.PredictedIoU.sizes(), torch::IntArrayRef({ 3, 1 }));
  EXPECT_TRUE(torch::isfinite(out.PredictedIoU).all().item<bool>()) << out.PredictedIoU;
  // Each tile's own: other tiles give other values, and a tile run alone gives its value in the batch.
  const auto iou = out.PredictedIoU.flatten();
  EXPECT_GT((iou[0] - iou[1]).abs().item<float>(), 1e-5f) << iou;
  EXPECT_GT((iou[1] - iou[2]).abs().item<float>(), 1e-5f) << iou;
  const auto alone = net->forward(image.narrow(0, 1, 1), priors.narrow(0, 1, 1), NoPrompts(1));
  EXPECT_NEAR(alone.PredictedIoU.item<float>(), iou[1].item<float>(), 1e-5f);
  // The prompts reach the IoU head: a click in the tile changes its prediction.
  scopsam::network::TilePrompts click;
  click.PointCoordinates = torch::tensor({ 20.0f, 30.0f }).view({ 1, 1, 2 }).expand({ 3, 1, 2 }).contiguous();
  click.PointLabels = torch::ones({ 3, 1 });
  const auto clicked = net->forward(image, priors, click).PredictedIoU.flatten();
  EXPECT_GT((clicked - iou).abs().max().item<float>(), 1e-5f) << clicked << iou;
}
