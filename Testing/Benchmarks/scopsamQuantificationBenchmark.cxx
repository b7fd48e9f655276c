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
// Speed of the phase quantification against the two pieces it is built on, in one run: ITK's labelling with shape
// statistics alone (BinaryImageToShapeLabelMapFilter, perimeter on) and OpenCV's connected components with their
// areas and centroids (the least a particle count needs). Figures: Documentation/benchmarks.md.
//
//   build/bin/scopsamQuantificationBenchmark --benchmark_counters_tabular=true
//
// The mask is a 512x512 synthetic level-2 mask (about 200 particles, needles and networks), tiled to the size.
#include "itkBinaryImageToShapeLabelMapFilter.h"
#include "itkMultiThreaderBase.h"
#include "itkPhaseQuantificationImageFilter.h"
#include "scopsamOpenCVBridge.h"
#include "scopsamSyntheticMicrograph.h"

#include <benchmark/benchmark.h>
#include <opencv2/imgproc.hpp>

#include <map>

namespace
{

using MaskImage = itk::Image<unsigned char, 2>;

/** The synthetic mask tiled to size x size (0/1). */
const cv::Mat &
Mask(int size)
{
  static std::map<int, cv::Mat> cache;
  auto &                        mask = cache[size];
  if (mask.empty())
  {
    scopsam::SyntheticParameters parameters;
    parameters.Level = 2;
    parameters.Seed = 4;
    const cv::Mat tile = scopsam::GenerateSyntheticMicrograph(parameters).Mask / 255;
    cv::repeat(tile, size / tile.rows, size / tile.cols, mask);
  }
  return mask;
}

void
Counters(benchmark::State & state, int size, std::size_t particles)
{
  const double pixels = static_cast<double>(size) * size * static_cast<double>(state.iterations());
  state.counters["Mpx/s"] = benchmark::Counter(pixels / 1e6, benchmark::Counter::kIsRate);
  state.counters["particles"] = static_cast<double>(particles);
}

void
BM_PhaseQuantification(benchmark::State & state)
{
  const int  size = static_cast<int>(state.range(0));
  const auto mask = scopsam::ImageFromMat<unsigned char>(Mask(size));
  itk::MultiThreaderBase::SetGlobalDefaultNumberOfThreads(static_cast<int>(state.range(1)));
  std::size_t particles = 0;
  for (auto _ : state)
  {
    auto filter = itk::PhaseQuantificationImageFilter<MaskImage>::New();
    filter->SetInput(mask);
    filter->Update();
    particles = filter->GetFieldMeasurements().ParticleCount;
  }
  Counters(state, size, particles);
}

void
BM_ITKShapeLabelMap(benchmark::State & state)
{
  const int  size = static_cast<int>(state.range(0));
  const auto mask = scopsam::ImageFromMat<unsigned char>(Mask(size));
  itk::MultiThreaderBase::SetGlobalDefaultNumberOfThreads(static_cast<int>(state.range(1)));
  std::size_t particles = 0;
  for (auto _ : state)
  {
    auto filter = itk::BinaryImageToShapeLabelMapFilter<MaskImage>::New();
    filter->SetInput(mask);
    filter->SetInputForegroundValue(1);
    filter->SetComputePerimeter(true);
    filter->Update();
    particles = filter->GetOutput()->GetNumberOfLabelObjects();
  }
  Counters(state, size, particles);
}

void
BM_OpenCVConnectedComponentsWithStats(benchmark::State & state)
{
  const int     size = static_cast<int>(state.range(0));
  const cv::Mat mask = Mask(size);
  cv::setNumThreads(static_cast<int>(state.range(1)));
  std::size_t particles = 0;
  for (auto _ : state)
  {
    cv::Mat labels, stats, centroids;
    particles = static_cast<std::size_t>(cv::connectedComponentsWithStats(mask, labels, stats, centroids, 8, CV_32S)) - 1;
  }
  Counters(state, size, particles);
}

void
Sizes(benchmark::internal::Benchmark * b)
{
  for (const int size : { 2048, 4096 })
  {
    for (const int threads : { 1, 2 })
    {
      b->Args({ size, threads });
    }
  }
  b->ArgNames({ "size", "threads" })->Unit(benchmark::kMillisecond)->UseRealTime();
}

} // namespace

BENCHMARK(BM_PhaseQuantification)->Apply(Sizes);
BENCHMARK(BM_ITKShapeLabelMap)->Apply(Sizes);
BENCHMARK(BM_OpenCVConnectedComponentsWithStats)->Apply(Sizes);
BENCHMARK_MAIN();
