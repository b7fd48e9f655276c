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
// Encode once, prompt many times, on a 1-Mpx micrograph (1024 x 1024, a synthetic level-2 micrograph tiled) with the
// embedded default model, through itk::SCoPSAMSegmentationFilter as the C++ and Python predictors use it:
//  - BM_SetImage: the first update (priors, the network over every tile, the adaptation's features), what
//    scopsam.Predictor(image) costs;
//  - BM_PredictOneMoreClick: after set_image and 4 clicks, one update with a 5th click (the head fitted and applied
//    again; the network not rerun), what one more predict() costs; its second argument 1: the 4-click mask given
//    back as the previous mask (SetPreviousMask, the steady step of scopsam::StepFromPrevious); its third argument
//    1: clicks go to the network too (SetNetworkClicks(true): the prompt encoder and the mask decoder rerun over every
//    tile on the kept image embeddings, then the head), 2: the network alone answers them (SetPromptsOnly(true) as
//    well: no head). IO excluded. Figures: Documentation/benchmarks.md.
//
//   build/bin/scopsamInteractiveBenchmark --benchmark_counters_tabular=true
#include "itkSCoPSAMSegmentationFilter.h"
#include "scopsamOpenCVBridge.h"
#include "scopsamSegmentationSupport.h"
#include "scopsamSyntheticMicrograph.h"

#include <opencv2/core.hpp>

#include <benchmark/benchmark.h>

namespace
{
using Image = itk::Image<float, 2>;
using Filter = itk::SCoPSAMSegmentationFilter<Image>;

struct Micrograph
{
  Image::Pointer         Pixels;
  std::vector<cv::Point> Phase, Matrix; // click candidates
  Micrograph()
  {
    scopsam::SyntheticParameters options;
    options.Width = 512;
    options.Height = 512;
    options.Level = 2;
    options.Seed = 11;
    const auto sample = scopsam::GenerateSyntheticMicrograph(options);
    cv::Mat    tile, image, mask;
    sample.Image.convertTo(tile, CV_32F);
    cv::repeat(tile, 2, 2, image);
    cv::repeat(sample.Mask, 2, 2, mask);
    Pixels = scopsam::ImageFromMat<float>(image);
    for (int y = 37; y < mask.rows; y += 97)
    {
      for (int x = 41; x < mask.cols; x += 89)
      {
        (mask.at<unsigned char>(y, x) != 0 ? Phase : Matrix).emplace_back(x, y);
      }
    }
  }
};

const Micrograph &
Sample()
{
  static const Micrograph sample;
  return sample;
}

Filter::Pointer
MakeFilter(int threads, int network)
{
  auto filter = Filter::New();
  filter->SetInput(Sample().Pixels);
  filter->SetEngine(scopsam::LoadSharedEngine("", scopsam::DeviceOptions{}));
  filter->SetNumberOfWorkUnits(static_cast<itk::ThreadIdType>(threads));
  filter->SetNetworkClicks(network > 0);
  filter->SetPromptsOnly(network > 1);
  return filter;
}

void
AddClicks(Filter * filter, std::size_t count)
{
  for (std::size_t i = 0; i < count; ++i)
  {
    const auto & list = i % 2 == 0 ? Sample().Phase : Sample().Matrix;
    const auto   p = list[(i / 2) % list.size()];
    filter->AddClick({ { p.x, p.y } }, i % 2 == 0 ? 1 : 0);
  }
}

void
BM_SetImage(benchmark::State & state)
{
  const int threads = static_cast<int>(state.range(0));
  for (auto _ : state)
  {
    auto filter = MakeFilter(threads, static_cast<int>(state.range(1)));
    AddClicks(filter, 1);
    filter->Update();
    state.counters["cache MB"] = static_cast<double>(filter->GetAdaptationCacheBytes()) / 1e6;
    state.counters["embeddings MB"] = static_cast<double>(filter->GetEmbeddingCacheBytes()) / 1e6;
  }
}

void
BM_PredictOneMoreClick(benchmark::State & state)
{
  const int threads = static_cast<int>(state.range(0));
  auto      filter = MakeFilter(threads, static_cast<int>(state.range(2)));
  AddClicks(filter, 4);
  filter->Update(); // set_image and four clicks
  if (state.range(1) != 0)
  {
    Filter::MaskImageType::Pointer previous = filter->GetMaskOutput();
    previous->DisconnectPipeline();
    filter->SetPreviousMask(previous);
  }
  std::size_t n = 0;
  for (auto _ : state)
  {
    filter->ClearClicks();
    AddClicks(filter, 5 + (n++ % 2)); // one more click (two kinds in turn, so that every update has new prompts)
    filter->Update();
  }
}
} // namespace

BENCHMARK(BM_SetImage)
  ->ArgsProduct({ { 1, 2 }, { 0, 1 } })
  ->ArgNames({ "threads", "network" })
  ->Unit(benchmark::kMillisecond)
  ->UseRealTime()
  ->Iterations(2);
BENCHMARK(BM_PredictOneMoreClick)
  ->ArgsProduct({ { 1, 2 }, { 0, 1 }, { 0, 1, 2 } })
  ->ArgNames({ "threads", "previous", "network" })
  ->Unit(benchmark::kMillisecond)
  ->UseRealTime();
BENCHMARK_MAIN();
