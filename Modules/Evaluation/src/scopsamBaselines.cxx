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
#include "scopsamBaselines.h"

#include "itkRobustIntensityRangeCalculator.h"

#include <opencv2/imgproc.hpp>

namespace scopsam
{

std::string
BaselineMethodName(BaselineMethod method)
{
  return method == BaselineMethod::Otsu ? "otsu" : "adaptive";
}

BaselineMethod
ParseBaselineMethod(const std::string & name)
{
  if (name == "otsu")
  {
    return BaselineMethod::Otsu;
  }
  if (name == "adaptive")
  {
    return BaselineMethod::Adaptive;
  }
  throw InputError("unknown baseline method '" + name + "' (otsu or adaptive)");
}

cv::Mat
NormalizedMat(const GrayImage2D * image)
{
  auto calculator = itk::RobustIntensityRangeCalculator<GrayImage2D>::New();
  calculator->SetImage(image);
  calculator->Compute();
  const auto   statistics = calculator->GetStatistics();
  const auto   normalize = IntensityNormalization::FromRange(statistics.Lower, statistics.Upper);
  const auto   size = image->GetLargestPossibleRegion().GetSize();
  cv::Mat      result(static_cast<int>(size[1]), static_cast<int>(size[0]), CV_32F);
  const float * in = image->GetBufferPointer();
  float *       out = result.ptr<float>();
  for (std::size_t i = 0; i < result.total(); ++i)
  {
    out[i] = normalize(in[i]);
  }
  return result;
}

cv::Mat
SegmentBaseline(const cv::Mat & normalized, const BaselineOptions & options)
{
  if (normalized.type() != CV_32F)
  {
    throw InputError("baselines take a normalised float image");
  }
  if (options.Polarity < -1 || options.Polarity > 1)
  {
    throw InputError("polarity must be bright, dark or auto");
  }
  if (options.BlockSize < 3 || options.BlockSize > 1001 || options.BlockSize % 2 == 0)
  {
    // The Gaussian window's cost grows with its size: 1001 pixels is wider than any useful neighbourhood.
    throw InputError("the adaptive block size must be an odd number in [3, 1001], got " + std::to_string(options.BlockSize));
  }
  if (!(options.Offset >= 0.0 && options.Offset < 1.0))
  {
    throw InputError("the adaptive offset must be in [0, 1), got " + std::to_string(options.Offset));
  }
  cv::Mat gray;
  normalized.convertTo(gray, CV_8U, 255.0);
  cv::Mat      bright;
  const double threshold = cv::threshold(gray, bright, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
  (void)threshold;
  int polarity = options.Polarity;
  if (polarity == 0)
  {
    polarity = cv::countNonZero(bright) * 2 <= static_cast<int>(bright.total()) ? 1 : -1;
  }
  if (options.Method == BaselineMethod::Otsu)
  {
    return polarity > 0 ? bright : ~bright;
  }
  cv::Mat      mask;
  const double offset = options.Offset * 255.0;
  if (polarity > 0)
  {
    // Phase: brighter than the local mean by more than the offset (OpenCV: src > mean - C, so C = -offset).
    cv::adaptiveThreshold(gray, mask, 255, cv::ADAPTIVE_THRESH_GAUSSIAN_C, cv::THRESH_BINARY, options.BlockSize, -offset);
  }
  else
  {
    cv::adaptiveThreshold(gray, mask, 255, cv::ADAPTIVE_THRESH_GAUSSIAN_C, cv::THRESH_BINARY_INV, options.BlockSize, offset);
  }
  return mask;
}

} // namespace scopsam
