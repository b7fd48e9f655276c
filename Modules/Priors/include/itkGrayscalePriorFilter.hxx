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
#ifndef itkGrayscalePriorFilter_hxx
#define itkGrayscalePriorFilter_hxx

#include <vector>

namespace itk
{

template <typename TInputImage, typename TOutputImage>
void
GrayscalePriorFilter<TInputImage, TOutputImage>::SetPolarity(PolarityEnum polarity)
{
  try
  {
    scopsam::PolarityName(polarity);
  }
  catch (const std::invalid_argument &)
  {
    itkExceptionMacro("Polarity must be Bright, Dark or Both, got " << static_cast<int>(polarity));
  }
  if (polarity != m_Polarity)
  {
    m_Polarity = polarity;
    this->Modified();
  }
}

template <typename TInputImage, typename TOutputImage>
void
GrayscalePriorFilter<TInputImage, TOutputImage>::SetMatrixMode(double mode)
{
  if (!(mode >= 0.0 && mode <= 1.0))
  {
    itkExceptionMacro("MatrixMode must be a normalised gray level in [0, 1], got " << mode);
  }
  if (!m_MatrixModeIsSet || mode != m_MatrixMode)
  {
    m_MatrixMode = mode;
    m_MatrixModeIsSet = true;
    this->Modified();
  }
}

template <typename TInputImage, typename TOutputImage>
void
GrayscalePriorFilter<TInputImage, TOutputImage>::ClearMatrixMode()
{
  if (m_MatrixModeIsSet)
  {
    m_MatrixModeIsSet = false;
    this->Modified();
  }
}

template <typename TInputImage, typename TOutputImage>
bool
GrayscalePriorFilter<TInputImage, TOutputImage>::NeedsHistogramPass() const
{
  const bool needsMode = (m_UseGlobalTerm || Superclass::GetNumberOfOutputComponents() == 2) && !m_MatrixModeIsSet;
  return Superclass::NeedsHistogramPass() || needsMode;
}

template <typename TInputImage, typename TOutputImage>
scopsam::GrayscalePriorParameters
GrayscalePriorFilter<TInputImage, TOutputImage>::GetParameters() const
{
  scopsam::GrayscalePriorParameters parameters;
  parameters.WindowRadius = static_cast<int>(m_WindowRadius);
  parameters.Epsilon = m_Epsilon;
  parameters.ContrastScale = m_ContrastScale;
  parameters.PhasePolarity = m_Polarity;
  parameters.GlobalScale = m_GlobalScale;
  parameters.MatrixMode = m_MatrixModeIsSet ? m_MatrixMode : this->GetIntensityStatistics().MatrixMode;
  return parameters;
}

template <typename TInputImage, typename TOutputImage>
unsigned int
GrayscalePriorFilter<TInputImage, TOutputImage>::GetReach() const
{
  return m_WindowRadius;
}

template <typename TInputImage, typename TOutputImage>
void
GrayscalePriorFilter<TInputImage, TOutputImage>::ComputePrior(const float *               padded,
                                                               const scopsam::BufferSize & paddedSize,
                                                               float *                     local,
                                                               float *                     global) const
{
  const auto parameters = this->GetParameters();
  if (global != nullptr || !m_UseGlobalTerm)
  {
    scopsam::ComputeGrayscalePrior(padded, paddedSize, TInputImage::ImageDimension, parameters, local, global);
    return;
  }
  // A scalar output with the global term: the larger of the two.
  std::size_t count = 1;
  for (unsigned int a = 0; a < TInputImage::ImageDimension; ++a)
  {
    count *= paddedSize[a] - 2 * m_WindowRadius;
  }
  std::vector<float> globalTerm(count);
  scopsam::ComputeGrayscalePrior(padded, paddedSize, TInputImage::ImageDimension, parameters, local, globalTerm.data());
  for (std::size_t i = 0; i < count; ++i)
  {
    local[i] = std::max(local[i], globalTerm[i]);
  }
}

template <typename TInputImage, typename TOutputImage>
void
GrayscalePriorFilter<TInputImage, TOutputImage>::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "WindowRadius: " << m_WindowRadius << std::endl;
  os << indent << "Epsilon: " << m_Epsilon << std::endl;
  os << indent << "ContrastScale: " << m_ContrastScale << std::endl;
  os << indent << "Polarity: " << scopsam::PolarityName(m_Polarity) << std::endl;
  os << indent << "UseGlobalTerm: " << m_UseGlobalTerm << std::endl;
  os << indent << "GlobalScale: " << m_GlobalScale << std::endl;
  os << indent << "MatrixMode: " << m_MatrixMode << (m_MatrixModeIsSet ? "" : " (from the histogram)") << std::endl;
}

} // namespace itk

#endif
