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
#ifndef scopsamMetrics_h
#define scopsamMetrics_h

#include "SCoPSAMEvaluationExport.h"

#include <opencv2/core.hpp>

#include <cstdint>
#include <string>
#include <vector>

/** \file scopsamMetrics.h
 * \brief How well a phase mask matches the ground truth (DESIGN section 5).
 *
 * Masks are CV_8U, non-zero = phase. Conventions:
 * - IoU = TP / (TP + FP + FN), Dice = 2 TP / (2 TP + FP + FN), precision = TP / (TP + FP), recall = TP / (TP + FN).
 * - Boundary F: the boundary of a mask is its phase pixels with a 4-neighbour outside the phase (the image border
 *   is not a boundary). Boundary precision is the fraction of predicted boundary pixels within BoundaryTolerance
 *   pixels (Euclidean) of a true boundary pixel, boundary recall the converse; F is their harmonic mean.
 * - Object F1: connected components (8-connectivity) of both masks; a true and a predicted object match when their
 *   IoU is at least ObjectMatchIoU (0.5: then each object matches at most one other); F1 = 2 M / (T + P).
 * - Empty cases: a ratio whose denominator is 0 is 1 when the image has neither true nor predicted phase (the
 *   empty answer is right) and 0 otherwise.
 * - Per dataset, "mean" averages the per-image figures; "pooled" computes each figure from the counts summed over
 *   all images (large images weigh more).
 * \ingroup SCoPSAMEvaluation
 */
namespace scopsam
{

struct EvaluationOptions
{
  double BoundaryTolerance{ 2.0 };
  double ObjectMatchIoU{ 0.5 };
};

/** Counts and figures of one image (or pooled over several). */
struct SegmentationMetrics
{
  std::string   Name;
  std::uint64_t TruePositives{ 0 }, FalsePositives{ 0 }, FalseNegatives{ 0 };
  std::uint64_t PredictedBoundary{ 0 }, PredictedBoundaryMatched{ 0 }, TruthBoundary{ 0 }, TruthBoundaryMatched{ 0 };
  std::uint64_t PredictedObjects{ 0 }, TruthObjects{ 0 }, MatchedObjects{ 0 };
  double        IoU{ 0 }, Dice{ 0 }, Precision{ 0 }, Recall{ 0 }, BoundaryF{ 0 }, ObjectF1{ 0 };
  double        SecondsPerMegapixel{ -1.0 }; // negative: not measured

  /** Recomputes the figures from the counts. */
  void
  ComputeFigures();
};

/** Metrics of one prediction against its truth (same size, CV_8U). `ignore`, when not empty, marks pixels that do
 * not count (e.g. a data bar). Throws InputError when the sizes differ. */
SCoPSAMEvaluation_EXPORT SegmentationMetrics
EvaluateMasks(const cv::Mat &             prediction,
              const cv::Mat &             truth,
              const EvaluationOptions &   options = {},
              const cv::Mat &             ignore = cv::Mat());

/** Per-image rows, their mean and the pooled figures of a dataset. */
struct EvaluationSummary
{
  std::vector<SegmentationMetrics> PerImage;
  SegmentationMetrics              Mean;
  SegmentationMetrics              Pooled;
};

SCoPSAMEvaluation_EXPORT EvaluationSummary
Summarize(const std::vector<SegmentationMetrics> & perImage);

/** A Markdown table: one row per image (when perImage), then the mean and pooled rows. */
SCoPSAMEvaluation_EXPORT std::string
ToMarkdown(const EvaluationSummary & summary, bool perImage = true);
/** CSV with a header row; the mean and pooled rows are named "mean" and "pooled". */
SCoPSAMEvaluation_EXPORT std::string
ToCSV(const EvaluationSummary & summary);
/** JSON: {"images": [...], "mean": {...}, "pooled": {...}, "conventions": "..."}. */
SCoPSAMEvaluation_EXPORT std::string
ToJSON(const EvaluationSummary & summary, const EvaluationOptions & options);

} // namespace scopsam

#endif
