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
// Speed of the two priors against the equivalent OpenCV pipeline and the nearest stock-ITK pipeline, in one run;
// peak memory of a streamed file-to-file run. Figures: Documentation/benchmarks.md.
//
//   build/bin/scopsamPriorsBenchmark --benchmark_counters_tabular=true
//
// Every pipeline starts from the same uint16 micrograph (a 1024x1024 synthetic micrograph of level 2, tiled) and
// includes the mapping of gray levels to [0, 1] with a known range (the whole-image range pass is measured on its
// own, BM_RobustIntensityRange).
#include "itkBoxMeanImageFilter.h"
#include "itkBoxSigmaImageFilter.h"
#include "itkGradientMagnitudeRecursiveGaussianImageFilter.h"
#include "itkGradientPriorFilter.h"
#include "itkGrayscalePriorFilter.h"
#include "itkMaximumImageFilter.h"
#include "itkMultiThreaderBase.h"
#include "itkShiftScaleImageFilter.h"
#include "itkImageFileWriter.h"
#include "itkVector.h"
#include "scopsamOpenCVBridge.h"
#include "scopsamSyntheticMicrograph.h"

#include <benchmark/benchmark.h>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <filesystem>
#include <map>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace
{
using U16Image = itk::Image<unsigned short, 2>;
using FloatImage = itk::Image<float, 2>;
constexpr double Lower = 0.0, Upper = 65535.0;
const std::vector<double> Scales{ 1.0, 2.0, 4.0 };
constexpr int WindowRadius = 15;

const cv::Mat &
Micrograph(int size)
{
  static std::map<int, cv::Mat> cache;
  if (!cache.count(size))
  {
    static cv::Mat tile;
    if (tile.empty())
    {
      scopsam::SyntheticParameters p;
      p.Width = p.Height = 1024;
      p.Level = 2;
      p.BitDepth = 16;
      p.Seed = 2026;
      tile = scopsam::GenerateSyntheticMicrograph(p).Image;
    }
    cv::Mat big;
    cv::repeat(tile, (size + 1023) / 1024, (size + 1023) / 1024, big);
    cache[size] = big(cv::Rect(0, 0, size, size)).clone();
  }
  return cache[size];
}

U16Image::Pointer
ItkMicrograph(int size)
{
  static std::map<int, U16Image::Pointer> cache;
  if (!cache.count(size))
  {
    cache[size] = scopsam::ImageFromMat<unsigned short>(Micrograph(size));
  }
  return cache[size];
}

void
SetThreads(int threads)
{
  itk::MultiThreaderBase::SetGlobalDefaultNumberOfThreads(threads);
  cv::setNumThreads(threads);
}

/** One untimed run first, so that page faults of first-touch allocations are not counted. */
template <typename TFunction>
void
WarmUp(TFunction && run)
{
  run();
}

void
Report(benchmark::State & state)
{
  const double pixels = static_cast<double>(state.range(0)) * state.range(0);
  state.counters["Mpx/s"] = benchmark::Counter(pixels / 1e6, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["threads"] = static_cast<double>(state.range(1));
}

/** Times a SCoP-SAM prior filter on the benchmark's micrograph: known range, the case's threads, warm-up first. */
template <typename TFilter>
void
TimePriorFilter(benchmark::State & state, typename TFilter::Pointer filter)
{
  SetThreads(static_cast<int>(state.range(1)));
  filter->SetInput(ItkMicrograph(static_cast<int>(state.range(0))));
  filter->SetIntensityRange(Lower, Upper);
  filter->SetNumberOfWorkUnits(static_cast<unsigned>(state.range(1)));
  WarmUp([&] { filter->Update(); });
  for (auto _ : state)
  {
    filter->Modified();
    filter->Update();
  }
  Report(state);
}

// ---- gradient prior --------------------------------------------------------------------------------------------

void
BM_GradientPrior_SCoPSAM(benchmark::State & state)
{
  using Filter = itk::GradientPriorFilter<U16Image>; // scalar output: the magnitude, as OpenCV computes
  auto filter = Filter::New();
  filter->SetScales(Scales);
  TimePriorFilter<Filter>(state, filter);
}

void
BM_GradientPriorWithCoherence_SCoPSAM(benchmark::State & state)
{
  using Filter = itk::GradientPriorFilter<U16Image, itk::Image<itk::Vector<float, 2>, 2>>;
  TimePriorFilter<Filter>(state, Filter::New());
}

void
BM_GradientPrior_OpenCV(benchmark::State & state)
{
  SetThreads(static_cast<int>(state.range(1)));
  const cv::Mat & input = Micrograph(static_cast<int>(state.range(0)));
  auto            run = [&] {
    cv::Mat normalized, smooth, gx, gy, magnitude, maximum;
    input.convertTo(normalized, CV_32F, 1.0 / (Upper - Lower), -Lower / (Upper - Lower));
    for (const double sigma : Scales)
    {
      const int k = 2 * static_cast<int>(std::ceil(3 * sigma)) + 1;
      cv::GaussianBlur(normalized, smooth, cv::Size(k, k), sigma, sigma, cv::BORDER_REPLICATE);
      cv::Sobel(smooth, gx, CV_32F, 1, 0, 3, sigma / 8.0, 0, cv::BORDER_REPLICATE);
      cv::Sobel(smooth, gy, CV_32F, 0, 1, 3, sigma / 8.0, 0, cv::BORDER_REPLICATE);
      cv::magnitude(gx, gy, magnitude);
      maximum = maximum.empty() ? magnitude.clone() : cv::max(maximum, magnitude);
    }
    benchmark::DoNotOptimize(maximum.data);
  };
  WarmUp(run);
  for (auto _ : state)
  {
    run();
  }
  Report(state);
}

void
BM_GradientPrior_StockITK(benchmark::State & state)
{
  SetThreads(static_cast<int>(state.range(1)));
  using Scale = itk::ShiftScaleImageFilter<U16Image, FloatImage>;
  using Magnitude = itk::GradientMagnitudeRecursiveGaussianImageFilter<FloatImage, FloatImage>;
  using Maximum = itk::MaximumImageFilter<FloatImage, FloatImage, FloatImage>;
  auto scale = Scale::New();
  scale->SetInput(ItkMicrograph(static_cast<int>(state.range(0))));
  scale->SetShift(-Lower);
  scale->SetScale(1.0 / (Upper - Lower));
  std::vector<Magnitude::Pointer> magnitudes;
  itk::ProcessObject::Pointer     last;
  FloatImage *                    current = nullptr;
  std::vector<Maximum::Pointer>   maxima;
  for (const double sigma : Scales)
  {
    auto magnitude = Magnitude::New();
    magnitude->SetInput(scale->GetOutput());
    magnitude->SetSigma(sigma);
    magnitude->SetNormalizeAcrossScale(true);
    magnitudes.push_back(magnitude);
    if (current == nullptr)
    {
      current = magnitude->GetOutput();
    }
    else
    {
      auto maximum = Maximum::New();
      maximum->SetInput1(current);
      maximum->SetInput2(magnitude->GetOutput());
      maxima.push_back(maximum);
      current = maximum->GetOutput();
    }
  }
  WarmUp([&] { current->Update(); });
  for (auto _ : state)
  {
    scale->Modified();
    current->Update();
  }
  Report(state);
}

// ---- grayscale prior -------------------------------------------------------------------------------------------

void
BM_GrayscalePrior_SCoPSAM(benchmark::State & state)
{
  using Filter = itk::GrayscalePriorFilter<U16Image>;
  auto filter = Filter::New();
  filter->SetWindowRadius(WindowRadius);
  TimePriorFilter<Filter>(state, filter);
}

void
BM_GrayscalePrior_OpenCV(benchmark::State & state)
{
  SetThreads(static_cast<int>(state.range(1)));
  const cv::Mat & input = Micrograph(static_cast<int>(state.range(0)));
  const cv::Size  window(2 * WindowRadius + 1, 2 * WindowRadius + 1);
  auto            run = [&] {
    cv::Mat normalized, mean, squares, meanSquares, deviation, z;
    input.convertTo(normalized, CV_32F, 1.0 / (Upper - Lower), -Lower / (Upper - Lower));
    cv::boxFilter(normalized, mean, CV_32F, window, cv::Point(-1, -1), true, cv::BORDER_REPLICATE);
    cv::multiply(normalized, normalized, squares);
    cv::boxFilter(squares, meanSquares, CV_32F, window, cv::Point(-1, -1), true, cv::BORDER_REPLICATE);
    cv::sqrt(cv::max(meanSquares - mean.mul(mean), 0.0), deviation);
    cv::divide(normalized - mean, deviation + 0.02, z);
    z = cv::abs(z);
    benchmark::DoNotOptimize(z.data);
  };
  WarmUp(run);
  for (auto _ : state)
  {
    run();
  }
  Report(state);
}

void
BM_GrayscalePrior_StockITK(benchmark::State & state)
{
  SetThreads(static_cast<int>(state.range(1)));
  using Scale = itk::ShiftScaleImageFilter<U16Image, FloatImage>;
  auto scale = Scale::New();
  scale->SetInput(ItkMicrograph(static_cast<int>(state.range(0))));
  scale->SetShift(-Lower);
  scale->SetScale(1.0 / (Upper - Lower));
  auto mean = itk::BoxMeanImageFilter<FloatImage, FloatImage>::New();
  auto sigma = itk::BoxSigmaImageFilter<FloatImage, FloatImage>::New();
  mean->SetInput(scale->GetOutput());
  sigma->SetInput(scale->GetOutput());
  mean->SetRadius(WindowRadius);
  sigma->SetRadius(WindowRadius);
  WarmUp([&] {
    mean->Update();
    sigma->Update();
  });
  for (auto _ : state)
  {
    scale->Modified();
    mean->Update();
    sigma->Update();
  }
  Report(state);
}

void
BM_RobustIntensityRange(benchmark::State & state)
{
  SetThreads(1);
  auto calculator = itk::RobustIntensityRangeCalculator<U16Image>::New();
  calculator->SetImage(ItkMicrograph(static_cast<int>(state.range(0))));
  for (auto _ : state)
  {
    calculator->Compute();
  }
  Report(state);
}

// ---- memory ----------------------------------------------------------------------------------------------------

/** Peak resident memory (MiB) of `scopsam priors` streaming a size x size uint16 MetaImage to MetaImage files. */
void
BM_StreamedPriorsPeakRSS(benchmark::State & state)
{
  const int                   size = static_cast<int>(state.range(0));
  const std::filesystem::path folder = std::filesystem::temp_directory_path() / "scopsam-benchmark";
  std::filesystem::create_directories(folder);
  const std::string input = (folder / ("micrograph" + std::to_string(size) + ".mha")).string();
  if (!std::filesystem::exists(input))
  {
    // Written by a child process: Linux carries a parent's peak RSS into its children's ru_maxrss through exec,
    // so this process must stay small while it launches the measured command.
    const pid_t writerProcess = fork();
    if (writerProcess == 0)
    {
      auto writer = itk::ImageFileWriter<U16Image>::New();
      writer->SetInput(ItkMicrograph(size));
      writer->SetFileName(input);
      writer->Update();
      _exit(0);
    }
    int written = 0;
    waitpid(writerProcess, &written, 0);
  }
  const std::string prefix = (folder / ("priors" + std::to_string(size))).string();
  double            peak = 0.0;
  for (auto _ : state)
  {
    const pid_t child = fork();
    if (child == 0)
    {
      // Default streaming (automatic pieces of about 2^19 pixels), two threads.
      execl(SCoPSAM_EXECUTABLE, "scopsam", "priors", input.c_str(), prefix.c_str(), "--threads", "2",
            static_cast<char *>(nullptr));
      _exit(127);
    }
    int           status = 0;
    struct rusage usage;
    wait4(child, &status, 0, &usage);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    {
      state.SkipWithError("scopsam priors failed");
      return;
    }
    peak = usage.ru_maxrss / 1024.0;
  }
  state.counters["peak_RSS_MiB"] = peak;
  state.counters["image_MiB"] = static_cast<double>(size) * size * 2 / (1024.0 * 1024.0);
}

void
Sizes(benchmark::internal::Benchmark * b)
{
  for (int size : { 4096, 8192 })
  {
    for (int threads : { 1, 2 })
    {
      b->Args({ size, threads });
    }
  }
  b->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
}

} // namespace

// First, while this process is small (see BM_StreamedPriorsPeakRSS).
BENCHMARK(BM_StreamedPriorsPeakRSS)->Arg(256)->Arg(8192)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_GradientPrior_SCoPSAM)->Apply(Sizes);
BENCHMARK(BM_GradientPrior_OpenCV)->Apply(Sizes);
BENCHMARK(BM_GradientPrior_StockITK)->Apply(Sizes);
BENCHMARK(BM_GradientPriorWithCoherence_SCoPSAM)->Apply(Sizes);
BENCHMARK(BM_GrayscalePrior_SCoPSAM)->Apply(Sizes);
BENCHMARK(BM_GrayscalePrior_OpenCV)->Apply(Sizes);
BENCHMARK(BM_GrayscalePrior_StockITK)->Apply(Sizes);
BENCHMARK(BM_RobustIntensityRange)->Args({ 8192, 1 })->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
