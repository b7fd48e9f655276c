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
// The network and the tile engine: shapes and ranges, tiling invariances, prompts, model files.
#include "scopsamLoadedModel.h"
#include "scopsamProtocolClick.h"
#include "scopsamSegmentationEngine.h"
#include "scopsamSha256.h"
#include "scopsamTestConfigurations.h"
#include "scopsamThreadSettings.h"

#include <caffe2/serialize/inline_container.h>
#include <torch/torch.h>

#include "gtest/gtest.h"
#include "scopsamJSONNumbers.h"
#include "scopsamTestScratch.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

namespace fs = std::filesystem;
using scopsam::ModelConfig;
using scopsam::PixelRegion;
using scopsam::SegmentationEngine;

namespace
{

ModelConfig
Tiny(bool priors = true)
{
  ModelConfig c = scopsam::TinyTestConfiguration();
  c.PriorsInEncoder = c.PriorsInPrompt = c.PriorsInDecoder = priors;
  return c;
}

/** An image with its priors: smooth random content, values in [0, 1]. */
struct TestImage
{
  std::int64_t       Width, Height;
  std::vector<float> Image, Priors;
  scopsam::ImageBlock
  Block() const
  {
    return { { 0, 0, Width, Height }, Image.data(), Priors.data() };
  }
};

TestImage
MakeImage(std::int64_t width, std::int64_t height, int channels = 4)
{
  TestImage t{ width, height, std::vector<float>(width * height), std::vector<float>(channels * width * height) };
  for (std::int64_t y = 0; y < height; ++y)
  {
    for (std::int64_t x = 0; x < width; ++x)
    {
      t.Image[y * width + x] = 0.5f + 0.4f * std::sin(0.21f * x) * std::cos(0.17f * y);
      for (int c = 0; c < channels; ++c)
      {
        t.Priors[(c * height + y) * width + x] = 0.5f + 0.5f * std::sin(0.1f * (c + 1) * x + 0.05f * y);
      }
    }
  }
  return t;
}

std::vector<float>
PredictAll(const SegmentationEngine & engine, const TestImage & t, const scopsam::Prompts & prompts = {},
           scopsam::TilingOptions options = {})
{
  std::vector<float> out(t.Width * t.Height);
  engine.Predict(engine.MakeTileGrid(t.Width, t.Height, options), t.Block(), prompts, { 0, 0, t.Width, t.Height }, out.data());
  return out;
}

fs::path
Scratch(const std::string & name)
{
  return scopsam::TestScratchFolder(name);
}

} // namespace

TEST(ModelConfig, JSONRoundTripAndValidation)
{
  for (const auto & c : { ModelConfig::Small(), ModelConfig::SmallFine(), ModelConfig::VitB(), Tiny() })
  {
    EXPECT_EQ(ModelConfig::FromJSON(c.ToJSON()), c);
    EXPECT_NO_THROW(c.Validate()) << c.Name;
  }
  ASSERT_EQ(ModelConfig::Names(), (std::vector<std::string>{ "small", "small_fine", "vit_b" }));
  for (const auto & name : ModelConfig::Names())
  {
    EXPECT_EQ(ModelConfig::Named(name).Name, name);
  }
  ModelConfig bad = ModelConfig::Small();
  bad.TileSize = 100;
  EXPECT_THROW(bad.Validate(), std::invalid_argument);
  EXPECT_THROW(ModelConfig::FromJSON("{\"name\": 1}"), std::invalid_argument);
  EXPECT_THROW(ModelConfig::Named("vit_h"), std::invalid_argument);
  // Integers of a hostile file: a float (whose conversion to int is undefined behaviour), a value beyond int, a
  // fraction, a negative where a size is unsigned - refused, not converted.
  const auto json = nlohmann::json::parse(ModelConfig::Small().ToJSON());
  for (const auto & [key, value] : std::vector<std::pair<std::string, nlohmann::json>>{
         { "tile_size", 1e300 }, { "tile_size", 256.5 }, { "encoder_dim", 4294967488LL }, { "global_blocks", { 1, 1e30 } },
         { "refine_channels", -1e19 } })
  {
    auto forged = json;
    forged[key] = value;
    EXPECT_THROW(ModelConfig::FromJSON(forged.dump()), std::invalid_argument) << key << " = " << value.dump();
  }
  EXPECT_EQ(scopsam::JSONInteger<int>(nlohmann::json(256)), 256);
  EXPECT_EQ(scopsam::JSONInteger<std::size_t>(nlohmann::json(7u)), 7u);
  EXPECT_THROW(scopsam::JSONInteger<std::size_t>(nlohmann::json(-1)), nlohmann::json::type_error);
  EXPECT_THROW(scopsam::JSONInteger<int>(nlohmann::json("12")), nlohmann::json::type_error);
}

// FIPS 180-4's examples (NIST's SHA-256 example values), and a message that fills blocks unevenly.
TEST(ModelFile, Sha256GivesTheStandardsDigests)
{
  auto digest = [](const std::string & text, std::size_t piece) {
    scopsam::Sha256 hash;
    for (std::size_t at = 0; at < text.size(); at += piece)
    {
      hash.Update(text.data() + at, std::min(piece, text.size() - at));
    }
    return hash.HexDigest();
  };
  EXPECT_EQ(digest("", 1), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(digest("abc", 1), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string twoBlocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  for (const std::size_t piece : { 1, 7, 64, 1000 })
  {
    EXPECT_EQ(digest(twoBlocks, piece), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1") << piece;
  }
  EXPECT_EQ(digest(std::string(1000000, 'a'), 4096), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// A hostile model file cannot ask for a network that would not fit: every size has a limit, and so has the number
// of weights, which ParameterBound() bounds from the sizes alone (checked here against the networks themselves).
TEST(ModelConfig, SizesAreCappedBeforeAnythingIsAllocated)
{
  for (const auto & c : { Tiny(), ModelConfig::Small(), ModelConfig::VitB() })
  {
    auto          engine = SegmentationEngine::Create(c, 1);
    std::int64_t  weights = 0;
    for (const auto & t : scopsam::ModelOf(*engine).Net->parameters())
    {
      weights += t.numel();
    }
    for (const auto & t : scopsam::ModelOf(*engine).Net->buffers())
    {
      weights += t.numel();
    }
    EXPECT_GE(c.ParameterBound(), weights) << c.Name;
    if (c.Name != Tiny().Name)
    {
      EXPECT_LE(c.ParameterBound(), 1.5 * weights) << c.Name << ": a bound far above the network says little";
    }
  }
  ModelConfig huge = ModelConfig::VitB();
  huge.EncoderDepth = 64; // 64 blocks of 768: about 450 M weights
  EXPECT_THROW(huge.Validate(), std::invalid_argument);
  ModelConfig wide = ModelConfig::Small();
  wide.EmbedDim = 1 << 20;
  EXPECT_THROW(wide.Validate(), std::invalid_argument);
  wide = ModelConfig::Small();
  wide.DecoderMlpDim = 1 << 30;
  EXPECT_THROW(wide.Validate(), std::invalid_argument);
  // Through a model file: refused from its configuration record, before the network is built.
  const fs::path                  folder = Scratch("huge");
  torch::serialize::OutputArchive archive;
  archive.write("scopsam_format_version", c10::IValue(static_cast<int64_t>(scopsam::ModelFormatVersion)));
  archive.write("scopsam_config", c10::IValue(huge.ToJSON()));
  archive.save_to((folder / "huge.pt").string());
  try
  {
    SegmentationEngine::Load((folder / "huge.pt").string());
    FAIL() << "a 64-block vit_b loaded";
  }
  catch (const scopsam::ModelError & e)
  {
    EXPECT_NE(std::string(e.what()).find("M weights"), std::string::npos) << e.what();
  }
}

// The priors a model carries are checked against the table of the prior parameters: a file cannot hold a value the
// prior filters would refuse, nor a polarity that is not one of the three names.
TEST(ModelConfig, PriorParametersAreCheckedAgainstTheTable)
{
  ModelConfig c = ModelConfig::Small();
  EXPECT_EQ(c.IntegrationScale, scopsam::PriorParameters::IntegrationScale.Default);
  EXPECT_EQ(c.Polarity, scopsam::PriorParameters::DefaultPolarity);
  c.IntegrationScale = scopsam::PriorParameters::IntegrationScale.Range.Maximum * 2;
  EXPECT_THROW(c.Validate(), std::invalid_argument);
  c = ModelConfig::Small();
  c.GradientScales.push_back(scopsam::PriorParameters::ScaleRange.Minimum / 2);
  EXPECT_THROW(c.Validate(), std::invalid_argument);
  c = ModelConfig::Small();
  c.Polarity = scopsam::Polarity::Dark;
  const std::string json = c.ToJSON();
  EXPECT_NE(json.find("\"polarity\":\"dark\""), std::string::npos) << json;
  EXPECT_EQ(ModelConfig::FromJSON(json).Polarity, scopsam::Polarity::Dark);
  std::string sideways = json;
  sideways.replace(sideways.find("\"dark\""), 6, "\"sideways\"");
  EXPECT_THROW(ModelConfig::FromJSON(sideways), std::invalid_argument);
}

TEST(Tiling, TilesCoverTheImageAndTheLastEndsAtTheBorder)
{
  for (const auto & [w, h] : std::vector<std::pair<int, int>>{ { 300, 200 }, { 64, 64 }, { 65, 1 }, { 1000, 77 } })
  {
    const auto tiles = scopsam::PlaceTiles(w, h, 64, 16);
    std::vector<int> covered(w * h, 0);
    std::int64_t     right = 0, bottom = 0;
    for (const auto & t : tiles)
    {
      right = std::max(right, t.X + t.Width);
      bottom = std::max(bottom, t.Y + t.Height);
      for (std::int64_t y = t.Y; y < std::min<std::int64_t>(h, t.Y + 64); ++y)
        for (std::int64_t x = t.X; x < std::min<std::int64_t>(w, t.X + 64); ++x)
          covered[y * w + x] = 1;
    }
    EXPECT_EQ(std::count(covered.begin(), covered.end(), 0), 0) << w << "x" << h;
    EXPECT_EQ(right, std::max(w, 64)) << "the last tile ends at the border, or the image is smaller than a tile";
    EXPECT_EQ(bottom, std::max(h, 64));
  }
}

TEST(Network, ShapesAndRangesWithAndWithoutPriors)
{
  for (bool priors : { true, false })
  {
    auto       engine = SegmentationEngine::Create(Tiny(priors), 1);
    const auto image = MakeImage(150, 97);
    const auto p = PredictAll(*engine, image);
    ASSERT_EQ(p.size(), 150u * 97u);
    for (float v : p)
    {
      ASSERT_TRUE(v >= 0.0f && v <= 1.0f) << v;
    }
  }
}

TEST(Tiling, SameProbabilitiesWhateverTheRegionsBatchesAndThreads)
{
  auto       engine = SegmentationEngine::Create(Tiny(), 2);
  const auto image = MakeImage(181, 133);
  scopsam::TilingOptions options;
  options.BatchSize = 4;
  const auto whole = PredictAll(*engine, image, {}, options);
  // Output regions computed separately, as ITK streaming asks for them.
  for (const PixelRegion piece : { PixelRegion{ 0, 0, 181, 40 }, PixelRegion{ 37, 40, 100, 93 }, PixelRegion{ 180, 132, 1, 1 } })
  {
    std::vector<float> out(piece.Pixels());
    const auto         grid = engine->MakeTileGrid(181, 133, options);
    const auto         needed = grid.InputRegion(piece, {});
    // Hand over only the needed block, as the ITK filter does.
    std::vector<float> block(needed.Pixels()), priors(4 * needed.Pixels());
    for (std::int64_t y = 0; y < needed.Height; ++y)
      for (std::int64_t x = 0; x < needed.Width; ++x)
      {
        block[y * needed.Width + x] = image.Image[(needed.Y + y) * 181 + needed.X + x];
        for (int c = 0; c < 4; ++c)
          priors[(c * needed.Height + y) * needed.Width + x] = image.Priors[(c * 133 + needed.Y + y) * 181 + needed.X + x];
      }
    const auto summary = engine->Predict(grid, { needed, block.data(), priors.data() }, {}, piece, out.data());
    EXPECT_EQ(summary.Tiles, grid.CountTiles(piece)) << "Predict runs the grid's tiles that touch the output";
    for (std::int64_t y = 0; y < piece.Height; ++y)
      for (std::int64_t x = 0; x < piece.Width; ++x)
        ASSERT_EQ(out[y * piece.Width + x], whole[(piece.Y + y) * 181 + piece.X + x]) << x << "," << y;
  }
  for (int batch : { 1, 3 })
  {
    options.BatchSize = batch;
    EXPECT_EQ(PredictAll(*engine, image, {}, options), whole) << "batch size " << batch;
  }
  options.BatchSize = 4;
  for (int threads : { 1, 2 })
  {
    torch::set_num_threads(threads);
    EXPECT_EQ(PredictAll(*engine, image, {}, options), whole) << threads << " threads";
  }
}

TEST(Tiling, OneTileEqualsAWholeImagePassAndSmallImagesWork)
{
  auto       engine = SegmentationEngine::Create(Tiny(), 3);
  const auto image = MakeImage(64, 64);
  const auto tiled = PredictAll(*engine, image);
  // One tile: the engine's result is the network's own on the whole image, up to the rounding of (w p) / w.
  torch::NoGradGuard noGrad;
  auto               imageTensor = torch::from_blob(const_cast<float *>(image.Image.data()), { 1, 1, 64, 64 });
  auto               priorTensor = torch::from_blob(const_cast<float *>(image.Priors.data()), { 1, 4, 64, 64 });
  scopsam::network::TilePrompts none;
  none.PointCoordinates = torch::zeros({ 1, 0, 2 });
  none.PointLabels = torch::zeros({ 1, 0 });
  const auto direct = torch::sigmoid(scopsam::ModelOf(*engine).Net->forward(imageTensor, priorTensor, none).Logits).contiguous();
  for (std::size_t i = 0; i < tiled.size(); ++i)
  {
    ASSERT_NEAR(direct.data_ptr<float>()[i], tiled[i], 1e-6f);
  }
  scopsam::TilingOptions flat;
  flat.Window = scopsam::BlendingWindow::Flat;
  const auto flatResult = PredictAll(*engine, image, {}, flat);
  for (std::size_t i = 0; i < tiled.size(); ++i)
  {
    ASSERT_NEAR(flatResult[i], tiled[i], 1e-6f);
  }
  for (const auto & [w, h] : std::vector<std::pair<int, int>>{ { 10, 7 }, { 1, 200 }, { 200, 1 } })
  {
    const auto small = MakeImage(w, h);
    const auto p = PredictAll(*engine, small);
    EXPECT_EQ(p.size(), static_cast<std::size_t>(w * h));
  }
}

TEST(Prompts, ClicksAndBoxesChangeTheResultWhereTheyShould)
{
  auto       engine = SegmentationEngine::Create(Tiny(), 4);
  const auto image = MakeImage(140, 100);
  const auto automatic = PredictAll(*engine, image);
  scopsam::Prompts clicks;
  clicks.Clicks = { { 20, 30, 1 }, { 120, 80, 0 } };
  const auto clicked = PredictAll(*engine, image, clicks);
  double     change = 0;
  for (std::size_t i = 0; i < automatic.size(); ++i)
  {
    change += std::abs(clicked[i] - automatic[i]);
  }
  EXPECT_GT(change / automatic.size(), 1e-4) << "clicks steer the whole image";
  scopsam::Prompts box;
  box.HasBox = true;
  box.Region = { 30, 20, 79, 59 };
  const auto boxed = PredictAll(*engine, image, box);
  for (std::int64_t y = 0; y < 100; ++y)
    for (std::int64_t x = 0; x < 140; ++x)
      if (x < 30 || x > 79 || y < 20 || y > 59)
        ASSERT_EQ(boxed[y * 140 + x], 0.0f) << "outside the region of interest";
  scopsam::Prompts outside;
  outside.Clicks = { { 140, 5, 1 } };
  EXPECT_THROW(PredictAll(*engine, image, outside), scopsam::ModelError);
}

TEST(Prompts, KeptEmbeddingsRerunOnlyTheDecoderAndGiveTheSameProbabilities)
{
  // SamPredictor's encode once, prompt many: with a TileEmbeddings the first call encodes every tile it runs (and
  // each click's own tile), later calls only tiles they have not seen, and every call gives exactly the
  // probabilities of a call without it.
  auto             engine = SegmentationEngine::Create(Tiny(), 6);
  const auto       image = MakeImage(181, 133); // 4 x 3 tiles of 64 pixels
  const auto       grid = engine->MakeTileGrid(image.Width, image.Height, {});
  const PixelRegion whole{ 0, 0, image.Width, image.Height };
  scopsam::TileEmbeddings kept;
  auto predict = [&](const scopsam::Prompts & prompts, scopsam::TileEmbeddings * embeddings) {
    std::vector<float> out(image.Width * image.Height);
    engine->Predict(grid, image.Block(), prompts, whole, out.data(), nullptr, nullptr, embeddings);
    return out;
  };
  EXPECT_EQ(predict({}, &kept), predict({}, nullptr)) << "automatic";
  EXPECT_EQ(kept.GetEncoded(), grid.Tiles.size());
  EXPECT_EQ(kept.GetTiles(), grid.Tiles.size());
  EXPECT_GT(kept.GetBytes(), 0u);

  scopsam::Prompts one, two;
  one.Clicks = { { 20, 30, 1 } };   // its own tile is the grid's first (clamped to the corner): nothing to encode
  two.Clicks = { { 20, 30, 1 }, { 100, 70, 0 } };
  EXPECT_EQ(predict(one, &kept), predict(one, nullptr)) << "one click";
  EXPECT_EQ(kept.GetEncoded(), grid.Tiles.size()) << "a click on a kept tile reruns the decoder only";
  const auto clicked = predict(two, &kept);
  EXPECT_EQ(clicked, predict(two, nullptr)) << "two clicks";
  EXPECT_EQ(kept.GetEncoded(), grid.Tiles.size() + 1) << "only the second click's own tile was new";
  EXPECT_NE(clicked, predict({}, &kept)) << "the prompts still act";
  EXPECT_EQ(kept.GetEncoded(), grid.Tiles.size() + 1);

  // Another image size, tile size or model forgets what was kept; a budget too small keeps nothing and still gives
  // the same probabilities.
  auto other = SegmentationEngine::Create(Tiny(), 7);
  std::vector<float> out(image.Width * image.Height);
  other->Predict(grid, image.Block(), {}, whole, out.data(), nullptr, nullptr, &kept);
  EXPECT_EQ(kept.GetEncoded(), 2 * grid.Tiles.size() + 1) << "another model encodes again";
  EXPECT_EQ(kept.GetTiles(), grid.Tiles.size());
  scopsam::TileEmbeddings none(1);
  EXPECT_EQ(predict(two, &none), clicked);
  EXPECT_EQ(predict(two, &none), clicked);
  EXPECT_EQ(none.GetTiles(), 0u);
  EXPECT_EQ(none.GetEncoded(), 2 * (grid.Tiles.size() + 2)) << "nothing kept: every call encodes every tile";
  kept.Clear();
  EXPECT_EQ(kept.GetTiles(), 0u);
  EXPECT_EQ(kept.GetBytes(), 0u);
}

TEST(ProtocolClick, TheDistanceTransformIsExactAndTheClickGoesToTheDeeperError)
{
  // Brute force as the oracle: every region pixel's squared distance to the nearest pixel outside, the image
  // surrounded by one pixel of outside.
  std::mt19937 random(7);
  for (int trial = 0; trial < 60; ++trial)
  {
    const std::int64_t        w = 1 + static_cast<std::int64_t>(random() % 23), h = 1 + static_cast<std::int64_t>(random() % 17);
    const unsigned            density = random() % 10;
    std::vector<std::uint8_t> region(static_cast<std::size_t>(w * h));
    for (auto & r : region)
    {
      r = random() % 10 < density ? 1 : 0;
    }
    const auto distance = scopsam::SquaredDistanceToOutside(region.data(), w, h);
    for (std::int64_t y = 0; y < h; ++y)
    {
      for (std::int64_t x = 0; x < w; ++x)
      {
        std::int64_t best = std::min({ (x + 1) * (x + 1), (w - x) * (w - x), (y + 1) * (y + 1), (h - y) * (h - y) });
        for (std::int64_t v = 0; v < h; ++v)
        {
          for (std::int64_t u = 0; u < w; ++u)
          {
            if (region[static_cast<std::size_t>(v * w + u)] == 0)
            {
              best = std::min(best, (u - x) * (u - x) + (v - y) * (v - y));
            }
          }
        }
        const double expected = region[static_cast<std::size_t>(y * w + x)] ? static_cast<double>(best) : 0.0;
        ASSERT_EQ(distance[static_cast<std::size_t>(y * w + x)], expected) << "trial " << trial << " at " << x << "," << y;
      }
    }
  }

  // A missed 5 x 5 square (depth 3) and a false 3 x 3 one (depth 2): a positive click at the missed square's centre.
  const std::int64_t        w = 20, h = 10;
  std::vector<std::uint8_t> truth(w * h, 0), predicted(w * h, 0);
  for (std::int64_t y = 2; y < 7; ++y)
  {
    for (std::int64_t x = 2; x < 7; ++x)
    {
      truth[static_cast<std::size_t>(y * w + x)] = 1;
    }
  }
  for (std::int64_t y = 3; y < 6; ++y)
  {
    for (std::int64_t x = 13; x < 16; ++x)
    {
      predicted[static_cast<std::size_t>(y * w + x)] = 1;
    }
  }
  auto click = scopsam::NextProtocolClick(predicted.data(), truth.data(), nullptr, w, h, {});
  ASSERT_TRUE(click);
  EXPECT_EQ(click->Label, 1);
  EXPECT_EQ(click->X, 4);
  EXPECT_EQ(click->Y, 4);
  EXPECT_DOUBLE_EQ(click->Depth, 3.0);
  // Ignoring the missed square leaves the false one: a negative click at its centre.
  click = scopsam::NextProtocolClick(predicted.data(), truth.data(), truth.data(), w, h, {});
  ASSERT_TRUE(click);
  EXPECT_EQ(click->Label, 0);
  EXPECT_EQ(click->X, 14);
  EXPECT_EQ(click->Y, 4);
  EXPECT_DOUBLE_EQ(click->Depth, 2.0);
  EXPECT_FALSE(scopsam::NextProtocolClick(truth.data(), truth.data(), nullptr, w, h, {})) << "no error, no click";
  EXPECT_THROW(scopsam::NextProtocolClick(truth.data(), truth.data(), nullptr, 0, h, {}), std::invalid_argument);
}

TEST(ProtocolClick, TheLoopClicksTheLastMaskKeepsEveryClickAndStopsWhenNothingIsWrong)
{
  // Three missed squares of depths 3, 2 and 1; a simulated method that fills the square around each positive click.
  // The loop must click them deepest first, hand the method every click so far, and stop when the mask is right.
  const std::int64_t        w = 24, h = 9;
  std::vector<std::uint8_t> truth(w * h, 0), start(w * h, 0);
  const auto                fill = [&](std::vector<std::uint8_t> & m, std::int64_t x0, std::int64_t size) {
    for (std::int64_t y = 1; y < 1 + size; ++y)
    {
      for (std::int64_t x = x0; x < x0 + size; ++x)
      {
        m[static_cast<std::size_t>(y * w + x)] = 1;
      }
    }
  };
  fill(truth, 1, 5);
  fill(truth, 10, 3);
  fill(truth, 18, 1);
  std::vector<std::uint8_t> mask = start;
  std::vector<std::size_t>  seen;
  const auto                answer = [&](const std::vector<scopsam::ProtocolClick> & clicks) {
    seen.push_back(clicks.size());
    const auto & last = clicks.back();
    EXPECT_EQ(last.Label, 1);
    const std::int64_t size = last.X < 8 ? 5 : last.X < 16 ? 3 : 1;
    fill(mask, last.X - size / 2, size);
    return static_cast<const std::uint8_t *>(mask.data());
  };
  auto clicks = scopsam::RunProtocolClicks(start.data(), truth.data(), nullptr, w, h, 20, answer);
  ASSERT_EQ(clicks.size(), 3u) << "three errors, then none left";
  EXPECT_EQ(seen, (std::vector<std::size_t>{ 1, 2, 3 }));
  EXPECT_EQ(clicks[0].X, 3);
  EXPECT_EQ(clicks[1].X, 11);
  EXPECT_EQ(clicks[2].X, 18);
  EXPECT_EQ(mask, truth);

  // At most maximumClicks, and none at all with 0.
  mask = start;
  seen.clear();
  EXPECT_EQ(scopsam::RunProtocolClicks(start.data(), truth.data(), nullptr, w, h, 2, answer).size(), 2u);
  EXPECT_EQ(scopsam::RunProtocolClicks(start.data(), truth.data(), nullptr, w, h, 0, answer).size(), 0u);
}

TEST(ModelFile, SaveLoadRoundTripGivesIdenticalOutputs)
{
  const fs::path folder = Scratch("roundtrip");
  auto           engine = SegmentationEngine::Create(Tiny(), 5);
  engine->Save((folder / "tiny.pt").string());
  auto loaded = SegmentationEngine::Load((folder / "tiny.pt").string());
  EXPECT_EQ(loaded->GetConfig(), engine->GetConfig());
  const auto image = MakeImage(90, 70);
  EXPECT_EQ(PredictAll(*loaded, image), PredictAll(*engine, image));
  EXPECT_NE(loaded->GetIdentity().find("tiny.pt"), std::string::npos);
}

TEST(ModelFile, BrokenForeignAndMismatchedFilesAreClearErrors)
{
  const fs::path folder = Scratch("broken");
  auto           engine = SegmentationEngine::Create(Tiny(), 6);
  engine->Save((folder / "good.pt").string());
  auto expectError = [](const fs::path & path, const std::string & words) {
    try
    {
      SegmentationEngine::Load(path.string());
      FAIL() << path << " loaded";
    }
    catch (const scopsam::ModelError & e)
    {
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
  };
  expectError(folder / "missing.pt", "no such model file");
  std::ofstream(folder / "text.pt") << "hello";
  expectError(folder / "text.pt", "not a model file");
  fs::copy_file(folder / "good.pt", folder / "cut.pt");
  fs::resize_file(folder / "cut.pt", fs::file_size(folder / "good.pt") / 2);
  expectError(folder / "cut.pt", "truncated");
  // A pickled attribute the module's class does not declare (one letter of a tensor's name changed, as libFuzzer
  // found): LibTorch's unpickler throws std::out_of_range, which ended the process; it is a corrupt file.
  {
    std::ifstream     in(folder / "good.pt", std::ios::binary);
    std::string       bytes((std::istreambuf_iterator<char>(in)), {});
    const std::string name = "output_hypernetworks";
    const auto        at = bytes.rfind(name); // in data.pkl, the last entry of the archive's names
    ASSERT_NE(at, std::string::npos);
    bytes[at + name.find('y')] = 'z';
    std::ofstream(folder / "renamed.pt", std::ios::binary) << bytes;
    expectError(folder / "renamed.pt", "renamed.pt");
    EXPECT_THROW(SegmentationEngine::LoadFromMemory(bytes.data(), bytes.size(), "renamed"), scopsam::ModelError);
  }
  // A LONG_BINPUT whose memo index LibTorch would size its memo table by (libFuzzer's forgery asked for 31 GB): refused
  // before LibTorch reads the pickle.
  expectError(fs::path(SCoPSAM_SOURCE_DIR) / "Testing/Fuzz/corpus/model_file/crash-unpickler-memo-index",
              "its pickled data claims more bytes than it holds");
  // The same kind of index, in an archive whose zip directory claims more records and more bytes than the file
  // holds (LibTorch's zip reader reads the records it finds; the check had given up on that directory).
  expectError(fs::path(SCoPSAM_SOURCE_DIR) / "Testing/Fuzz/corpus/model_file/crash-forged-directory-size",
              "its pickled data claims more bytes than it holds");
  // A tensor storage whose pickled element count claims more than its record holds: LibTorch builds the storage
  // without comparing, and hashing the weights read past the record (libFuzzer's input). Refused before LibTorch
  // reads the file - for the last storage of a file saved here too (rewritten with LibTorch's own archive writer, so
  // that every CRC is right), which shows that the check follows the whole pickle.
  expectError(fs::path(SCoPSAM_SOURCE_DIR) / "Testing/Fuzz/corpus/model_file/crash-storage-larger-than-its-record",
              "claims 512 bytes, its record holds 128");
  // The same storage in an archive whose end record's directory offset is forged and which ends in a stray end
  // signature: LibTorch's reader takes the directory from the zip64 end record, and so must the check.
  expectError(fs::path(SCoPSAM_SOURCE_DIR) / "Testing/Fuzz/corpus/model_file/crash-forged-end-record",
              "claims 512 bytes, its record holds 128");
  {
    caffe2::serialize::PyTorchStreamReader reader((folder / "good.pt").string());
    const auto [data, size] = reader.getRecord("data.pkl");
    std::string pickle(static_cast<const char *>(data.get()), size);
    const auto  tuple = pickle.rfind("tQ"); // TUPLE, BINPERSID: the count is the opcode before
    ASSERT_NE(tuple, std::string::npos);
    if (pickle[tuple - 3] == 'M')
    {
      pickle[tuple - 2] = pickle[tuple - 1] = '\xff';
    }
    else
    {
      ASSERT_EQ(pickle[tuple - 2], 'K') << "expected the count as BININT1 or BININT2";
      pickle[tuple - 1] = '\xff';
    }
    caffe2::serialize::PyTorchStreamWriter writer((folder / "overclaiming.pt").string());
    for (const auto & name : reader.getAllRecords())
    {
      if (name == "data.pkl")
      {
        writer.writeRecord(name, pickle.data(), pickle.size());
      }
      else if (name != "version" && name != ".data/version") // the writer writes its own
      {
        const auto [bytes, length] = reader.getRecord(name);
        writer.writeRecord(name, bytes.get(), length);
      }
    }
    writer.writeEndOfFile();
  }
  expectError(folder / "overclaiming.pt", "its record holds");
  // A class source whose deflated record decodes with two letters swapped (libFuzzer mutated its Huffman table):
  // `__parametens__ = [...]`, an assignment without a type that LibTorch's script parser takes for a constant and
  // crashes on under AddressSanitizer. Refused before LibTorch compiles it.
  expectError(fs::path(SCoPSAM_SOURCE_DIR) / "Testing/Fuzz/corpus/model_file/crash-class-constant-without-a-type",
              "assigns '__parametens__' without a type");
  // A file whose configuration says one size and whose tensors are of another.
  {
    auto                            other = SegmentationEngine::Create(Tiny(), 7);
    ModelConfig                     lie = Tiny();
    lie.EncoderDim = 64;
    torch::serialize::OutputArchive archive;
    archive.write("scopsam_format_version", c10::IValue(static_cast<int64_t>(scopsam::ModelFormatVersion)));
    archive.write("scopsam_config", c10::IValue(lie.ToJSON()));
    torch::serialize::InputArchive in;
    in.load_from((folder / "good.pt").string());
    for (const auto & key : in.keys())
    {
      torch::Tensor t;
      if (in.try_read(key, t) && key.rfind("scopsam_", 0) != 0)
      {
        archive.write(key, t);
      }
    }
    archive.save_to((folder / "mismatch.pt").string());
  }
  expectError(folder / "mismatch.pt", "has shape");
  // Another format version.
  {
    torch::serialize::OutputArchive archive;
    archive.write("scopsam_format_version", c10::IValue(static_cast<int64_t>(99)));
    archive.save_to((folder / "future.pt").string());
  }
  expectError(folder / "future.pt", "format version 99");
  scopsam::DeviceOptions cuda;
  cuda.Device = "cuda";
  if (!torch::cuda::is_available())
  {
    EXPECT_THROW(SegmentationEngine::Load((folder / "good.pt").string(), cuda), scopsam::ModelError);
  }
  cuda.Device = "tpu";
  EXPECT_THROW(SegmentationEngine::Load((folder / "good.pt").string(), cuda), scopsam::ModelError);
}

namespace
{
std::string
ReadBytes(const fs::path & path)
{
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}
void
WriteBytes(const fs::path & path, const std::string & bytes)
{
  std::ofstream(path, std::ios::binary) << bytes;
}
} // namespace

// A model file carries a SHA-256 of its configuration and weights: one flipped bit in a weight (which would load and
// segment almost as before) or one changed digit of the configuration is "corrupt model file". A file saved before
// checksums (the same records without it) still loads, reported as unverified.
TEST(ModelFile, ChecksumRefusesAFlippedBitAndOldFilesLoadUnverified)
{
  const fs::path folder = Scratch("checksum");
  auto           engine = SegmentationEngine::Create(Tiny(), 8);
  engine->Save((folder / "good.pt").string());
  EXPECT_EQ(engine->GetChecksum(), "none (fresh weights)");
  auto good = SegmentationEngine::Load((folder / "good.pt").string());
  ASSERT_EQ(good->GetChecksum().rfind("sha256:", 0), 0u) << good->GetChecksum();
  EXPECT_EQ(good->GetChecksum().size(), 7u + 64u);

  auto expectCorrupt = [](const fs::path & path) {
    try
    {
      SegmentationEngine::Load(path.string());
      FAIL() << path << " loaded";
    }
    catch (const scopsam::ModelError & e)
    {
      EXPECT_NE(std::string(e.what()).find("corrupt model file"), std::string::npos) << e.what();
    }
  };
  const std::string bytes = ReadBytes(folder / "good.pt");
  // The lowest mantissa bit of one weight of the image encoder's patch embedding (stored uncompressed).
  const torch::Tensor weight = scopsam::ModelOf(*engine).Net->named_parameters()[0].value().contiguous();
  const std::string   pattern(reinterpret_cast<const char *>(weight.data_ptr<float>()), 16 * sizeof(float));
  const auto          at = bytes.find(pattern);
  ASSERT_NE(at, std::string::npos) << "the weights are not stored as they are in memory";
  std::string flipped = bytes;
  flipped[at + 4 * sizeof(float)] ^= 0x01;
  WriteBytes(folder / "flipped.pt", flipped);
  expectCorrupt(folder / "flipped.pt");

  const std::string threshold = "\"threshold\":0.5";
  const auto        where = bytes.find(threshold);
  ASSERT_NE(where, std::string::npos);
  std::string edited = bytes;
  edited[where + threshold.size() - 1] = '6';
  WriteBytes(folder / "edited.pt", edited);
  expectCorrupt(folder / "edited.pt");

  // The same records without the checksum: an older file.
  {
    torch::serialize::InputArchive in;
    in.load_from((folder / "good.pt").string());
    torch::serialize::OutputArchive out;
    for (const auto & key : in.keys())
    {
      torch::Tensor tensor;
      c10::IValue   value;
      if (key == "scopsam_sha256")
      {
        continue;
      }
      if (in.try_read(key, tensor))
      {
        out.write(key, tensor);
      }
      else if (in.try_read(key, value))
      {
        out.write(key, value);
      }
    }
    out.save_to((folder / "old.pt").string());
  }
  auto old = SegmentationEngine::Load((folder / "old.pt").string());
  EXPECT_EQ(old->GetChecksum(), "absent");
  const auto image = MakeImage(64, 64);
  EXPECT_EQ(PredictAll(*old, image), PredictAll(*good, image));
}

TEST(Configurations, SmallRefusesTileOptionsItCannotRun)
{
  auto small = SegmentationEngine::Create(ModelConfig::Small(), 1);
  EXPECT_EQ(small->GetConfig().TileSize, 256);
  scopsam::TilingOptions options;
  options.TileSize = 100;
  EXPECT_THROW(small->MakeTileGrid(300, 300, options), scopsam::ModelError);
  options.TileSize = 256;
  options.Overlap = 256;
  EXPECT_THROW(small->MakeTileGrid(300, 300, options), scopsam::ModelError);
}

namespace
{

/** Probabilities of the whole image with `threads` tiles at a time (LibTorch's setting, as the ITK filter sets it). */
std::vector<float>
PredictWithThreads(const SegmentationEngine & engine, const TestImage & t, int threads, const scopsam::Prompts & prompts,
                   int batch, scopsam::PredictionSummary & summary)
{
  const scopsam::ScopedThreadSettings settings(threads);
  scopsam::TilingOptions              options;
  options.BatchSize = batch;
  std::vector<float> out(t.Width * t.Height);
  summary = engine.Predict(engine.MakeTileGrid(t.Width, t.Height, options), t.Block(), prompts, { 0, 0, t.Width, t.Height },
                           out.data());
  return out;
}

} // namespace

TEST(Threads, TwoWorkersRunTilesAndGiveTheProbabilitiesOfOne)
{
  auto             engine = SegmentationEngine::Create(Tiny(), 8);
  const auto       image = MakeImage(181, 133); // 4 x 3 tiles of 64 pixels
  scopsam::Prompts prompts;
  prompts.Clicks = { { 20, 30, 1 }, { 150, 100, 0 }, { 160, 110, 1 } };
  for (const auto & p : { scopsam::Prompts{}, prompts })
  {
    std::vector<float> batchOf4;
    for (int batch : { 4, 1 })
    {
      scopsam::PredictionSummary one, two;
      const auto                 reference = PredictWithThreads(*engine, image, 1, p, batch, one);
      EXPECT_EQ(one.Tiles, 12u);
      EXPECT_EQ(one.Workers, 1u);
      for (int threads : { 2, 3 })
      {
        EXPECT_EQ(PredictWithThreads(*engine, image, threads, p, batch, two), reference)
          << threads << " threads, batch " << batch << ", " << p.Clicks.size() << " clicks";
        EXPECT_EQ(two.Workers,
                  static_cast<std::size_t>(std::min(threads, scopsam::ScopedThreadSettings::GetMaximumUsefulThreads())))
          << "that many threads ran tiles";
        EXPECT_EQ(two.Tiles, 12u);
      }
      if (p.Clicks.empty() && !batchOf4.empty())
      {
        // With clicks a tile's point tokens are padded to the most of its batch (as before the threads came), so
        // there the batch size matters; without clicks it does not.
        EXPECT_EQ(reference, batchOf4) << "batch 1 and batch 4";
      }
      batchOf4 = reference;
    }
  }
  // The engine's own thread count (DeviceOptions::Threads) comes before LibTorch's.
  scopsam::DeviceOptions device;
  device.Threads = 2;
  auto                       own = SegmentationEngine::Create(Tiny(), 8, device);
  scopsam::PredictionSummary ownSummary, summary;
  EXPECT_EQ(PredictWithThreads(*own, image, 1, {}, 4, ownSummary), PredictWithThreads(*engine, image, 1, {}, 4, summary));
  EXPECT_EQ(ownSummary.Workers, 2u);
}

TEST(Threads, AbsurdCountsAreCappedByTheMachine)
{
  const int original = scopsam::ScopedThreadSettings::GetIntraOpThreads();
  {
    const scopsam::ScopedThreadSettings many(100000);
    EXPECT_EQ(scopsam::ScopedThreadSettings::GetIntraOpThreads(), scopsam::ScopedThreadSettings::GetMaximumUsefulThreads());
  }
  EXPECT_EQ(scopsam::ScopedThreadSettings::GetIntraOpThreads(), original);
  // A grid's bounds: tile, overlap and batch x tile^2 (peak memory), each refused with the range it allows.
  auto engine = SegmentationEngine::Create(Tiny(), 8);
  scopsam::TilingOptions options;
  for (const auto & [tile, overlap, batch] : std::vector<std::array<int, 3>>{
         { scopsam::MaximumTileSize + 64, -1, 1 }, { 256, 129, 1 }, { 256, -1, scopsam::MaximumBatchSize(256) + 1 }, { 64, -1, 0 } })
  {
    options.TileSize = tile;
    options.Overlap = overlap;
    options.BatchSize = batch;
    EXPECT_THROW(engine->MakeTileGrid(512, 512, options), scopsam::ModelError) << tile << " " << overlap << " " << batch;
  }
  options = {};
  options.TileSize = 256;
  options.Overlap = 128;
  options.BatchSize = scopsam::MaximumBatchSize(256);
  EXPECT_EQ(engine->MakeTileGrid(512, 512, options).BatchSize, 64);
}

TEST(Threads, SettingsAreOneDuringTheRunAndRestoredAfter)
{
  auto       engine = SegmentationEngine::Create(Tiny(), 9);
  const auto image = MakeImage(150, 97);
  const int  original = scopsam::ScopedThreadSettings::GetIntraOpThreads();
  {
    const scopsam::ScopedThreadSettings outer(3, 2);
    const bool                          openBLAS = scopsam::ScopedThreadSettings::GetBLASThreads() > 0;
    EXPECT_EQ(scopsam::ScopedThreadSettings::GetIntraOpThreads(), 3);
    std::vector<int> during;
    std::vector<float> out(image.Width * image.Height);
    const auto         summary =
      engine->Predict(engine->MakeTileGrid(image.Width, image.Height, {}), image.Block(), {}, { 0, 0, image.Width, image.Height },
                      out.data(), [&during](std::size_t, std::size_t) {
                        during.push_back(scopsam::ScopedThreadSettings::GetIntraOpThreads());
                        during.push_back(scopsam::ScopedThreadSettings::GetBLASThreads());
                      });
    EXPECT_EQ(summary.Workers, 3u);
    ASSERT_FALSE(during.empty());
    for (std::size_t i = 0; i < during.size(); i += 2)
    {
      EXPECT_EQ(during[i], 1) << "one LibTorch thread per tile during the run";
      EXPECT_EQ(during[i + 1], openBLAS ? 1 : 0) << "one BLAS thread during the run";
    }
    EXPECT_EQ(scopsam::ScopedThreadSettings::GetIntraOpThreads(), 3) << "restored when Predict returns";
    if (openBLAS)
    {
      EXPECT_EQ(scopsam::ScopedThreadSettings::GetBLASThreads(), 2);
    }
  }
  EXPECT_EQ(scopsam::ScopedThreadSettings::GetIntraOpThreads(), original) << "restored when the guard ends";
}

TEST(Threads, ConcurrentPredictsOnOneEngineAreSerialisedAndAgree)
{
  // Two workers each, from the engine's own setting: no guard of the caller's serialises the runs.
  scopsam::DeviceOptions device;
  device.Threads = 2;
  auto                       engine = SegmentationEngine::Create(Tiny(), 10, device);
  const auto                 image = MakeImage(181, 133);
  scopsam::PredictionSummary summary;
  const auto                 reference = PredictWithThreads(*engine, image, 1, {}, 2, summary);
  using Clock = std::chrono::steady_clock;
  std::vector<float>                  results[2];
  std::pair<Clock::time_point, Clock::time_point> spans[2];
  auto run = [&](int k) {
    scopsam::TilingOptions options;
    options.BatchSize = 2;
    results[k].resize(image.Width * image.Height);
    bool first = true;
    engine->Predict(engine->MakeTileGrid(image.Width, image.Height, options), image.Block(), {},
                    { 0, 0, image.Width, image.Height }, results[k].data(), [&](std::size_t, std::size_t) {
                      spans[k].second = Clock::now();
                      if (first)
                      {
                        spans[k].first = spans[k].second;
                        first = false;
                      }
                    });
  };
  std::thread a(run, 0), b(run, 1);
  a.join();
  b.join();
  EXPECT_EQ(results[0], reference);
  EXPECT_EQ(results[1], reference);
  EXPECT_TRUE(spans[0].second < spans[1].first || spans[1].second < spans[0].first)
    << "the two runs did not overlap (one process-wide lock)";
}

TEST(Threads, AbortStopsTheWorkersBetweenTiles)
{
  auto              engine = SegmentationEngine::Create(Tiny(), 11);
  const auto        image = MakeImage(181, 133);
  std::atomic<bool> abort{ false };
  std::size_t       reported = 0;
  const scopsam::ScopedThreadSettings settings(2);
  scopsam::TilingOptions              options;
  options.BatchSize = 2;
  std::vector<float> out(image.Width * image.Height);
  EXPECT_THROW(engine->Predict(engine->MakeTileGrid(image.Width, image.Height, options), image.Block(), {},
                               { 0, 0, image.Width, image.Height }, out.data(),
                               [&](std::size_t done, std::size_t) {
                                 reported = done;
                                 abort = true;
                               },
                               &abort),
               scopsam::AbortedError);
  EXPECT_EQ(reported, 2u) << "stopped after the first batch";
}

TEST(Prediction, PredictedIoUIsTheMeanOfTheIoUHeadOverTheTilesRun)
{
  auto       engine = SegmentationEngine::Create(Tiny(), 12);
  const auto image = MakeImage(112, 64); // two tiles, at x = 0 and x = 48
  double     expected = 0.0;
  {
    torch::NoGradGuard noGrad;
    for (const std::int64_t x0 : { 0, 48 })
    {
      auto tileImage = torch::empty({ 1, 1, 64, 64 });
      auto tilePriors = torch::empty({ 1, 4, 64, 64 });
      for (std::int64_t y = 0; y < 64; ++y)
        for (std::int64_t x = 0; x < 64; ++x)
        {
          tileImage.data_ptr<float>()[y * 64 + x] = image.Image[y * 112 + x0 + x];
          for (int c = 0; c < 4; ++c)
            tilePriors.data_ptr<float>()[(c * 64 + y) * 64 + x] = image.Priors[(c * 64 + y) * 112 + x0 + x];
        }
      scopsam::network::TilePrompts none;
      none.PointCoordinates = torch::zeros({ 1, 0, 2 });
      none.PointLabels = torch::zeros({ 1, 0 });
      expected += scopsam::ModelOf(*engine).Net->forward(tileImage, tilePriors, none).PredictedIoU.item<double>() / 2.0;
    }
  }
  scopsam::PredictionSummary one, two;
  PredictWithThreads(*engine, image, 1, {}, 4, one);
  PredictWithThreads(*engine, image, 2, {}, 4, two);
  EXPECT_EQ(one.Tiles, 2u);
  EXPECT_NEAR(one.PredictedIoU, expected, 1e-6);
  EXPECT_EQ(two.PredictedIoU, one.PredictedIoU) << "the mean is taken in the grid's order";
  // Over the tiles that touch the output only: the left tile alone.
  std::vector<float> out(10 * 10);
  const auto         left = engine->Predict(engine->MakeTileGrid(112, 64, {}), image.Block(), {}, { 0, 0, 10, 10 }, out.data());
  EXPECT_EQ(left.Tiles, 1u);
  EXPECT_NE(left.PredictedIoU, one.PredictedIoU);
}
