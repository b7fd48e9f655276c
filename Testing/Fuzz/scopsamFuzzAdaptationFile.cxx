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
// Fuzz harness of adaptation files (scopsam::Adaptation::FromJSON, what `segment --adaptation` and
// Predictor.predict(adaptation=) read): the bytes as the file's text, then, when it loads, applied to a small
// micrograph whose features have the names and number the file claims (so that a forged forest meets real
// features). A clear scopsam::InputError is the expected answer; a crash, an out-of-bounds read under
// AddressSanitizer, a hang or any other exception is a finding.
#include "scopsamErrors.h"
#include "scopsamPromptAdaptation.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace
{
/** A small micrograph segmented by the model the file names. */
scopsam::AdaptationImage
Micrograph(const std::string & model)
{
  cv::Mat gray(24, 20, CV_32F), probability(24, 20, CV_32F);
  cv::theRNG().state = 5;
  cv::randu(gray, 0.0f, 1.0f);
  cv::randu(probability, 0.0f, 1.0f);
  return scopsam::AdaptationImage(gray, probability, 0.5, cv::Mat(), model, "fuzz");
}
} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t * data, std::size_t size)
{
  try
  {
    const auto adaptation = scopsam::Adaptation::FromJSON(std::string(reinterpret_cast<const char *>(data), size));
    const cv::Mat probability = adaptation.Apply(Micrograph(adaptation.GetModel()));
    volatile float sum = 0.0f;
    for (auto it = probability.begin<float>(); it != probability.end<float>(); ++it)
    {
      sum = sum + *it;
    }
  }
  catch (const scopsam::InputError &)
  {
    // the contract: one clear line for a bad file
  }
  return 0;
}
