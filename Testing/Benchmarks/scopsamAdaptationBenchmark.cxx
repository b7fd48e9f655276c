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
// Speed of test-time adaptation on a 1-Mpx micrograph (1024 x 1024, a synthetic level-2 micrograph tiled): the
// classical filter bank (once per image, what set_image would cache), fitting the forest on 5 clicks with a prior
// mask and predicting every pixel (what one more click costs), and the prediction alone. Figures: Documentation/benchmarks.md.
//
//   build/bin/scopsamAdaptationBenchmark --benchmark_counters_tabular=true
#include "scopsamFeatureBank.h"
#include "scopsamPixelClassifier.h"
#include "scopsamSyntheticMicrograph.h"

#include <opencv2/core.hpp>

#include <benchmark/benchmark.h>

namespace
{
struct Micrograph
{
  cv::Mat Image, Mask;
  Micrograph()
  {
    scopsam::SyntheticParameters options;
    options.Width = 512;
    options.Height = 512;
    options.Level = 2;
    options.Seed = 11;
    const auto sample = scopsam::GenerateSyntheticMicrograph(options);
    cv::Mat    image, mask;
    sample.Image.convertTo(image, CV_32F, 1.0 / 255.0);
    cv::repeat(image, 2, 2, Image);
    cv::repeat(sample.Mask, 2, 2, Mask);
  }
};

const Micrograph &
Sample()
{
  static const Micrograph sample;
  return sample;
}

std::vector<cv::Point>
Clicks()
{
  return { { 100, 120 }, { 400, 380 }, { 700, 650 }, { 900, 200 }, { 250, 850 } };
}

void
BM_ClassicalFeatures(benchmark::State & state)
{
  cv::setNumThreads(static_cast<int>(state.range(0)));
  for (auto _ : state)
  {
    benchmark::DoNotOptimize(scopsam::ClassicalFeatures(Sample().Image));
  }
  state.counters["Mpx/s"] = benchmark::Counter(Sample().Image.total() / 1e6, benchmark::Counter::kIsIterationInvariantRate);
}

void
BM_FitAndPredict(benchmark::State & state)
{
  cv::setNumThreads(static_cast<int>(state.range(0)));
  const auto    features = scopsam::ClassicalFeatures(Sample().Image);
  const cv::Mat labels = scopsam::ClickLabels(Sample().Image, Sample().Mask, Clicks(), { 1, 0, 1, 0, 0 });
  for (auto _ : state)
  {
    scopsam::PixelClassifier classifier;
    classifier.Fit(features, labels, Sample().Mask);
    benchmark::DoNotOptimize(classifier.PredictProbability(features));
  }
}
void
BM_Predict(benchmark::State & state)
{
  cv::setNumThreads(static_cast<int>(state.range(0)));
  const auto               features = scopsam::ClassicalFeatures(Sample().Image);
  scopsam::PixelClassifier classifier;
  classifier.Fit(features, scopsam::ClickLabels(Sample().Image, Sample().Mask, Clicks(), { 1, 0, 1, 0, 0 }), Sample().Mask);
  for (auto _ : state)
  {
    benchmark::DoNotOptimize(classifier.PredictProbability(features));
  }
}
} // namespace

BENCHMARK(BM_ClassicalFeatures)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_FitAndPredict)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Predict)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_MAIN();
