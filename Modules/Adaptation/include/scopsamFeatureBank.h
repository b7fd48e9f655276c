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
#ifndef scopsamFeatureBank_h
#define scopsamFeatureBank_h

#include "SCoPSAMAdaptationExport.h"

#include <opencv2/core.hpp>

#include <string>
#include <vector>

/** \file scopsamFeatureBank.h
 * \brief Dense per-pixel features for the pixel classifier of test-time adaptation.
 *
 * A FeatureStack is a set of same-sized CV_32F planes, each with a name; the classifier sees a pixel as the vector
 * of its values across the planes. ClassicalFeatures() is the filter bank of ilastik's pixel classification (and of
 * Weka's trainable segmentation, in spirit): at each scale sigma the Gaussian smoothing, Laplacian of Gaussian,
 * gradient magnitude, difference of Gaussians, structure-tensor eigenvalues and Hessian eigenvalues, derivatives
 * scale-normalised by sigma. A model adds its own planes (the network's probability and decoder features) with
 * Append(), so one classifier serves the ilastik-style baseline and SCoP-SAM's adaptation.
 * \ingroup SCoPSAMAdaptation
 */
namespace scopsam
{

struct SCoPSAMAdaptation_EXPORT FeatureStack
{
  std::vector<cv::Mat>     Planes; // CV_32F, one size
  std::vector<std::string> Names;

  cv::Size
  Size() const
  {
    return Planes.empty() ? cv::Size() : Planes.front().size();
  }
  /** Adds a plane (converted to CV_32F); throws InputError when its size is not the stack's. */
  void
  Append(const cv::Mat & plane, const std::string & name);
  /** The names joined: what a classifier records so that it is applied only to features of the same kind. */
  std::string
  Signature() const;
  /** Rows of per-pixel feature vectors (CV_32F, one row per pixel of `rows` of the image, row-major). */
  cv::Mat
  Samples(const cv::Range & rows) const;
  /** The feature vectors of the given pixels, one row each. */
  cv::Mat
  Samples(const std::vector<cv::Point> & pixels) const;
};

/** The scales of ClassicalFeatures() by default, in pixels (ilastik's default set from 1 px up). */
SCoPSAMAdaptation_EXPORT const std::vector<double> &
DefaultFeatureScales();

/** How far (in pixels) a plane of ClassicalFeatures() at `scales` reaches: a band of rows computed with this many
 * more rows above and below (where the image has them) equals the same rows of the whole image's features. */
SCoPSAMAdaptation_EXPORT int
ClassicalFeatureReach(const std::vector<double> & scales = DefaultFeatureScales());

/** The classical filter bank of `image` (one channel, any depth; gray levels are used as they are, so pass the
 * normalised image): the image itself, then 7 planes per scale. */
SCoPSAMAdaptation_EXPORT FeatureStack
ClassicalFeatures(const cv::Mat & image, const std::vector<double> & scales = DefaultFeatureScales());

} // namespace scopsam

#endif
