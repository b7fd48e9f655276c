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
#ifndef scopsamPictures_h
#define scopsamPictures_h

#include "SCoPSAMEvaluationExport.h"

#include <opencv2/core.hpp>

#include <string>

/** \file scopsamPictures.h
 * \brief Pictures a person checks a segmentation with.
 * \ingroup SCoPSAMEvaluation
 */
namespace scopsam
{

/** The micrograph (normalised, CV_32F in [0, 1]) in gray with the phase tinted and outlined: the fill mixes
 * `fillOpacity` of the tint into the phase pixels, the outline (phase pixels with a 4-neighbour outside the phase)
 * is drawn in full colour. Returns CV_8UC3 in RGB order, the size of the micrograph, readable at full size. */
SCoPSAMEvaluation_EXPORT cv::Mat
PhaseOverlay(const cv::Mat & normalized, const cv::Mat & mask, double fillOpacity = 0.3);

/** Writes an RGB picture (CV_8UC3, RGB order) as PNG (or any ITK RGB format), atomically. */
SCoPSAMEvaluation_EXPORT void
WriteRGBPicture(const cv::Mat & rgb, const std::string & path);

} // namespace scopsam

#endif
