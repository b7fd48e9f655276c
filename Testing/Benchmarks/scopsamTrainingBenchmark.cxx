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
// Where a training step's time goes (issue 14, item 3), for the small network and batch 8 as the shipped recipe
// trains it: making one tile (synthetic; a real-micrograph crop with the augmentations and its priors recomputed;
// the same crop without augmentation, cut from the once-computed planes), and whole optimiser steps with the next
// batch made on a worker thread or on the training thread. The dataset: 4 synthetic 512x512 micrographs written by
// `scopsam synth` in the dataset layout (so that no shared data is needed). Figures: Documentation/benchmarks.md.
//
//   build/bin/scopsamTrainingBenchmark --benchmark_counters_tabular=true
#include "scopsamSegmentationEngine.h"
#include "scopsamTrainer.h"
#include "scopsamTrainingSamples.h"

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace fs = std::filesystem;

namespace
{

const std::string &
DatasetFolder()
{
  static const std::string folder = [] {
    const fs::path f = fs::temp_directory_path() / "scopsam-training-benchmark-data";
    if (!fs::exists(f / "splits" / "train.txt"))
    {
      const std::string command = std::string(SCOPSAM_EXECUTABLE) + " synth " + f.string() +
                                  " --count 4 --size 512x512 --level 2 --seed 77 --train 1 --val 0 > /dev/null";
      if (std::system(command.c_str()) != 0)
      {
        throw std::runtime_error("scopsam synth failed");
      }
    }
    return f.string();
  }();
  return folder;
}

scopsam::SampleOptions
Options(double syntheticFraction, bool augment)
{
  scopsam::SampleOptions o;
  o.TileSize = 256;
  o.Seed = 3;
  o.SyntheticFraction = syntheticFraction;
  o.Augment = augment;
  o.Threads = 1;
  return o;
}

/** One tile per iteration; range(0): 0 synthetic, 1 real crop augmented (priors recomputed), 2 real crop as is. */
void
BM_MakeTile(benchmark::State & state)
{
  const auto kind = state.range(0);
  scopsam::TrainingSampleFactory factory(scopsam::ModelConfig::Small(), Options(kind == 0 ? 1.0 : 0.0, kind != 2));
  if (kind != 0)
  {
    factory.AddDataset(DatasetFolder(), "train");
  }
  std::uint64_t index = 0;
  for (auto _ : state)
  {
    benchmark::DoNotOptimize(factory.Make(index++));
  }
  state.counters["tiles/s"] = benchmark::Counter(1, benchmark::Counter::kIsIterationInvariantRate);
}

/** Four optimiser steps of batch 8 per iteration (the shipped stage-3 mix: a quarter synthetic, real crops
 * augmented); range(0): threads; range(1): 1 the next batch is made ahead on a worker thread, 0 on the step's thread. */
void
BM_TrainSteps(benchmark::State & state)
{
  scopsam::TrainingSampleFactory factory(scopsam::ModelConfig::Small(), Options(0.25, true));
  factory.AddDataset(DatasetFolder(), "train");
  scopsam::DeviceOptions device;
  device.Threads = static_cast<int>(state.range(0));
  auto          engine = scopsam::SegmentationEngine::Create(scopsam::ModelConfig::Small(), 1, device);
  constexpr int Steps = 4;
  for (auto _ : state)
  {
    scopsam::TrainingOptions options;
    options.Steps = Steps;
    options.BatchSize = 8;
    options.WarmupSteps = 1;
    options.ValidateEvery = 1000;
    options.CheckpointEvery = 1000;
    options.MakeBatchesAhead = state.range(1) != 0;
    scopsam::Trainer trainer(*engine, options);
    trainer.Train([&factory](std::uint64_t i) { return factory.Make(i); }, {});
  }
  state.counters["steps/s"] = benchmark::Counter(Steps, benchmark::Counter::kIsIterationInvariantRate);
}

} // namespace

BENCHMARK(BM_MakeTile)->ArgName("kind")->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_TrainSteps)
  ->ArgNames({ "threads", "ahead" })
  ->Args({ 1, 0 })
  ->Args({ 1, 1 })
  ->Args({ 2, 0 })
  ->Args({ 2, 1 })
  ->Unit(benchmark::kMillisecond)
  ->UseRealTime()
  ->Iterations(3);

BENCHMARK_MAIN();
