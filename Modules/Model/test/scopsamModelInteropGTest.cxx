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
// Models made elsewhere: TorchScript modules written by Debian's python3-torch, and SAM ViT-B checkpoints.
// ctest makes the files first (fixtures) and passes their paths in SCOPSAM_TORCHSCRIPT_MODEL,
// SCOPSAM_TORCHSCRIPT_MODEL_WITH_CONFIG and SCOPSAM_SAM_VIT_B_STATE_DICT.
#include "scopsamLoadedModel.h"
#include "scopsamSegmentationEngine.h"

#include <torch/torch.h>

#include "gtest/gtest.h"

#include <cmath>
#include <cstdlib>
#include <fstream>

namespace
{
std::string
FromEnvironment(const char * name)
{
  const char * value = std::getenv(name);
  return value ? value : "";
}
} // namespace

TEST(TorchScript, AModelExportedFromPythonRunsThroughTheEngine)
{
  const std::string path = FromEnvironment("SCOPSAM_TORCHSCRIPT_MODEL");
  if (path.empty())
  {
    GTEST_SKIP() << "SCOPSAM_TORCHSCRIPT_MODEL is not set (ctest sets it)";
  }
  auto engine = scopsam::SegmentationEngine::Load(path);
  EXPECT_TRUE(engine->IsTorchScript());
  const std::int64_t W = 100, H = 80;
  std::vector<float> image(W * H), priors(4 * W * H);
  for (std::int64_t i = 0; i < W * H; ++i)
  {
    image[i] = static_cast<float>((i % W) / double(W));
    for (int c = 0; c < 4; ++c)
    {
      priors[c * W * H + i] = static_cast<float>(((i / W) + c) / double(H + 4));
    }
  }
  std::vector<float> out(W * H);
  const auto         grid = engine->MakeTileGrid(W, H, {});
  const auto summary = engine->Predict(grid, { { 0, 0, W, H }, image.data(), priors.data() }, {}, { 0, 0, W, H }, out.data());
  EXPECT_EQ(summary.PredictedIoU, -1.0) << "a TorchScript model of the documented signature has no IoU output";
  for (std::int64_t i = 0; i < W * H; ++i)
  {
    const double meanPrior = (priors[i] + priors[W * H + i] + priors[2 * W * H + i] + priors[3 * W * H + i]) / 4.0;
    const double expected = 1.0 / (1.0 + std::exp(-8.0 * (image[i] + meanPrior - 1.0)));
    ASSERT_NEAR(out[i], expected, 2e-5) << "pixel " << i;
  }
  scopsam::Prompts clicks;
  clicks.Clicks = { { 30, 40, 1 } };
  std::vector<float> clicked(W * H);
  engine->Predict(grid, { { 0, 0, W, H }, image.data(), priors.data() }, clicks, { 0, 0, W, H }, clicked.data());
  EXPECT_GT(clicked[40 * W + 30], out[40 * W + 30] + 0.01) << "the positive click raised the logit near it";
  EXPECT_NEAR(clicked[5 * W + 90], out[5 * W + 90], 1e-6) << "and nothing far from it";

  const std::string withConfig = FromEnvironment("SCOPSAM_TORCHSCRIPT_MODEL_WITH_CONFIG");
  if (!withConfig.empty())
  {
    auto configured = scopsam::SegmentationEngine::Load(withConfig);
    EXPECT_EQ(configured->GetConfig().Name, "exported");
    EXPECT_EQ(configured->GetConfig().TileSize, 64);
  }
}

TEST(SAMImport, EveryViTBTensorFindsItsPlace)
{
  const std::string path = FromEnvironment("SCOPSAM_SAM_VIT_B_STATE_DICT");
  if (path.empty())
  {
    GTEST_SKIP() << "SCOPSAM_SAM_VIT_B_STATE_DICT is not set (ctest sets it)";
  }
  auto                     engine = scopsam::SegmentationEngine::Create(scopsam::ModelConfig::VitB(), 1);
  std::vector<std::string> notLoaded;
  const auto               unused = engine->ImportSAM(path, &notLoaded);
  EXPECT_TRUE(unused.empty()) << "SAM tensors without a place, first: " << (unused.empty() ? "" : unused.front());
  ASSERT_FALSE(notLoaded.empty());
  for (const auto & name : notLoaded)
  {
    EXPECT_TRUE(scopsam::network::IsSCoPSAMOnlyParameter(name)) << name << " was not loaded and is not a prior part";
  }
  // A loaded value is the checkpoint's.
  std::ifstream           in(path, std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
  const auto              dict = torch::pickle_load(bytes).toGenericDict();
  const auto              expected = dict.at("image_encoder.blocks.5.attn.rel_pos_h").toTensor();
  torch::Tensor           actual;
  for (const auto & p : scopsam::ModelOf(*engine).Net->named_parameters())
  {
    if (p.key() == "image_encoder.blocks.5.attn.rel_pos_h")
    {
      actual = p.value();
    }
  }
  ASSERT_TRUE(actual.defined());
  EXPECT_TRUE(torch::equal(actual, expected));
  // The imported network runs at the small configuration's tile size (position tables resampled).
  const std::int64_t W = 256, H = 256;
  std::vector<float> image(W * H, 0.5f), priors(4 * W * H, 0.1f), out(W * H);
  scopsam::TilingOptions options;
  options.TileSize = 256;
  engine->Predict(engine->MakeTileGrid(W, H, options), { { 0, 0, W, H }, image.data(), priors.data() }, {}, { 0, 0, W, H },
                  out.data());
  EXPECT_TRUE(std::isfinite(out[0]));
}
