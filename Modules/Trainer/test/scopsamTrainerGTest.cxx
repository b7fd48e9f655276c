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
// The trainer on its own, without ITK: tiles made here (bright disks on a darker, noisy matrix), the loss falls,
// a run repeats exactly, and options that cannot work are refused.
#include "scopsamSegmentationEngine.h"
#include "scopsamTestConfigurations.h"
#include "scopsamTrainer.h"
#include "scopsamTrainerLoss.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>
#include <unistd.h>

using namespace scopsam;

namespace
{

/** Tile `index` (64 pixels): a few disks, the mask, and as priors the image and three smoothed copies. */
TrainingSample
DiskTile(std::uint64_t index)
{
  constexpr std::int64_t T = 64;
  std::mt19937_64        random(index);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::normal_distribution<double>       noise(0.0, 0.03);
  TrainingSample                         s;
  s.Size = T;
  s.Image.assign(T * T, 0.0f);
  s.Mask.assign(T * T, 0.0f);
  s.Priors.assign(4 * T * T, 0.0f);
  const int disks = 1 + static_cast<int>(unit(random) * 4);
  std::vector<std::array<double, 3>> centres;
  for (int d = 0; d < disks; ++d)
  {
    centres.push_back({ unit(random) * T, unit(random) * T, 3.0 + unit(random) * 6.0 });
  }
  for (std::int64_t y = 0; y < T; ++y)
  {
    for (std::int64_t x = 0; x < T; ++x)
    {
      bool inside = false;
      for (const auto & c : centres)
      {
        inside = inside || std::hypot(x - c[0], y - c[1]) < c[2];
      }
      const std::int64_t at = y * T + x;
      s.Mask[at] = inside ? 1.0f : 0.0f;
      s.Image[at] = static_cast<float>(std::clamp((inside ? 0.7 : 0.4) + noise(random), 0.0, 1.0));
    }
  }
  for (int c = 0; c < 4; ++c)
  {
    const int r = c; // box radius 0..3
    for (std::int64_t y = 0; y < T; ++y)
    {
      for (std::int64_t x = 0; x < T; ++x)
      {
        double sum = 0.0;
        int    count = 0;
        for (std::int64_t v = std::max<std::int64_t>(0, y - r); v <= std::min(T - 1, y + r); ++v)
        {
          for (std::int64_t u = std::max<std::int64_t>(0, x - r); u <= std::min(T - 1, x + r); ++u)
          {
            sum += s.Image[v * T + u];
            ++count;
          }
        }
        s.Priors[(c * T + y) * T + x] = static_cast<float>(sum / count);
      }
    }
  }
  return s;
}

TrainingOptions
Short(int steps)
{
  TrainingOptions o;
  o.Steps = steps;
  o.BatchSize = 4;
  o.WarmupSteps = 3;
  o.LearningRate = 2e-3;
  o.ValidateEvery = steps;
  o.CheckpointEvery = steps;
  return o;
}

std::vector<float>
Probabilities(const SegmentationEngine & engine)
{
  const auto         tile = DiskTile(12345);
  std::vector<float> out(64 * 64);
  const auto         grid = engine.MakeTileGrid(64, 64, {});
  engine.Predict(grid, { { 0, 0, 64, 64 }, tile.Image.data(), tile.Priors.data() }, {}, { 0, 0, 64, 64 }, out.data());
  return out;
}

} // namespace

TEST(Trainer, LossFallsOnTilesMadeWithoutITK)
{
  auto                        engine = SegmentationEngine::Create(TinyTestConfiguration(), 1);
  const std::vector<TrainingSample> probe{ DiskTile(1000), DiskTile(1001), DiskTile(1002), DiskTile(1003) };
  Trainer                     trainer(*engine, Short(30));
  const double                before = trainer.EvaluateLoss(probe, 9);
  double                      validation = -1.0;
  TrainingReport              last;
  bool                        clocksRise = true;
  trainer.Train(DiskTile, probe, [&](const TrainingReport & r) {
    if (r.ValidationIoU >= 0.0)
    {
      validation = r.ValidationIoU;
    }
    clocksRise = clocksRise && r.Seconds >= last.Seconds && r.CPUSeconds >= last.CPUSeconds;
    last = r;
  });
  const double after = trainer.EvaluateLoss(probe, 9);
  EXPECT_EQ(trainer.GetStep(), 30);
  EXPECT_LT(after, 0.8 * before) << "loss " << before << " -> " << after;
  EXPECT_GE(validation, 0.0) << "validation ran at the last step";
  // Wall and CPU time over the same span: both rise, and the CPU time is that of at most every core at once.
  EXPECT_TRUE(clocksRise);
  EXPECT_GT(last.CPUSeconds, 0.0);
  EXPECT_LE(last.CPUSeconds, std::max(1u, std::thread::hardware_concurrency()) * last.Seconds + 0.5)
    << "cpu " << last.CPUSeconds << " s in " << last.Seconds << " s";
}

TEST(Trainer, ARunWithTheSameSeedRepeatsExactly)
{
  auto first = SegmentationEngine::Create(TinyTestConfiguration(), 2);
  auto second = SegmentationEngine::Create(TinyTestConfiguration(), 2);
  Trainer(*first, Short(3)).Train(DiskTile, {});
  Trainer(*second, Short(3)).Train(DiskTile, {});
  const auto trained = Probabilities(*first);
  EXPECT_EQ(Probabilities(*second), trained);
  auto untrained = SegmentationEngine::Create(TinyTestConfiguration(), 2);
  EXPECT_NE(Probabilities(*untrained), trained) << "training moved the weights";
}

TEST(Trainer, ATileOfAPromptedDatasetIsAlwaysPrompted)
{
  // With no prompted share, an ordinary tile trains automatic mode whatever the click seed; a tile whose mask is a
  // target of clicks only gets clicks all the same (they change the network's output, hence the loss), and a
  // different click seed draws different clicks. A prompted tile without the phase still gets a click ("not this").
  auto            engine = SegmentationEngine::Create(TinyTestConfiguration(), 6);
  TrainingOptions options = Short(1);
  options.PromptedFraction = 0.0;
  Trainer         trainer(*engine, options);
  const std::vector<TrainingSample> plain{ DiskTile(21), DiskTile(22) };
  auto                              prompted = plain;
  for (auto & tile : prompted)
  {
    tile.PromptedOnly = true;
  }
  EXPECT_DOUBLE_EQ(trainer.EvaluateLoss(plain, 1), trainer.EvaluateLoss(plain, 2)) << "no clicks: automatic mode";
  EXPECT_NE(trainer.EvaluateLoss(prompted, 1), trainer.EvaluateLoss(plain, 1)) << "clicks were drawn";
  EXPECT_NE(trainer.EvaluateLoss(prompted, 1), trainer.EvaluateLoss(prompted, 2)) << "from the click seed";
  auto empty = DiskTile(23);
  std::fill(empty.Mask.begin(), empty.Mask.end(), 0.0f);
  auto emptyPrompted = empty;
  emptyPrompted.PromptedOnly = true;
  for (std::uint64_t seed = 1; seed <= 8; ++seed) // every draw, including "no negative click", ends with one
  {
    EXPECT_NE(trainer.EvaluateLoss({ emptyPrompted }, seed), trainer.EvaluateLoss({ empty }, seed)) << "seed " << seed;
  }
  // Negative clicks alone, on every prompted tile that holds the phase: other clicks than the default's, and the
  // same as any other run with that share (the draws come from the click seed).
  TrainingOptions negatives = options;
  negatives.NegativeClicksAlone = 1.0;
  Trainer alone(*engine, negatives);
  EXPECT_NE(alone.EvaluateLoss(prompted, 1), trainer.EvaluateLoss(prompted, 1));
  EXPECT_DOUBLE_EQ(alone.EvaluateLoss(prompted, 1), Trainer(*engine, negatives).EvaluateLoss(prompted, 1));
  EXPECT_DOUBLE_EQ(alone.EvaluateLoss(plain, 1), trainer.EvaluateLoss(plain, 1)) << "ordinary tiles: unchanged";
  negatives.NegativeClicksAlone = 1.5;
  EXPECT_THROW(Trainer(*engine, negatives), ModelError);
}

// The click a user gives first: inside the larger error of the network's mask, positive on a missed region,
// negative on a false one; none where the mask is right.
TEST(Trainer, ErrorClicksLandInsideTheErrorWithItsLabel)
{
  constexpr std::int64_t    size = 32;
  std::vector<std::uint8_t> truth(size * size, 0), predicted(size * size, 0);
  const auto at = [](std::int64_t x, std::int64_t y) { return static_cast<std::size_t>(y * size + x); };
  for (std::int64_t y = 4; y < 20; ++y) // a missed square of 16 x 16 and a false bar 1 px wide
  {
    for (std::int64_t x = 4; x < 20; ++x)
    {
      truth[at(x, y)] = 1;
    }
  }
  for (std::int64_t y = 0; y < size; ++y)
  {
    predicted[at(28, y)] = 1;
  }
  std::mt19937_64    random(5);
  scopsam::ErrorClick click;
  for (int k = 0; k < 50; ++k)
  {
    ASSERT_TRUE(scopsam::ErrorRegionClick(predicted, truth, size, random, click));
    EXPECT_EQ(click.Label, 1) << "the bar has no interior: the click goes to the missed square's";
    EXPECT_GE(click.X, 6);
    EXPECT_LE(click.X, 17);
    EXPECT_GE(click.Y, 6);
    EXPECT_LE(click.Y, 17);
  }
  // Only the false bar left: a negative click on it.
  std::vector<std::uint8_t> found = predicted;
  for (std::size_t i = 0; i < truth.size(); ++i)
  {
    found[i] = found[i] || truth[i];
  }
  ASSERT_TRUE(scopsam::ErrorRegionClick(found, truth, size, random, click));
  EXPECT_EQ(click.Label, 0);
  EXPECT_EQ(click.X, 28);
  EXPECT_FALSE(scopsam::ErrorRegionClick(truth, truth, size, random, click)) << "no error, no click";
  EXPECT_THROW(scopsam::ErrorRegionClick(truth, truth, size + 1, random, click), ModelError);

  // In training: every prompted tile then gets its click from the network's mask instead (other clicks, so another
  // loss), repeatably; tiles of automatic mode are untouched; a share outside [0, 1] is refused.
  auto            engine = SegmentationEngine::Create(TinyTestConfiguration(), 6);
  TrainingOptions options = Short(1);
  options.PromptedFraction = 1.0;
  TrainingOptions errors = options;
  errors.ErrorClicks = 1.0;
  const std::vector<TrainingSample> tiles{ DiskTile(21), DiskTile(22) };
  Trainer                           drawn(*engine, options), fromErrors(*engine, errors);
  EXPECT_NE(fromErrors.EvaluateLoss(tiles, 1), drawn.EvaluateLoss(tiles, 1));
  EXPECT_DOUBLE_EQ(fromErrors.EvaluateLoss(tiles, 1), Trainer(*engine, errors).EvaluateLoss(tiles, 1));
  // Several rounds, each click on the error of the mask the clicks before it give: other clicks again, repeatably.
  TrainingOptions rounds = errors;
  rounds.ErrorClickRounds = 4;
  Trainer severalRounds(*engine, rounds);
  EXPECT_NE(severalRounds.EvaluateLoss(tiles, 3), fromErrors.EvaluateLoss(tiles, 3));
  EXPECT_DOUBLE_EQ(severalRounds.EvaluateLoss(tiles, 3), Trainer(*engine, rounds).EvaluateLoss(tiles, 3));
  options.PromptedFraction = errors.PromptedFraction = 0.0;
  EXPECT_DOUBLE_EQ(Trainer(*engine, errors).EvaluateLoss(tiles, 1), Trainer(*engine, options).EvaluateLoss(tiles, 1));
  for (const int bad : { 0, 21 })
  {
    rounds.ErrorClickRounds = bad;
    EXPECT_THROW(Trainer(*engine, rounds), ModelError) << bad << " rounds";
  }
  errors.ErrorClicks = -0.1;
  EXPECT_THROW(Trainer(*engine, errors), ModelError);
}

TEST(Trainer, ATeacherPullsTheSyntheticTilesTowardsItsMasksAndNoOther)
{
  // The teacher: another network (other weights) with the same configuration. How far a network is from it: the mean
  // absolute difference of their probabilities on a probe tile.
  auto       teacher = SegmentationEngine::Create(TinyTestConfiguration(), 11);
  const auto taught = Probabilities(*teacher);
  const auto distance = [&taught](const SegmentationEngine & e) {
    const auto p = Probabilities(e);
    double     sum = 0;
    for (std::size_t i = 0; i < p.size(); ++i)
    {
      sum += std::abs(p[i] - taught[i]);
    }
    return sum / static_cast<double>(p.size());
  };
  const auto synthetic = [](std::uint64_t index) {
    auto tile = DiskTile(index);
    tile.Synthetic = true;
    return tile;
  };
  TrainingOptions options = Short(12);
  options.DistillationWeight = 20.0; // the teacher's term dominates, so that its pull shows in a few steps
  auto alone = SegmentationEngine::Create(TinyTestConfiguration(), 4);
  Trainer(*alone, options).Train(synthetic, {});
  auto    distilled = SegmentationEngine::Create(TinyTestConfiguration(), 4);
  Trainer withTeacher(*distilled, options);
  withTeacher.SetTeacher(*teacher);
  withTeacher.Train(synthetic, {});
  EXPECT_LT(distance(*distilled), 0.8 * distance(*alone)) << "the synthetic tiles learnt the teacher's masks";

  // Tiles that are not synthetic (real micrographs) are not the teacher's: the run is the one without a teacher.
  auto plain = SegmentationEngine::Create(TinyTestConfiguration(), 4);
  Trainer(*plain, options).Train(DiskTile, {});
  auto    real = SegmentationEngine::Create(TinyTestConfiguration(), 4);
  Trainer realWithTeacher(*real, options);
  realWithTeacher.SetTeacher(*teacher);
  realWithTeacher.Train(DiskTile, {});
  EXPECT_EQ(Probabilities(*real), Probabilities(*plain));

  // A teacher of another tile size does not fit; a negative weight is refused.
  ModelConfig other = TinyTestConfiguration();
  other.TileSize = 2 * other.TileSize;
  auto misfit = SegmentationEngine::Create(other, 5);
  EXPECT_THROW(withTeacher.SetTeacher(*misfit), ModelError);
  options.DistillationWeight = -1.0;
  EXPECT_THROW(Trainer(*plain, options), ModelError);
}

// The boundary weights: 1 + extra on the pixels with a neighbour of the other class (one pixel either side of the
// outline, corners included), 1 elsewhere - inside the phase, in the background, and on a tile without an outline.
TEST(Trainer, BoundaryWeightsMarkTheOutlineOnBothSides)
{
  auto mask = torch::zeros({ 2, 1, 12, 12 });
  mask.index_put_({ 0, 0, torch::indexing::Slice(3, 9), torch::indexing::Slice(3, 9) }, 1.0f); // a 6 x 6 square
  const auto weights = scopsam::BoundaryWeights(mask, 4.0);
  ASSERT_EQ(weights.sizes(), mask.sizes());
  const auto w = weights.accessor<float, 4>();
  for (int y = 0; y < 12; ++y)
  {
    for (int x = 0; x < 12; ++x)
    {
      const bool inRing = (y >= 2 && y <= 9 && x >= 2 && x <= 9) && !(y >= 4 && y <= 7 && x >= 4 && x <= 7);
      EXPECT_FLOAT_EQ(w[0][0][y][x], inRing ? 5.0f : 1.0f) << x << "," << y;
      EXPECT_FLOAT_EQ(w[1][0][y][x], 1.0f) << "no outline on an empty tile";
    }
  }
}

TEST(Trainer, RefusesOptionsThatCannotWork)
{
  auto engine = SegmentationEngine::Create(TinyTestConfiguration(), 3);
  for (auto change : { +[](TrainingOptions & o) { o.Steps = 0; }, +[](TrainingOptions & o) { o.BatchSize = 0; },
                       +[](TrainingOptions & o) { o.LearningRate = 0.0; }, +[](TrainingOptions & o) { o.MaxPositiveClicks = 0; },
                       +[](TrainingOptions & o) { o.BoundaryWeight = -1.0; }, +[](TrainingOptions & o) { o.BoundaryWeight = 101.0; } })
  {
    TrainingOptions options = Short(2);
    change(options);
    EXPECT_THROW(Trainer(*engine, options), ModelError);
  }
  Trainer trainer(*engine, Short(2));
  EXPECT_THROW(trainer.Resume("/nonexistent/checkpoints"), ModelError);
}

// A checkpoint whose state was damaged or forged - a negative or impossible step, a threshold outside [0, 1], text
// that is not JSON, an optimizer file that is not one - is refused as a ModelError (exit status 2 in `scopsam
// train --resume`), never resumed and never LibTorch's or the JSON library's own exception.
TEST(Trainer, DamagedCheckpointStatesAreModelErrors)
{
  namespace fs = std::filesystem;
  const fs::path folder = fs::temp_directory_path() / ("scopsam-trainer-damaged-" + std::to_string(::getpid()));
  fs::remove_all(folder);
  auto            engine = SegmentationEngine::Create(TinyTestConfiguration(), 4);
  TrainingOptions options = Short(2);
  options.CheckpointFolder = folder.string();
  Trainer(*engine, options).Train(DiskTile, {});
  ASSERT_TRUE(fs::exists(folder / "state.json"));
  std::stringstream original;
  original << std::ifstream(folder / "state.json").rdbuf();
  const std::string state = original.str();
  {
    Trainer resumed(*engine, options);
    resumed.Resume(folder.string());
    EXPECT_EQ(resumed.GetStep(), 2) << "the undamaged state resumes";
  }
  const auto replaced = [&state](const std::string & key, const std::string & value) {
    const auto at = state.find("\"" + key + "\"");
    EXPECT_NE(at, std::string::npos) << key;
    const auto begin = state.find(':', at) + 1, end = state.find_first_of(",}", begin);
    return state.substr(0, begin) + " " + value + state.substr(end);
  };
  for (const std::string & damaged : { replaced("step", "-5"), replaced("step", "1000000"), replaced("step", "\"two\""),
                                       replaced("best_threshold", "7"), std::string("{ not json"), std::string() })
  {
    std::ofstream(folder / "state.json", std::ios::trunc) << damaged;
    Trainer trainer(*engine, options);
    EXPECT_THROW(trainer.Resume(folder.string()), ModelError) << damaged;
  }
  std::ofstream(folder / "state.json", std::ios::trunc) << state;
  std::ofstream(folder / "optimizer.pt", std::ios::trunc) << "not an optimizer";
  Trainer trainer(*engine, options);
  EXPECT_THROW(trainer.Resume(folder.string()), ModelError) << "a damaged optimizer file";
  fs::remove_all(folder);
}
