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
#include "scopsamMaskChecks.h"

#include "scopsamBaselines.h"
#include "scopsamClickProtocol.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

namespace scopsam
{

MaskSignals
MeasureMaskSignals(const cv::Mat & normalized, const cv::Mat & mask, std::optional<double> predictedIoU)
{
  CV_Assert(normalized.type() == CV_32F && mask.type() == CV_8U && normalized.size() == mask.size());
  const double nan = std::numeric_limits<double>::quiet_NaN();
  MaskSignals  s{ predictedIoU.value_or(nan), 0.0, 0.0, "bright", 0.0, 0.0 };
  const cv::Mat phase = mask != 0;
  const double  pixels = static_cast<double>(phase.total());
  const double  phasePixels = cv::countNonZero(phase);
  s.AreaFraction = pixels > 0 ? phasePixels / pixels : 0.0;
  const auto agreement = [&](int polarity) {
    BaselineOptions otsu;
    otsu.Polarity = polarity;
    return MaskIoU(phase, SegmentBaseline(normalized, otsu));
  };
  const double bright = agreement(+1), dark = agreement(-1);
  s.ThresholdAgreement = std::max(bright, dark);
  s.ThresholdPolarity = dark > bright ? "dark" : "bright";
  cv::Mat labels, stats, centroids;
  const int count = cv::connectedComponentsWithStats(phase, labels, stats, centroids, 8, CV_32S);
  int       largest = 0;
  for (int c = 1; c < count; ++c)
  {
    if (largest == 0 || stats.at<int>(c, cv::CC_STAT_AREA) > stats.at<int>(largest, cv::CC_STAT_AREA))
    {
      largest = c;
    }
  }
  if (largest > 0)
  {
    s.LargestSpan = std::min(static_cast<double>(stats.at<int>(largest, cv::CC_STAT_WIDTH)) / mask.cols,
                             static_cast<double>(stats.at<int>(largest, cv::CC_STAT_HEIGHT)) / mask.rows);
    s.LargestShare = stats.at<int>(largest, cv::CC_STAT_AREA) / phasePixels;
  }
  return s;
}

std::vector<std::string>
MaskWarnings(const MaskSignals & s, const MaskCheckThresholds & t)
{
  std::vector<std::string> warnings;
  const auto               percent = [](double v) {
    std::ostringstream text;
    text.precision(2);
    text << std::fixed << 100.0 * v << " %";
    return text.str();
  };
  const auto number = [](double v) {
    std::ostringstream text;
    text.precision(2);
    text << std::fixed << v;
    return text.str();
  };
  if (std::isfinite(s.PredictedIoU) && s.PredictedIoU < t.LowestPredictedIoU)
  {
    warnings.push_back("the network predicts an IoU of " + number(s.PredictedIoU) + " for this mask (below " +
                       number(t.LowestPredictedIoU) + "): check the overlay, add clicks or scribbles");
  }
  const bool spanning = s.LargestSpan >= t.SpanningExtent && s.LargestShare >= t.SpanningShare;
  if (spanning && (s.AreaFraction >= t.SpanningAreaFraction || s.ThresholdAgreement < t.LowestAgreement))
  {
    warnings.push_back("one particle spans the field (" + percent(s.LargestShare) + " of the phase, which covers " +
                       percent(s.AreaFraction) + " of the field; best agreement with a global threshold: IoU " +
                       number(s.ThresholdAgreement) + ", " + s.ThresholdPolarity +
                       " class): the model may be marking everything; check the overlay before using these figures");
  }
  return warnings;
}

} // namespace scopsam
