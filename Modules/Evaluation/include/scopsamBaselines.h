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
#ifndef scopsamBaselines_h
#define scopsamBaselines_h

#include "SCoPSAMEvaluationExport.h"
#include "scopsamImageIO.h"

#include <opencv2/core.hpp>

#include <string>

/** \file scopsamBaselines.h
 * \brief The threshold baselines every SCoP-SAM table is compared with.
 *
 * Both work on the micrograph normalised by its robust intensity range (scopsam::IntensityNormalization, the
 * same mapping the priors and the network use), quantised to 8 bits.
 * - Otsu: one global threshold; the phase is the bright or the dark class.
 * - Adaptive: a pixel is phase when it departs from the Gaussian-weighted mean of a BlockSize window by more than
 *   Offset (normalised gray levels) in the phase's direction.
 * With Polarity 0 (automatic) the phase is the smaller of Otsu's two classes, an intermediate phase being the
 * minority of a micrograph.
 * \ingroup SCoPSAMEvaluation
 */
namespace scopsam
{

enum class BaselineMethod
{
  Otsu,
  Adaptive
};

struct BaselineOptions
{
  BaselineMethod Method{ BaselineMethod::Otsu };
  int            Polarity{ 0 }; // +1 bright phase, -1 dark phase, 0 automatic
  int            BlockSize{ 51 };
  double         Offset{ 0.03 };
};

/** The method's name as the command line spells it ("otsu", "adaptive"); and back (InputError when unknown). */
SCoPSAMEvaluation_EXPORT std::string
BaselineMethodName(BaselineMethod method);
SCoPSAMEvaluation_EXPORT BaselineMethod
ParseBaselineMethod(const std::string & name);

/** The micrograph mapped to [0, 1] by its robust range (0.5 % and 99.5 % percentiles), as CV_32F. */
SCoPSAMEvaluation_EXPORT cv::Mat
NormalizedMat(const GrayImage2D * image);

/** Phase mask (CV_8U, 0/255) of a normalised micrograph (CV_32F). Throws InputError on invalid options. */
SCoPSAMEvaluation_EXPORT cv::Mat
SegmentBaseline(const cv::Mat & normalized, const BaselineOptions & options);

} // namespace scopsam

#endif
