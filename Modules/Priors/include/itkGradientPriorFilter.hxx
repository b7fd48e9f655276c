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
#ifndef itkGradientPriorFilter_hxx
#define itkGradientPriorFilter_hxx

namespace itk
{

template <typename TInputImage, typename TOutputImage>
void
GradientPriorFilter<TInputImage, TOutputImage>::SetScales(const ScalesType & scales)
{
  constexpr auto maximum = scopsam::PriorParameters::MaximumNumberOfScales;
  if (scales.empty() || scales.size() > maximum)
  {
    itkExceptionMacro("Scales must hold 1 to " << maximum << " values, got " << scales.size());
  }
  for (const double s : scales)
  {
    if (!scopsam::PriorParameters::ScaleRange.Contains(s))
    {
      itkExceptionMacro("each of the Scales must be " << scopsam::PriorParameters::ScaleRange.Requirement() << ", got "
                                                       << s);
    }
  }
  if (scales != m_Scales)
  {
    m_Scales = scales;
    this->Modified();
  }
}

template <typename TInputImage, typename TOutputImage>
scopsam::GradientPriorParameters
GradientPriorFilter<TInputImage, TOutputImage>::GetParameters() const
{
  scopsam::GradientPriorParameters parameters;
  parameters.Scales = m_Scales;
  parameters.IntegrationScale = m_IntegrationScale;
  parameters.MagnitudeScale = m_MagnitudeScale;
  return parameters;
}

template <typename TInputImage, typename TOutputImage>
unsigned int
GradientPriorFilter<TInputImage, TOutputImage>::GetReach() const
{
  return static_cast<unsigned int>(scopsam::GradientPriorReach(this->GetParameters()));
}

template <typename TInputImage, typename TOutputImage>
void
GradientPriorFilter<TInputImage, TOutputImage>::ComputePrior(const float *               padded,
                                                              const scopsam::BufferSize & paddedSize,
                                                              float *                     magnitude,
                                                              float *                     coherence) const
{
  scopsam::ComputeGradientPrior(
    padded, paddedSize, TInputImage::ImageDimension, this->GetParameters(), magnitude, coherence);
}

template <typename TInputImage, typename TOutputImage>
void
GradientPriorFilter<TInputImage, TOutputImage>::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "Scales:";
  for (const double s : m_Scales)
  {
    os << ' ' << s;
  }
  os << std::endl;
  os << indent << "IntegrationScale: " << m_IntegrationScale << std::endl;
  os << indent << "MagnitudeScale: " << m_MagnitudeScale << std::endl;
}

} // namespace itk

#endif
