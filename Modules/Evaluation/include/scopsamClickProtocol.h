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

#include <functional>
#include <optional>
#include <vector>

/** \file scopsamClickProtocol.h
 * \brief The simulated user of interactive segmentation benchmarks (RITM's rule, as SimpleClick and SAM use it), for
 * OpenCV images; the rule itself is scopsamProtocolClick.h's (plain C++, shared with the trainer's validation).
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

/** What a prompted method is given at each step of the protocol: every click so far (in click mode), or a scribble
 * label image (CV_8U, 1 this phase, 2 not this phase, 0 unlabelled) holding every stroke so far (scribble mode,
 * clicks empty). It returns its mask (CV_8U, non-zero = phase). */
using PromptedSegmenter = std::function<cv::Mat(const std::vector<SimulatedClick> & clicks, const cv::Mat & scribbles)>;

struct ProtocolOptions
{
  int  MaximumClicks{ 20 };
  bool Scribbles{ false }; // strokes through the protocol's points (ScribbleThrough()) instead of clicks
};

/** One image through the protocol. */
struct ProtocolRun
{
  std::vector<double> IoU;     // IoU[k]: after k clicks, k = 0 (the start mask) .. MaximumClicks (the last value
                               // carried on where the mask had no error left)
  std::vector<double> Seconds; // wall time of each prompted call
  int                 Drops{ 0 }; // clicks after which IoU fell by more than 0.001
  int                 Clicks{ 0 }; // clicks made (fewer than MaximumClicks where no error was left)

  /** The number of clicks after which IoU first reaches `target` (0 when the start mask does), MaximumClicks where
   * it never does (RITM's NoC@target). */
  int
  ClicksTo(double target) const;
};

/** RITM's protocol on one image: from `start` (the automatic mask), up to MaximumClicks clicks, each at NextClick()
 * of the last mask, all earlier clicks kept; IoU against `truth` outside `ignore`. */
SCoPSAMEvaluation_EXPORT ProtocolRun
RunClickProtocol(const cv::Mat & truth, const cv::Mat & ignore, const cv::Mat & start, const PromptedSegmenter & segment,
                 const ProtocolOptions & options = {});

/** IoU of two masks (non-zero = phase) outside `ignore` (optional); 1 when both are empty. */
SCoPSAMEvaluation_EXPORT double
MaskIoU(const cv::Mat & prediction, const cv::Mat & truth, const cv::Mat & ignore = cv::Mat());

} // namespace scopsam

#endif
