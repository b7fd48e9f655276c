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
#ifndef itkGradientPriorFilter_h
#define itkGradientPriorFilter_h

#include "itkPriorImageFilterBase.h"

#include <vector>

namespace itk
{

/** \class GradientPriorFilter
 * \brief SCoP-SAM's gradient prior: where the micrograph has structure, and of what kind.
 *
 * On the normalised image (see PriorImageFilterBase) the filter computes
 * - the scale-normalised Gaussian gradient magnitude sigma * |grad (G_sigma * I)| at each of the Scales, takes the
 *   maximum over scales (small particles answer at small sigma, blurred boundaries at large sigma) and squashes it
 *   to [0, 1) with 1 - exp(-m / MagnitudeScale); a step of height h gives m = h / sqrt(2 pi) at every scale;
 * - the coherence ((l1 - l2) / (l1 + l2))^2 of the structure tensor built from the gradient at the smallest scale
 *   and integrated by a Gaussian of IntegrationScale (l1, l2 the largest and smallest eigenvalue): near 1 on edges,
 *   needles and lamellae, small on noise and in flat regions.
 *
 * The Gaussians are sampled FIR kernels truncated at 3 sigma, so the filter's reach is bounded and it streams.
 * A scalar output pixel receives the magnitude; a two-component pixel (e.g. itk::Vector<float, 2>) the magnitude
 * and the coherence. Sizes are in pixels (micrograph spacings are rarely trustworthy).
 *
 * \ingroup SCoPSAMPriors
 */
template <typename TInputImage, typename TOutputImage = Image<float, TInputImage::ImageDimension>>
class ITK_TEMPLATE_EXPORT GradientPriorFilter : public PriorImageFilterBase<TInputImage, TOutputImage>
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(GradientPriorFilter);

  using Self = GradientPriorFilter;
  using Superclass = PriorImageFilterBase<TInputImage, TOutputImage>;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;
  using ScalesType = std::vector<double>;

  itkNewMacro(Self);
  itkTypeMacro(GradientPriorFilter, PriorImageFilterBase);

  /** Gaussian scales (pixels) of the gradient magnitude: 1 to scopsam::PriorParameters::MaximumNumberOfScales
   * scales, each in ScaleRange; default DefaultScales ({1, 2, 4}). Defaults and ranges: scopsamPriorParameters.h. */
  virtual void
  SetScales(const ScalesType & scales);
  itkGetConstReferenceMacro(Scales, ScalesType);

  /** Integration scale (pixels) of the structure tensor (scopsam::PriorParameters::IntegrationScale: default 2). */
  scopsamSetPriorParameterMacro(IntegrationScale, double, scopsam::PriorParameters::IntegrationScale);
  itkGetConstMacro(IntegrationScale, double);

  /** Magnitude (normalised gray levels) that the squashing maps to 1 - 1/e (scopsam::PriorParameters::MagnitudeScale:
   * default 0.05). */
  scopsamSetPriorParameterMacro(MagnitudeScale, double, scopsam::PriorParameters::MagnitudeScale);
  itkGetConstMacro(MagnitudeScale, double);

  unsigned int
  GetReach() const override;

protected:
  GradientPriorFilter() = default;
  ~GradientPriorFilter() override = default;
  void
  PrintSelf(std::ostream & os, Indent indent) const override;

  void
  ComputePrior(const float *               padded,
               const scopsam::BufferSize & paddedSize,
               float *                     magnitude,
               float *                     coherence) const override;

private:
  scopsam::GradientPriorParameters
  GetParameters() const;

  ScalesType m_Scales = ScalesType(scopsam::PriorParameters::DefaultScales.begin(),
                                   scopsam::PriorParameters::DefaultScales.end());
  double     m_IntegrationScale{ scopsam::PriorParameters::IntegrationScale.Default };
  double     m_MagnitudeScale{ scopsam::PriorParameters::MagnitudeScale.Default };
};

} // namespace itk

#ifndef ITK_MANUAL_INSTANTIATION
#  include "itkGradientPriorFilter.hxx"
#endif

#endif
