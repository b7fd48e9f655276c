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
// Training: the loss falls, a run resumed from a checkpoint ends where an uninterrupted one does, fine-tuning
// starts from the given weights, and the tiles are what they claim to be.
#include "scopsamSegmentationEngine.h"
#include "scopsamProtocolClick.h"
#include "scopsamTrainer.h"
#include "scopsamTestConfigurations.h"
#include "scopsamTrainingSamples.h"
#include "scopsamErrors.h"
#include "scopsamSyntheticMicrograph.h"
#include "scopsamOpenCVBridge.h"
#include "scopsamImageIO.h"

#include "gtest/gtest.h"
#include "scopsamTestScratch.h"

#include <algorithm>
#include <filesystem>

namespace fs = std::filesystem;
using namespace scopsam;

namespace
{

ModelConfig
Tiny()
{
  return TinyTestConfiguration();
}

SampleOptions
TinySamples()
{
  SampleOptions o;
  o.TileSize = 64;
  o.Seed = 3;
  o.Levels = { 1 };
  return o;
}

fs::path
Scratch(const std::string & name)
{
  return scopsam::TestScratchFolder(name);
}

std::vector<float>
Parameters(const SegmentationEngine & engine, const fs::path & scratch)
{
  // Through a saved file and a reload: what a user gets.
  engine.Save((scratch / "snapshot.pt").string());
  auto               copy = SegmentationEngine::Load((scratch / "snapshot.pt").string());
  std::vector<float> probabilities(64 * 64);
  std::vector<float> image(64 * 64, 0.4f), priors(4 * 64 * 64, 0.3f);
  for (std::size_t i = 0; i < image.size(); i += 7)
  {
    image[i] = 0.8f;
  }
  copy->Predict(copy->MakeTileGrid(64, 64, {}), { { 0, 0, 64, 64 }, image.data(), priors.data() }, {}, { 0, 0, 64, 64 },
                probabilities.data());
  return probabilities;
}

/** A dataset folder of two small synthetic micrographs and their masks (images/, masks/), as `scopsam synth` lays
 * one out. */
void
MakeTinyDataset(const fs::path & folder)
{
  fs::create_directories(folder / "images");
  fs::create_directories(folder / "masks");
  for (int i = 0; i < 2; ++i)
  {
    SyntheticParameters p;
    p.Width = 80;
    p.Height = 72;
    p.Level = 1;
    p.BitDepth = 8;
    p.Seed = 40 + static_cast<std::uint64_t>(i);
    const auto        micrograph = GenerateSyntheticMicrograph(p);
    const std::string name = "tiny_" + std::to_string(i) + ".png";
    WriteImage(ImageFromMat<unsigned char>(micrograph.Image).GetPointer(), (folder / "images" / name).string());
    WriteImage(ImageFromMat<unsigned char>(micrograph.Mask).GetPointer(), (folder / "masks" / name).string());
  }
}

} // namespace

TEST(TrainingSamples, TilesAreDeterministicAndWellFormed)
{
  TrainingSampleFactory factory(Tiny(), TinySamples());
  const auto            a = factory.Make(5), b = factory.Make(5), c = factory.Make(6);
  EXPECT_EQ(a.Image, b.Image);
  EXPECT_EQ(a.Mask, b.Mask);
  EXPECT_NE(a.Image, c.Image);
  ASSERT_EQ(a.Size, 64);
  ASSERT_EQ(a.Priors.size(), 4u * 64 * 64);
  double phase = 0;
  for (const float m : a.Mask)
  {
    ASSERT_TRUE(m == 0.0f || m == 1.0f);
    phase += m;
  }
  for (const float v : a.Priors)
  {
    ASSERT_TRUE(v >= 0.0f && v <= 1.0f);
  }
  EXPECT_EQ(factory.SyntheticValidation(2).size(), 6u);
  EXPECT_THROW(TrainingSampleFactory(Tiny(), [] {
                 SampleOptions o;
                 o.Levels = { 4 };
                 return o;
               }()),
               InputError);
}

// With a second phase on offer, tiles that drew one say per pixel which phase it is, consistently with their mask.
TEST(TrainingSamples, TwoPhaseTilesLabelEachPhase)
{
  auto options = TinySamples();
  options.SecondPhase = true;
  TrainingSampleFactory factory(Tiny(), options);
  int                   twoPhase = 0;
  for (std::uint64_t i = 0; i < 12; ++i)
  {
    const auto tile = factory.Make(i);
    if (tile.Phases.empty())
    {
      continue;
    }
    ++twoPhase;
    ASSERT_EQ(tile.Phases.size(), tile.Mask.size());
    bool first = false, second = false;
    for (std::size_t k = 0; k < tile.Mask.size(); ++k)
    {
      ASSERT_EQ(tile.Phases[k] != 0, tile.Mask[k] == 1.0f) << "tile " << i << " pixel " << k;
      first |= tile.Phases[k] == 1;
      second |= tile.Phases[k] == 2;
    }
    EXPECT_TRUE(second) << "tile " << i;
    (void)first; // a crop may hold no particle of the first phase
  }
  EXPECT_GT(twoPhase, 2);
  EXPECT_LT(twoPhase, 12);
  EXPECT_TRUE(TrainingSampleFactory(Tiny(), TinySamples()).Make(0).Phases.empty());
}

// Instrument effects on offer are drawn per tile (each on about half of them) from a stream of their own: some tiles
// change, the others, and every tile without effects on offer, are what they always were.
TEST(TrainingSamples, InstrumentEffectsChangeSomeTilesAndMoveNoOther)
{
  auto options = TinySamples();
  options.Effects = scopsam::InstrumentEffects::Parse("charging,curtaining");
  TrainingSampleFactory plain(Tiny(), TinySamples()), effects(Tiny(), options);
  int                   changed = 0;
  for (std::uint64_t i = 0; i < 12; ++i)
  {
    const auto a = plain.Make(i), b = effects.Make(i);
    ASSERT_EQ(a.Image.size(), b.Image.size());
    EXPECT_EQ(a.Mask, b.Mask) << "tile " << i;
    changed += a.Image != b.Image ? 1 : 0;
  }
  // Each of the two effects is on with probability 1/2, so a tile draws neither with probability 1/4.
  EXPECT_GT(changed, 3);
  EXPECT_LT(changed, 12);
}

TEST(Trainer, LossFallsAndTheModelLoads)
{
  const fs::path        scratch = Scratch("falls");
  auto                  engine = SegmentationEngine::Create(Tiny(), 1);
  TrainingSampleFactory factory(Tiny(), TinySamples());
  std::vector<TrainingSample> probe{ factory.Make(1000), factory.Make(1001), factory.Make(1002), factory.Make(1003) };
  TrainingOptions             options;
  options.Steps = 40;
  options.BatchSize = 4;
  options.WarmupSteps = 5;
  options.LearningRate = 2e-3;
  options.ValidateEvery = 20;
  options.CheckpointEvery = 40;
  options.IoUWeight = 0.0; // the mask's loss alone (the IoU head's term is tested below)
  Trainer      trainer(*engine, options);
  const double before = trainer.EvaluateLoss(probe, 9);
  int          reports = 0;
  trainer.Train([&factory](std::uint64_t i) { return factory.Make(i); }, factory.SyntheticValidation(1),
                [&reports](const TrainingReport & r) { reports += r.Step > 0 ? 1 : 0; });
  const double after = trainer.EvaluateLoss(probe, 9);
  EXPECT_EQ(reports, 40);
  EXPECT_LT(after, 0.9 * before) << "loss " << before << " -> " << after;
  engine->Save((scratch / "trained.pt").string());
  EXPECT_NO_THROW(SegmentationEngine::Load((scratch / "trained.pt").string()));
}

TEST(Trainer, ResumeEndsWhereAnUninterruptedRunEnds)
{
  const fs::path        scratch = Scratch("resume");
  TrainingSampleFactory factory(Tiny(), TinySamples());
  auto                  source = [&factory](std::uint64_t i) { return factory.Make(i); };
  TrainingOptions       options;
  options.Steps = 6;
  options.BatchSize = 2;
  options.WarmupSteps = 2;
  options.ValidateEvery = 100;
  options.CheckpointEvery = 3;

  auto straight = SegmentationEngine::Create(Tiny(), 2);
  {
    Trainer trainer(*straight, options);
    trainer.Train(source, {});
  }
  // The same run stopped after 3 steps, then resumed by a new trainer on a fresh network.
  options.CheckpointFolder = (scratch / "checkpoints").string();
  {
    auto            first = SegmentationEngine::Create(Tiny(), 2);
    TrainingOptions stop = options;
    stop.Steps = 3;
    Trainer trainer(*first, stop);
    trainer.Train(source, {});
  }
  auto    resumed = SegmentationEngine::Create(Tiny(), 99);
  Trainer trainer(*resumed, options);
  trainer.Resume(options.CheckpointFolder);
  EXPECT_EQ(trainer.GetStep(), 3);
  trainer.Train(source, {});
  EXPECT_EQ(trainer.GetStep(), 6);
  EXPECT_EQ(Parameters(*resumed, scratch), Parameters(*straight, scratch));
  EXPECT_THROW(trainer.Resume((scratch / "nothing").string()), ModelError);
}

TEST(Trainer, FineTuningStartsFromTheGivenWeights)
{
  const fs::path scratch = Scratch("init");
  auto           original = SegmentationEngine::Create(Tiny(), 5);
  original->Save((scratch / "start.pt").string());
  auto                  loaded = SegmentationEngine::Load((scratch / "start.pt").string());
  TrainingSampleFactory factory(Tiny(), TinySamples());
  std::vector<TrainingSample> probe{ factory.Make(1), factory.Make(2) };
  TrainingOptions             options;
  options.Steps = 1;
  options.BatchSize = 2;
  options.WarmupSteps = 1;
  Trainer fromOriginal(*original, options);
  Trainer fromFile(*loaded, options);
  EXPECT_DOUBLE_EQ(fromFile.EvaluateLoss(probe, 4), fromOriginal.EvaluateLoss(probe, 4));
}

namespace
{
/** Whole validation images made of synthetic tiles (of two "sets"), as the command line makes them of val splits. */
std::vector<ValidationImage>
ValidationImagesOf(const TrainingSampleFactory & factory)
{
  std::vector<ValidationImage> images;
  for (int i = 0; i < 4; ++i)
  {
    const auto      tile = factory.Make(5000 + static_cast<std::uint64_t>(i));
    ValidationImage v;
    v.Set = i % 2 == 0 ? "even" : "odd";
    v.Name = std::to_string(i);
    v.Width = v.Height = tile.Size;
    v.Image = tile.Image;
    v.Priors = tile.Priors;
    v.Mask = tile.Mask;
    images.push_back(std::move(v));
  }
  return images;
}

/** Trains `trainer` on `factory`'s tiles and returns the reports of its validations on `images`. */
std::vector<TrainingReport>
TrainAndKeepValidations(Trainer & trainer, const TrainingSampleFactory & factory, const std::vector<ValidationImage> & images)
{
  std::vector<TrainingReport> validated;
  trainer.Train([&factory](std::uint64_t i) { return factory.Make(i); }, {},
                [&validated](const TrainingReport & r) {
                  if (r.Validation.Score >= 0.0)
                  {
                    validated.push_back(r);
                  }
                },
                images);
  return validated;
}

/** A short run of the tiny network: batch 4, learning rate 2e-3, validation every `validateEvery` steps. */
TrainingOptions
ShortRun(int steps, int validateEvery)
{
  TrainingOptions options;
  options.Steps = steps;
  options.BatchSize = 4;
  options.WarmupSteps = 5;
  options.LearningRate = 2e-3;
  options.ValidateEvery = validateEvery;
  options.CheckpointEvery = steps;
  return options;
}
} // namespace

TEST(Trainer, ValidationImagesPickTheCheckpointAndStoreItsThreshold)
{
  const fs::path        scratch = Scratch("best");
  auto                  engine = SegmentationEngine::Create(Tiny(), 3);
  TrainingSampleFactory factory(Tiny(), TinySamples());
  const auto            images = ValidationImagesOf(factory);
  TrainingOptions       options = ShortRun(30, 10);
  options.CheckpointFolder = (scratch / "checkpoints").string();
  Trainer                           trainer(*engine, options);
  const std::vector<TrainingReport> validated = TrainAndKeepValidations(trainer, factory, images);
  ASSERT_EQ(validated.size(), 3u);
  const auto best = std::max_element(validated.begin(), validated.end(), [](const TrainingReport & a, const TrainingReport & b) {
    return a.Validation.Score < b.Validation.Score;
  });
  EXPECT_TRUE(best->Best);
  EXPECT_TRUE(validated.front().Best) << "the first validation is the best so far";
  for (const auto & r : validated)
  {
    ASSERT_EQ(r.Validation.SetIoU.size(), 2u) << "one score per set";
    EXPECT_NEAR(r.Validation.Score, (r.Validation.SetIoU[0].second + r.Validation.SetIoU[1].second) / 2, 1e-9);
    EXPECT_GE(r.Validation.Threshold, 0.2 - 1e-9);
    EXPECT_LE(r.Validation.Threshold, 0.8 + 1e-9);
    EXPECT_GE(r.Validation.IoUHeadError, 0.0);
  }
  ASSERT_FALSE(trainer.GetBestModelPath().empty());
  const auto kept = SegmentationEngine::Load(trainer.GetBestModelPath());
  EXPECT_DOUBLE_EQ(kept->GetConfig().Threshold, best->Validation.Threshold);
  // The kept weights score what they scored when they were kept.
  Trainer again(*kept, options);
  EXPECT_NEAR(again.ValidateImages(images).Score, best->Validation.Score, 1e-6);
  // The trained engine itself keeps its own threshold (the best one is only stored in best.pt).
  EXPECT_DOUBLE_EQ(engine->GetConfig().Threshold, 0.5);
}

TEST(TrainingSamples, APromptedDatasetMarksItsTilesAndItsValidationImages)
{
  const fs::path folder = Scratch("prompted-dataset");
  MakeTinyDataset(folder);
  for (const auto target : { DatasetTarget::Automatic, DatasetTarget::Prompted })
  {
    SampleOptions options = TinySamples();
    options.SyntheticFraction = 0.0;
    TrainingSampleFactory factory(Tiny(), options);
    factory.AddDataset(folder.string(), "", target);
    for (std::uint64_t i = 0; i < 4; ++i)
    {
      EXPECT_EQ(factory.Make(i).PromptedOnly, target == DatasetTarget::Prompted);
      EXPECT_FALSE(factory.Make(i).Synthetic) << "a dataset's tile is no teacher's";
    }
    TrainingSampleFactory synthetic(Tiny(), TinySamples()); // no dataset: synthetic tiles only
    EXPECT_TRUE(synthetic.Make(0).Synthetic);
    const auto images = factory.ValidationImages(folder.string(), "", target);
    ASSERT_FALSE(images.empty());
    for (const auto & v : images)
    {
      EXPECT_EQ(v.Prompted, target == DatasetTarget::Prompted);
    }
  }
}

TEST(TrainingSamples, ThePromptedShareSetsHowManyDatasetTilesArePrompted)
{
  const fs::path automatic = Scratch("share-automatic"), prompted = Scratch("share-prompted");
  MakeTinyDataset(automatic);
  MakeTinyDataset(prompted);
  const auto promptedTiles = [&](double share) {
    SampleOptions options = TinySamples();
    options.SyntheticFraction = 0.0;
    options.Augment = false;
    options.PromptedShare = share;
    TrainingSampleFactory factory(Tiny(), options);
    factory.AddDataset(automatic.string(), "");
    factory.AddDataset(prompted.string(), "", DatasetTarget::Prompted);
    int count = 0;
    for (std::uint64_t i = 0; i < 200; ++i)
    {
      count += factory.Make(i).PromptedOnly ? 1 : 0;
    }
    return count;
  };
  EXPECT_EQ(promptedTiles(0.0), 0);
  EXPECT_EQ(promptedTiles(1.0), 200);
  EXPECT_NEAR(promptedTiles(0.2), 40, 17) << "about a fifth";
  EXPECT_NEAR(promptedTiles(-1.0), 100, 25) << "each set alike: half";
  SampleOptions bad = TinySamples();
  bad.PromptedShare = 1.5;
  EXPECT_THROW(TrainingSampleFactory(Tiny(), bad), InputError);
}

TEST(Trainer, PromptedSetsAreScoredByTheClickProtocolAndVoteBesideTheAutomaticOnes)
{
  auto                  engine = SegmentationEngine::Create(Tiny(), 8);
  TrainingSampleFactory factory(Tiny(), TinySamples());
  auto                  images = ValidationImagesOf(factory); // sets "even" and "odd", automatic
  std::vector<ValidationImage> prompted;
  for (const auto & v : images)
  {
    if (v.Set == "even")
    {
      ValidationImage p = v;
      p.Prompted = true;
      prompted.push_back(std::move(p));
    }
  }
  TrainingOptions options = ShortRun(20, 20); // trained a little, so that its masks are not all or nothing
  options.ValidationClicks = 3;
  Trainer trainer(*engine, options);
  trainer.Train([&factory](std::uint64_t i) { return factory.Make(i); }, {});
  const auto automatic = trainer.ValidateImages(images);
  auto       both = images;
  both.insert(both.end(), prompted.begin(), prompted.end());
  const auto scored = trainer.ValidateImages(both);
  // The automatic sets choose the threshold (and the IoU head's error is theirs); every set votes for the score.
  EXPECT_DOUBLE_EQ(scored.Threshold, automatic.Threshold);
  EXPECT_DOUBLE_EQ(scored.IoUHeadError, automatic.IoUHeadError);
  ASSERT_EQ(scored.SetIoU.size(), 3u);
  const auto setIoU = [&scored](const std::string & name) {
    const auto entry = std::find_if(scored.SetIoU.begin(), scored.SetIoU.end(),
                                    [&name](const auto & e) { return e.first == name; });
    EXPECT_NE(entry, scored.SetIoU.end()) << name;
    return entry == scored.SetIoU.end() ? -1.0 : entry->second;
  };
  EXPECT_NEAR(scored.Score, (setIoU("even") + setIoU("odd") + setIoU("even (prompted)")) / 3.0, 1e-12);

  // The prompted figure is the protocol's, redone here: from each automatic mask at the threshold, three clicks at
  // the deepest error of the last mask, all kept, through the engine's click path.
  const auto   t = static_cast<float>(scored.Threshold);
  double       sum = 0;
  int          clicks = 0;
  for (const auto & v : prompted)
  {
    const auto                pixels = static_cast<std::size_t>(v.Width * v.Height);
    const PixelRegion         whole{ 0, 0, v.Width, v.Height };
    const auto                grid = engine->MakeTileGrid(v.Width, v.Height, {});
    std::vector<float>        probability(pixels);
    std::vector<std::uint8_t> mask(pixels), truth(pixels);
    Prompts                   prompts;
    std::vector<std::pair<std::int64_t, std::int64_t>> clicked;
    engine->Predict(grid, { whole, v.Image.data(), v.Priors.data() }, prompts, whole, probability.data());
    for (int c = 0; c < 3; ++c)
    {
      for (std::size_t i = 0; i < pixels; ++i)
      {
        mask[i] = probability[i] >= t;
        truth[i] = v.Mask[i] > 0.5f;
      }
      const auto click = NextProtocolClick(mask.data(), truth.data(), nullptr, v.Width, v.Height, clicked);
      if (!click)
      {
        break;
      }
      clicked.emplace_back(click->X, click->Y);
      ++clicks;
      prompts.Clicks.push_back(Click{ static_cast<double>(click->X), static_cast<double>(click->Y), click->Label });
      engine->Predict(grid, { whole, v.Image.data(), v.Priors.data() }, prompts, whole, probability.data());
    }
    double intersection = 0, together = 0;
    for (std::size_t i = 0; i < pixels; ++i)
    {
      intersection += probability[i] >= t && v.Mask[i] > 0.5f;
      together += probability[i] >= t || v.Mask[i] > 0.5f;
    }
    sum += together > 0 ? intersection / together : 1.0;
  }
  EXPECT_GT(clicks, 0) << "the masks have errors to click";
  EXPECT_NEAR(setIoU("even (prompted)"), sum / static_cast<double>(prompted.size()), 1e-9);

  // Prompted sets alone: the model's own threshold stays, and they decide.
  const auto alone = trainer.ValidateImages(prompted);
  ASSERT_EQ(alone.SetIoU.size(), 1u);
  EXPECT_DOUBLE_EQ(alone.Threshold, engine->GetConfig().Threshold);
  EXPECT_DOUBLE_EQ(alone.Score, alone.SetIoU.front().second);
  EXPECT_EQ(alone.IoUHeadError, -1.0) << "no automatic image: nothing for the IoU head to be measured on";
}

TEST(Trainer, AFineTuningScoresItsInitialWeightsFirst)
{
  const fs::path        scratch = Scratch("validate-first");
  auto                  engine = SegmentationEngine::Create(Tiny(), 9);
  TrainingSampleFactory factory(Tiny(), TinySamples());
  const auto            images = ValidationImagesOf(factory);
  TrainingOptions       options = ShortRun(4, 2);
  options.CheckpointFolder = (scratch / "checkpoints").string();
  options.ValidateFirst = true;
  const double                initial = Trainer(*engine, options).ValidateImages(images).Score;
  Trainer                           trainer(*engine, options);
  const std::vector<TrainingReport> validated = TrainAndKeepValidations(trainer, factory, images);
  ASSERT_EQ(validated.size(), 3u) << "steps 0, 2 and 4";
  EXPECT_EQ(validated.front().Step, 0);
  EXPECT_DOUBLE_EQ(validated.front().Validation.Score, initial) << "the weights before any step";
  EXPECT_TRUE(validated.front().Best) << "a candidate for the output like any later validation";
  EXPECT_EQ(validated[1].Step, 2);
}

TEST(Trainer, TheIoUHeadLearnsTheIoUOfItsMasks)
{
  auto                  engine = SegmentationEngine::Create(Tiny(), 4);
  TrainingSampleFactory factory(Tiny(), TinySamples());
  const auto            images = ValidationImagesOf(factory);
  TrainingOptions       options = ShortRun(40, 40);
  options.PromptedFraction = 0.0;
  Trainer      trainer(*engine, options);
  const double before = trainer.ValidateImages(images).IoUHeadError;
  trainer.Train([&factory](std::uint64_t i) { return factory.Make(i); }, {});
  const double after = trainer.ValidateImages(images).IoUHeadError;
  EXPECT_LT(after, 0.7 * before) << "IoU head error " << before << " -> " << after;
}
