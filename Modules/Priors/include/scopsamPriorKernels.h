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
#ifndef scopsamPriorKernels_h
#define scopsamPriorKernels_h

#include "SCoPSAMPriorsExport.h"
#include "scopsamPriorParameters.h"

#include <array>
#include <cstddef>
#include <vector>

/** \file scopsamPriorKernels.h
 * \brief The numerical core of the two prior filters, free of ITK types.
 *
 * Everything here works on dense float buffers of up to three dimensions, x running fastest. A buffer handed to
 * ComputeGradientPrior() or ComputeGrayscalePrior() is the region to compute, padded on every side by the
 * prior's reach (GradientPriorReach(), GrayscalePriorReach()); the outputs have the unpadded size. Because every
 * output pixel depends only on the padded neighbourhood of that pixel, and every sum is evaluated in the same
 * order wherever the region starts, the result of a pixel does not depend on how the image was split into regions
 * (threads, stream divisions, tiles).
 *
 * The ITK filters (itk::GradientPriorFilter, itk::GrayscalePriorFilter) fill the padded buffer from their input,
 * normalised with the image's robust intensity range, and copy the outputs into their output image.
 *
 * \ingroup SCoPSAMPriors
 */
namespace scopsam
{

/** Size of a dense buffer: size[0] is x (fastest), unused axes are 1. */
using BufferSize = std::array<std::size_t, 3>;

/** Number of pixels of a buffer. */
inline std::size_t
NumberOfPixels(const BufferSize & size)
{
  return size[0] * size[1] * size[2];
}

/** Radius (in pixels) at which the project truncates a Gaussian of standard deviation sigma: ceil(3 sigma). */
SCoPSAMPriors_EXPORT int
GaussianRadius(double sigma);

/** Half of a sampled, normalised Gaussian: g[0] at the centre, g[k] = g[-k] for k = 1..radius. */
SCoPSAMPriors_EXPORT std::vector<float>
GaussianHalfKernel(double sigma, int radius);

/** Half of the sampled first derivative of that Gaussian: d[0] = 0, d[k] = -d[-k], with sum_k k d[k] = -1/2 per
 * side so that the kernel differentiates a unit ramp to exactly 1. Applied as out[x] = sum_k d[k] (in[x+k] -
 * in[x-k]), it returns the derivative along +x. */
SCoPSAMPriors_EXPORT std::vector<float>
GaussianDerivativeHalfKernel(double sigma, int radius);

/** Valid convolution along one axis with a symmetric (odd == false) or antisymmetric (odd == true) kernel given by
 * its half. The output has the input's size less 2 * radius along that axis, radius = halfKernel.size() - 1. */
SCoPSAMPriors_EXPORT void
ConvolveAxis(const float *               input,
             const BufferSize &          inputSize,
             unsigned int                axis,
             const std::vector<float> &  halfKernel,
             bool                        odd,
             float *                     output);

/** Parameters of the gradient prior (see itk::GradientPriorFilter for their meaning; defaults and ranges in
 * scopsamPriorParameters.h). */
struct GradientPriorParameters
{
  std::vector<double> Scales = std::vector<double>(PriorParameters::DefaultScales.begin(), PriorParameters::DefaultScales.end());
  double              IntegrationScale{ PriorParameters::IntegrationScale.Default };
  double              MagnitudeScale{ PriorParameters::MagnitudeScale.Default };
};

/** Padding (pixels, each side, each axis) that ComputeGradientPrior() needs around the region it computes. */
SCoPSAMPriors_EXPORT int
GradientPriorReach(const GradientPriorParameters & parameters);

/** Gradient prior of the region inside `padded` (padding GradientPriorReach() on each side of each of the first
 * `dimension` axes). Writes the squashed scale-normalised gradient magnitude to `magnitude` and, when `coherence` is
 * not null, the structure-tensor coherence to `coherence`; both have the unpadded size and lie in [0, 1]. */
SCoPSAMPriors_EXPORT void
ComputeGradientPrior(const float *                   padded,
                     const BufferSize &              paddedSize,
                     unsigned int                    dimension,
                     const GradientPriorParameters & parameters,
                     float *                         magnitude,
                     float *                         coherence);

/** Parameters of the grayscale prior (see itk::GrayscalePriorFilter for their meaning; defaults and ranges in
 * scopsamPriorParameters.h). */
struct GrayscalePriorParameters
{
  int      WindowRadius{ static_cast<int>(PriorParameters::WindowRadius.Default) };
  double   Epsilon{ PriorParameters::Epsilon.Default };
  double   ContrastScale{ PriorParameters::ContrastScale.Default };
  Polarity PhasePolarity{ PriorParameters::DefaultPolarity };
  double   MatrixMode{ 0.5 };
  double   GlobalScale{ PriorParameters::GlobalScale.Default };
};

/** Padding that ComputeGrayscalePrior() needs: the window radius. */
SCoPSAMPriors_EXPORT int
GrayscalePriorReach(const GrayscalePriorParameters & parameters);

/** Grayscale prior of the region inside `padded`. Writes the squashed local contrast to `local` and, when `global`
 * is not null, the squashed departure from the matrix mode to `global`. Window sums are exact (integer-valued fixed point), so the
 * result does not depend on where the region starts. */
SCoPSAMPriors_EXPORT void
ComputeGrayscalePrior(const float *                    padded,
                      const BufferSize &               paddedSize,
                      unsigned int                     dimension,
                      const GrayscalePriorParameters & parameters,
                      float *                          local,
                      float *                          global);

} // namespace scopsam

#endif
