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
// Speed of the SCoP-SAM network (small and vit_b configurations at the same tile size) and peak memory of
// segmenting a large micrograph file-to-file. Figures: Documentation/benchmarks.md.
//
//   build/bin/scopsamNetworkBenchmark --benchmark_counters_tabular=true
#include "scopsamSegmentationEngine.h"
#include "scopsamThreadSettings.h"

#include "itkImageFileWriter.h"
#include "scopsamOpenCVBridge.h"
#include "scopsamSyntheticMicrograph.h"

#include <benchmark/benchmark.h>

#include <filesystem>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace
{

constexpr int Tile = 256;

/** Runs Predict over a 2 x 2 grid of 256-pixel tiles (a 448 x 448 image, overlap 64). */
void
Tiles(benchmark::State & state, const scopsam::ModelConfig & config)
{
  const int threads = static_cast<int>(state.range(0));
  auto      engine = scopsam::SegmentationEngine::Create(config, 1);
  const scopsam::ScopedThreadSettings threadSettings(threads);
  const std::int64_t     size = 2 * Tile - 64;
  std::vector<float>     image(size * size), priors(4 * size * size), out(size * size);
  for (std::size_t i = 0; i < image.size(); ++i)
  {
    image[i] = 0.5f + 0.3f * std::sin(0.05f * static_cast<float>(i % size)) * std::cos(0.07f * static_cast<float>(i / size));
  }
  std::fill(priors.begin(), priors.end(), 0.2f);
  scopsam::TilingOptions options;
  options.TileSize = Tile;
  options.Overlap = 64;
  options.BatchSize = 4;
  const scopsam::ImageBlock block{ { 0, 0, size, size }, image.data(), priors.data() };
  const auto                grid = engine->MakeTileGrid(size, size, options);
  auto run = [&] { engine->Predict(grid, block, {}, { 0, 0, size, size }, out.data()); };
  run(); // warm-up
  for (auto _ : state)
  {
    run();
  }
  state.counters["tiles/s"] = benchmark::Counter(4.0, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["Mpx/s"] = benchmark::Counter(size * size / 1e6, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["threads"] = threads;
}

void
BM_Tiles_Small(benchmark::State & state)
{
  Tiles(state, scopsam::ModelConfig::Small());
}

void
BM_Tiles_VitB(benchmark::State & state)
{
  Tiles(state, scopsam::ModelConfig::VitB());
}

/** Peak RSS (MiB) of `scopsam segment` on a size x size uint16 MetaImage with the small network (fresh weights),
 * 2 threads. Files are made by child processes, so that this process stays small (see scopsamPriorsBenchmark). */
void
BM_SegmentPeakRSS(benchmark::State & state)
{
  const int                   size = static_cast<int>(state.range(0));
  const std::filesystem::path folder = std::filesystem::temp_directory_path() / "scopsam-benchmark";
  std::filesystem::create_directories(folder);
  const std::string input = (folder / ("micrograph" + std::to_string(size) + ".mha")).string();
  const std::string model = (folder / "small.pt").string();
  auto              child = [](auto && work) {
    const pid_t pid = fork();
    if (pid == 0)
    {
      work();
      _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
  };
  if (!std::filesystem::exists(input))
  {
    child([&] {
      scopsam::SyntheticParameters p;
      p.Width = p.Height = 1024;
      p.Level = 2;
      p.BitDepth = 16;
      p.Seed = 2026;
      cv::Mat tiled;
      cv::repeat(scopsam::GenerateSyntheticMicrograph(p).Image, (size + 1023) / 1024, (size + 1023) / 1024, tiled);
      auto writer = itk::ImageFileWriter<itk::Image<unsigned short, 2>>::New();
      writer->SetInput(scopsam::ImageFromMat<unsigned short>(tiled(cv::Rect(0, 0, size, size)).clone()));
      writer->SetFileName(input);
      writer->Update();
    });
  }
  if (!std::filesystem::exists(model))
  {
    child([&] { scopsam::SegmentationEngine::Create(scopsam::ModelConfig::Small(), 1)->Save(model); });
  }
  const std::string output = (folder / ("mask" + std::to_string(size) + ".png")).string();
  double            peak = 0.0;
  for (auto _ : state)
  {
    const pid_t pid = fork();
    if (pid == 0)
    {
      execl(SCoPSAM_EXECUTABLE, "scopsam", "segment", input.c_str(), output.c_str(), "--model", model.c_str(),
            "--threads", "2", static_cast<char *>(nullptr));
      _exit(127);
    }
    int           status = 0;
    struct rusage usage;
    wait4(pid, &status, 0, &usage);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    {
      state.SkipWithError("scopsam segment failed");
      return;
    }
    peak = usage.ru_maxrss / 1024.0;
  }
  state.counters["peak_RSS_MiB"] = peak;
  state.counters["image_MiB"] = static_cast<double>(size) * size * 2 / (1024.0 * 1024.0);
}

} // namespace

// First, while this process is small.
BENCHMARK(BM_SegmentPeakRSS)->Arg(256)->Arg(8192)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();
BENCHMARK(BM_Tiles_Small)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3.0);
BENCHMARK(BM_Tiles_VitB)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(2);

BENCHMARK_MAIN();
