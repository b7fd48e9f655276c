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
#ifndef itkGrayscalePriorFilter_h
#define itkGrayscalePriorFilter_h

#include "itkPriorImageFilterBase.h"

namespace itk
{

/** \class GrayscalePriorFilter
 * \brief SCoP-SAM's grayscale prior: how far a pixel's gray level departs from its surroundings.
 *
 * On the normalised image I (see PriorImageFilterBase) the filter computes the local contrast
 * z = (I - mean_W) / (std_W + Epsilon) over a box window W of half-width WindowRadius (much larger than a
 * particle), keeps the departure of the chosen Polarity (Bright: max(z, 0); Dark: max(-z, 0); Both: |z|) and
 * squashes it to [0, 1) with 1 - exp(-z / ContrastScale). Window sums are exact fixed-point running sums, so the
 * cost does not depend on the window and the result not on the region split.
 *
 * The global term is the departure of I from the matrix mode (the most frequent normalised gray level of the whole
 * image, from the histogram pass, or SetMatrixMode()), with the same polarity, squashed by GlobalScale. A
 * two-component output pixel receives (local, global); a scalar output receives the local term, or
 * max(local, global) when UseGlobalTerm is on.
 *
 * \ingroup SCoPSAMPriors
 */
template <typename TInputImage, typename TOutputImage = Image<float, TInputImage::ImageDimension>>
class ITK_TEMPLATE_EXPORT GrayscalePriorFilter : public PriorImageFilterBase<TInputImage, TOutputImage>
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(GrayscalePriorFilter);

  using Self = GrayscalePriorFilter;
  using Superclass = PriorImageFilterBase<TInputImage, TOutputImage>;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;

  itkNewMacro(Self);
  itkTypeMacro(GrayscalePriorFilter, PriorImageFilterBase);

  /** Which phase the prior lights up: scopsam::Polarity, the one polarity type (names and parser in
   * scopsamPriorParameters.h). */
  using PolarityEnum = scopsam::Polarity;

  /** Half-width (pixels) of the local window (scopsam::PriorParameters::WindowRadius: default 15, a 31-pixel
   * window). Defaults and ranges: scopsamPriorParameters.h. */
  scopsamSetPriorParameterMacro(WindowRadius, unsigned int, scopsam::PriorParameters::WindowRadius);
  itkGetConstMacro(WindowRadius, unsigned int);

  /** Added to the local standard deviation (normalised gray levels) so that flat, noiseless areas do not blow up
   * (scopsam::PriorParameters::Epsilon: default 0.02). */
  scopsamSetPriorParameterMacro(Epsilon, double, scopsam::PriorParameters::Epsilon);
  itkGetConstMacro(Epsilon, double);

  /** Local contrast (in standard deviations) mapped to 1 - 1/e (scopsam::PriorParameters::ContrastScale: default 2). */
  scopsamSetPriorParameterMacro(ContrastScale, double, scopsam::PriorParameters::ContrastScale);
  itkGetConstMacro(ContrastScale, double);

  /** Phase polarity. Default Both. */
  virtual void
  SetPolarity(PolarityEnum polarity);
  itkGetConstMacro(Polarity, PolarityEnum);

  /** Fold the global term into a scalar output. Default off. */
  itkSetMacro(UseGlobalTerm, bool);
  itkGetConstMacro(UseGlobalTerm, bool);
  itkBooleanMacro(UseGlobalTerm);

  /** Departure from the matrix mode (normalised gray levels) mapped to 1 - 1/e (scopsam::PriorParameters::GlobalScale:
   * default 0.1). */
  scopsamSetPriorParameterMacro(GlobalScale, double, scopsam::PriorParameters::GlobalScale);
  itkGetConstMacro(GlobalScale, double);

  /** The matrix gray level (normalised, [0, 1]). Unset by default: taken from the histogram pass. */
  virtual void
  SetMatrixMode(double mode);
  itkGetConstMacro(MatrixMode, double);
  virtual void
  ClearMatrixMode();

  unsigned int
  GetReach() const override;

protected:
  GrayscalePriorFilter() = default;
  ~GrayscalePriorFilter() override = default;
  void
  PrintSelf(std::ostream & os, Indent indent) const override;

  bool
  NeedsHistogramPass() const override;

  void
  ComputePrior(const float *               padded,
               const scopsam::BufferSize & paddedSize,
               float *                     local,
               float *                     global) const override;

private:
  scopsam::GrayscalePriorParameters
  GetParameters() const;

  unsigned int m_WindowRadius{ static_cast<unsigned int>(scopsam::PriorParameters::WindowRadius.Default) };
  double       m_Epsilon{ scopsam::PriorParameters::Epsilon.Default };
  double       m_ContrastScale{ scopsam::PriorParameters::ContrastScale.Default };
  PolarityEnum m_Polarity{ scopsam::PriorParameters::DefaultPolarity };
  bool         m_UseGlobalTerm{ false };
  double       m_GlobalScale{ scopsam::PriorParameters::GlobalScale.Default };
  double       m_MatrixMode{ 0.5 };
  bool         m_MatrixModeIsSet{ false };
};


} // namespace itk

#ifndef ITK_MANUAL_INSTANTIATION
#  include "itkGrayscalePriorFilter.hxx"
#endif

#endif
