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

  /** Gaussian scales (pixels) of the gradient magnitude. Default {1, 2, 4}; 1 to 8 scales, each in [0.5, 32]. */
  virtual void
  SetScales(const ScalesType & scales);
  itkGetConstReferenceMacro(Scales, ScalesType);

  /** Integration scale (pixels) of the structure tensor. Default 2; range [0.5, 32]. */
  scopsamSetCheckedMacro(IntegrationScale, double, _arg >= 0.5 && _arg <= 32.0, "in [0.5, 32] pixels");
  itkGetConstMacro(IntegrationScale, double);

  /** Magnitude (normalised gray levels) that the squashing maps to 1 - 1/e. Default 0.05; range (0, 10]. */
  scopsamSetCheckedMacro(MagnitudeScale, double, _arg > 0.0 && _arg <= 10.0, "in (0, 10]");
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

  ScalesType m_Scales{ 1.0, 2.0, 4.0 };
  double     m_IntegrationScale{ 2.0 };
  double     m_MagnitudeScale{ 0.05 };
};

} // namespace itk

#ifndef ITK_MANUAL_INSTANTIATION
#  include "itkGradientPriorFilter.hxx"
#endif

#endif
