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
#ifndef scopsamClickProtocol_h
#define scopsamClickProtocol_h

#include "SCoPSAMEvaluationExport.h"

#include <opencv2/core.hpp>

#include <optional>
#include <vector>

/** \file scopsamClickProtocol.h
 * \brief The simulated user of interactive segmentation benchmarks (RITM's rule, as SimpleClick and SAM use it).
 *
 * After each mask, the next click goes where the mask is most wrong: the Euclidean distance transform of the missed
 * pixels (truth, not predicted) and of the false pixels (predicted, not truth), each computed with one pixel of "no
 * error" around the image (so that an error touching the border is measured from the border too) and with the
 * pixels already clicked counted as no error; the click lands at the maximum of the larger of the two transforms,
 * positive in a missed region, negative in a false one. Earlier clicks are kept by the caller. A scribble is the
 * same point grown into a straight stroke of at most ScribbleLength pixels that stays inside that error region.
 * Ties go to the first pixel in row-major order, so the protocol is deterministic.
 * \ingroup SCoPSAMEvaluation
 */
namespace scopsam
{

/** One simulated click: pixel (x the column, y the row) and label (1 "this phase", 0 "not this phase"). */
struct SimulatedClick
{
  cv::Point Position;
  int       Label{ 1 };
  double    ErrorDepth{ 0 }; // the distance-transform value at the click: how deep inside the error region it lies
};

/** The next click for `prediction` against `truth` (CV_8U, non-zero = phase, same size); `clicked` are the clicks so
 * far, `ignore` (optional, CV_8U non-zero) pixels that do not count. Empty when the mask has no error left. */
SCoPSAMEvaluation_EXPORT std::optional<SimulatedClick>
NextClick(const cv::Mat & prediction, const cv::Mat & truth, const std::vector<SimulatedClick> & clicked,
          const cv::Mat & ignore = cv::Mat());

/** The longest stroke a simulated scribble may be, in pixels. */
constexpr int ScribbleLength = 15;

/** A scribble through `click`: a straight stroke of at most ScribbleLength pixels inside the error region the click
 * lies in (`region`, CV_8U non-zero), grown from the click both ways in turn (one way alone once the other leaves
 * the region), along the one of eight directions that gives the longest stroke. Returns the stroke's pixels, the
 * click among them. */
SCoPSAMEvaluation_EXPORT std::vector<cv::Point>
ScribbleThrough(const SimulatedClick & click, const cv::Mat & region);

/** The error region a click was drawn from (missed pixels for a positive click, false ones for a negative). */
SCoPSAMEvaluation_EXPORT cv::Mat
ErrorRegion(const cv::Mat & prediction, const cv::Mat & truth, int label, const cv::Mat & ignore = cv::Mat());

} // namespace scopsam

#endif
