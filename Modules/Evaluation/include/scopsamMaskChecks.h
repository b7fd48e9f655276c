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
#ifndef scopsamMaskChecks_h
#define scopsamMaskChecks_h

#include "SCoPSAMEvaluationExport.h"

#include <opencv2/core.hpp>

#include <optional>
#include <string>
#include <vector>

/** \file scopsamMaskChecks.h
 * \brief Reasons to doubt an automatic mask before its figures are reported (no ground truth needed).
 *
 * A mask that covers most of the field is not wrong by itself (real phases cover 44-65 % of some superalloy
 * fields), so no single figure decides. The signals, each measured on the mask and its micrograph:
 * - the network's own IoU prediction, where its IoU head was trained;
 * - agreement with a global threshold: the larger IoU of the mask with Otsu's bright class and with its dark class
 *   (a phase that differs in gray level from the matrix is found, roughly, by one of them);
 * - one particle spanning the field: the largest connected component's extent across the field (the smaller of
 *   its bounding box's width and height over the field's) and its share of the phase area.
 * The rule that combines them and its thresholds (MaskCheckThresholds) were chosen on the val and train splits of
 * the real sets with the shipped model and a model that over-segments (results.md, "Warnings").
 * \ingroup SCoPSAMEvaluation
 */
namespace scopsam
{

/** The signals of one mask. NaN where a signal is not available (no trained IoU head). */
struct MaskSignals
{
  double PredictedIoU;           // the network's IoU head, if trained
  double AreaFraction;           // phase pixels over field pixels
  double ThresholdAgreement;     // max over polarity of IoU(mask, Otsu's class of that polarity)
  std::string ThresholdPolarity; // "bright" or "dark": the class that agrees better
  double LargestSpan;            // min(width, height) of the largest component's bounding box over the field's
  double LargestShare;           // the largest component's pixels over all phase pixels
};

/** The rule: warn when a trained IoU head predicts less than LowestPredictedIoU, or when one particle spans the
 * field (extent and share at least SpanningExtent and SpanningShare) and either the phase covers at least
 * SpanningAreaFraction of the field or the mask agrees with neither polarity of a global threshold (best IoU below
 * LowestAgreement). Chosen on the train and val splits of nasa_super1 and uhcs_cementite with the shipped model and
 * an over-segmenting one (results.md, "Warnings"), then frozen. */
struct MaskCheckThresholds
{
  double LowestPredictedIoU{ 0.6 };
  double SpanningExtent{ 0.95 };
  double SpanningShare{ 0.85 };
  double SpanningAreaFraction{ 0.6 };
  double LowestAgreement{ 0.6 };
};

/** The signals of `mask` (CV_8U, non-zero = phase) on `normalized` (CV_32F in [0, 1], NormalizedMat), with the IoU
 * head's prediction when trained. */
SCoPSAMEvaluation_EXPORT MaskSignals
MeasureMaskSignals(const cv::Mat & normalized, const cv::Mat & mask, std::optional<double> predictedIoU);

/** The warnings the signals raise (one sentence each, for the report and stderr); empty: no reason to doubt. */
SCoPSAMEvaluation_EXPORT std::vector<std::string>
MaskWarnings(const MaskSignals & signals, const MaskCheckThresholds & thresholds = {});

} // namespace scopsam

#endif
