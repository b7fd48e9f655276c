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
#ifndef itkRobustIntensityRangeCalculator_hxx
#define itkRobustIntensityRangeCalculator_hxx

#include "itkImageRegionConstIterator.h"
#include "itkImageRegionSplitterSlowDimension.h"
#include "itkMath.h"

#include <limits>
#include <type_traits>
#include <vector>

namespace itk
{

template <typename TInputImage>
template <typename TVisitor>
void
RobustIntensityRangeCalculator<TInputImage>::VisitPixels(TVisitor && visitor)
{
  // const_cast: updating a pipeline's output in pieces is what StreamingImageFilter does to its input; the data
  // are not changed, and the requested region is put back as it was.
  auto * image = const_cast<ImageType *>(m_Image.GetPointer());
  if (image->GetSource() != nullptr)
  {
    image->UpdateOutputInformation();
  }
  const RegionType largest = image->GetLargestPossibleRegion();
  if (largest.GetNumberOfPixels() == 0)
  {
    itkExceptionMacro("the image is empty (0 pixels): no intensity range can be computed");
  }
  if (image->GetSource() == nullptr)
  {
    if (!image->GetBufferedRegion().IsInside(largest))
    {
      itkExceptionMacro("an image without a pipeline source must have its whole largest possible region buffered");
    }
    for (ImageRegionConstIterator<ImageType> it(image, largest); !it.IsAtEnd(); ++it)
    {
      visitor(it.Get());
    }
    return;
  }
  const RegionType saved = image->GetRequestedRegion();
  const auto       splitter = ImageRegionSplitterSlowDimension::New();
  const unsigned   pieces = splitter->GetNumberOfSplits(largest, std::max(1u, m_NumberOfStreamDivisions));
  for (unsigned int piece = 0; piece < pieces; ++piece)
  {
    RegionType region = largest;
    splitter->GetSplit(piece, pieces, region);
    image->SetRequestedRegion(region);
    image->PropagateRequestedRegion();
    image->UpdateOutputData();
    for (ImageRegionConstIterator<ImageType> it(image, region); !it.IsAtEnd(); ++it)
    {
      visitor(it.Get());
    }
  }
  // Put the pipeline back as it was asked for: upstream filters hold the last piece's requested regions now.
  image->SetRequestedRegion(saved);
  image->PropagateRequestedRegion();
}

template <typename TInputImage>
void
RobustIntensityRangeCalculator<TInputImage>::Compute()
{
  if (m_Image.IsNull())
  {
    itkExceptionMacro("no image to compute an intensity range of");
  }
  if (!(m_LowerPercentile >= 0.0 && m_LowerPercentile < 0.5) || !(m_UpperPercentile > 0.5 && m_UpperPercentile <= 1.0))
  {
    itkExceptionMacro("percentiles must satisfy 0 <= lower < 0.5 < upper <= 1, got " << m_LowerPercentile << " and "
                                                                                      << m_UpperPercentile);
  }
  using ValueType = typename NumericTraits<PixelType>::ValueType;
  static_assert(std::is_arithmetic<ValueType>::value, "RobustIntensityRangeCalculator needs a scalar pixel type");

  std::vector<std::uint64_t> counts;
  double                     origin = 0.0;
  double                     width = 1.0;
  bool                       integerBins = false;
  if constexpr (std::is_integral<ValueType>::value && sizeof(ValueType) <= 2)
  {
    integerBins = true;
    origin = static_cast<double>(std::numeric_limits<ValueType>::lowest());
    counts.assign(static_cast<std::size_t>(std::numeric_limits<ValueType>::max()) -
                    static_cast<std::size_t>(static_cast<std::int64_t>(std::numeric_limits<ValueType>::lowest())) + 1,
                  0);
    VisitPixels([&](ValueType v) { ++counts[static_cast<std::size_t>(static_cast<double>(v) - origin)]; });
  }
  else
  {
    double minimum = std::numeric_limits<double>::max();
    double maximum = std::numeric_limits<double>::lowest();
    bool   finite = true;
    VisitPixels([&](ValueType v) {
      const auto value = static_cast<double>(v);
      if (!std::isfinite(value))
      {
        finite = false;
        return;
      }
      minimum = std::min(minimum, value);
      maximum = std::max(maximum, value);
    });
    if (!finite)
    {
      itkExceptionMacro("the image holds NaN or infinite values");
    }
    constexpr std::size_t bins = 65536;
    counts.assign(bins, 0);
    origin = minimum;
    width = maximum > minimum ? (maximum - minimum) / static_cast<double>(bins) : 1.0;
    VisitPixels([&](ValueType v) {
      const double b = (static_cast<double>(v) - origin) / width;
      ++counts[std::min<std::size_t>(bins - 1, static_cast<std::size_t>(std::max(0.0, b)))];
    });
  }
  m_Statistics = scopsam::StatisticsFromHistogram(counts, origin, width, m_LowerPercentile, m_UpperPercentile, integerBins);
}

template <typename TInputImage>
void
RobustIntensityRangeCalculator<TInputImage>::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "LowerPercentile: " << m_LowerPercentile << std::endl;
  os << indent << "UpperPercentile: " << m_UpperPercentile << std::endl;
  os << indent << "NumberOfStreamDivisions: " << m_NumberOfStreamDivisions << std::endl;
  os << indent << "Statistics: [" << m_Statistics.Lower << ", " << m_Statistics.Upper
     << "], mode " << m_Statistics.MatrixMode << std::endl;
}

} // namespace itk

#endif
