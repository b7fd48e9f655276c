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
#ifndef itkPriorImageFilterBase_hxx
#define itkPriorImageFilterBase_hxx

#include "itkDefaultConvertPixelTraits.h"

#include <algorithm>
#include <vector>

#include "itkTotalProgressReporter.h"

namespace itk
{

template <typename TInputImage, typename TOutputImage>
PriorImageFilterBase<TInputImage, TOutputImage>::PriorImageFilterBase()
{
  m_IntensityRange[0] = 0.0;
  m_IntensityRange[1] = 1.0;
  this->DynamicMultiThreadingOn();
  this->ThreaderUpdateProgressOff();
}

template <typename TInputImage, typename TOutputImage>
void
PriorImageFilterBase<TInputImage, TOutputImage>::SetIntensityRange(const IntensityRangeType & range)
{
  if (!(range[0] < range[1]) || !std::isfinite(range[0]) || !std::isfinite(range[1]))
  {
    itkExceptionMacro("IntensityRange must be finite with lower < upper, got [" << range[0] << ", " << range[1] << "]");
  }
  if (!m_IntensityRangeIsSet || m_IntensityRange != range)
  {
    m_IntensityRange = range;
    m_IntensityRangeIsSet = true;
    this->Modified();
  }
}

template <typename TInputImage, typename TOutputImage>
void
PriorImageFilterBase<TInputImage, TOutputImage>::ClearIntensityRange()
{
  if (m_IntensityRangeIsSet)
  {
    m_IntensityRangeIsSet = false;
    this->Modified();
  }
}

template <typename TInputImage, typename TOutputImage>
unsigned int
PriorImageFilterBase<TInputImage, TOutputImage>::GetNumberOfOutputComponents()
{
  return DefaultConvertPixelTraits<OutputPixelType>::GetNumberOfComponents();
}

template <typename TInputImage, typename TOutputImage>
void
PriorImageFilterBase<TInputImage, TOutputImage>::VerifyPreconditions() ITKv5_CONST
{
  Superclass::VerifyPreconditions();
  const unsigned int components = GetNumberOfOutputComponents();
  if (components != 1 && components != 2)
  {
    itkExceptionMacro("the output pixel must have 1 or 2 components, it has " << components);
  }
}

template <typename TInputImage, typename TOutputImage>
void
PriorImageFilterBase<TInputImage, TOutputImage>::GenerateInputRequestedRegion()
{
  Superclass::GenerateInputRequestedRegion();
  auto * input = const_cast<InputImageType *>(this->GetInput());
  if (input == nullptr)
  {
    return;
  }
  typename InputImageType::RegionType requested = input->GetRequestedRegion();
  requested.PadByRadius(static_cast<typename InputImageType::OffsetValueType>(this->GetReach()));
  // Near the image border the padding is replaced by replicating the border, so cropping loses nothing.
  requested.Crop(input->GetLargestPossibleRegion());
  input->SetRequestedRegion(requested);
}

template <typename TInputImage, typename TOutputImage>
void
PriorImageFilterBase<TInputImage, TOutputImage>::UpdateOutputData(DataObject * output)
{
  const InputImageType * input = this->GetInput();
  if (input != nullptr)
  {
    if (!this->NeedsHistogramPass())
    {
      m_Statistics.Lower = m_IntensityRange[0];
      m_Statistics.Upper = m_IntensityRange[1];
    }
    else
    {
      m_Statistics = m_StatisticsCache.Get(this, input, m_LowerPercentile, m_UpperPercentile,
                                           m_NumberOfHistogramStreamDivisions);
      if (m_IntensityRangeIsSet)
      {
        m_Statistics.Lower = m_IntensityRange[0];
        m_Statistics.Upper = m_IntensityRange[1];
      }
    }
  }
  Superclass::UpdateOutputData(output);
}

template <typename TInputImage, typename TOutputImage>
void
PriorImageFilterBase<TInputImage, TOutputImage>::DynamicThreadedGenerateData(const OutputImageRegionType & outputRegion)
{
  const InputImageType * input = this->GetInput();
  OutputImageType *      output = this->GetOutput();
  const auto             largest = input->GetLargestPossibleRegion();
  const auto             normalize = scopsam::IntensityNormalization::FromRange(m_Statistics.Lower, m_Statistics.Upper);
  const auto             reach = static_cast<IndexValueType>(this->GetReach());
  const unsigned int     components = GetNumberOfOutputComponents();
  const InputPixelType * inputBuffer = input->GetBufferPointer();
  OutputPixelType *      outputBuffer = output->GetBufferPointer();
  constexpr unsigned int D = ImageDimension;
  constexpr unsigned int slabAxis = D - 1;
  TotalProgressReporter  progress(this, output->GetRequestedRegion().GetNumberOfPixels());

  // Blocks of at most BlockWidth columns and about BlockPixels output pixels, cut along x and the slowest axis:
  // their buffers stay in a core's cache and the memory a work unit holds does not grow with the region.
  const SizeValueType blockWidth = std::min<SizeValueType>(outputRegion.GetSize(0), BlockWidth);
  const SizeValueType sliceSize = blockWidth * (D == 3 ? outputRegion.GetSize(1) : 1);
  const SizeValueType slabThickness =
    D == 1 ? 1 : std::max<SizeValueType>(1, BlockPixels / std::max<SizeValueType>(1, sliceSize));

  std::vector<float> padded;
  std::vector<float> first;
  std::vector<float> second;
  for (SizeValueType slabStart = 0; slabStart < (D == 1 ? 1 : outputRegion.GetSize(slabAxis)); slabStart += slabThickness)
  for (SizeValueType columnStart = 0; columnStart < outputRegion.GetSize(0); columnStart += blockWidth)
  {
    OutputImageRegionType slab = outputRegion;
    slab.SetIndex(0, outputRegion.GetIndex(0) + static_cast<IndexValueType>(columnStart));
    slab.SetSize(0, std::min(blockWidth, outputRegion.GetSize(0) - columnStart));
    if (D > 1)
    {
      slab.SetIndex(slabAxis, outputRegion.GetIndex(slabAxis) + static_cast<IndexValueType>(slabStart));
      slab.SetSize(slabAxis, std::min(slabThickness, outputRegion.GetSize(slabAxis) - slabStart));
    }

    scopsam::BufferSize slabSize{ 1, 1, 1 };
    scopsam::BufferSize paddedSize{ 1, 1, 1 };
    for (unsigned int a = 0; a < D; ++a)
    {
      slabSize[a] = slab.GetSize(a);
      paddedSize[a] = slab.GetSize(a) + 2 * static_cast<std::size_t>(reach);
    }
    padded.resize(scopsam::NumberOfPixels(paddedSize));
    first.resize(scopsam::NumberOfPixels(slabSize));
    second.resize(components == 2 ? first.size() : 0);

    // Fill the padded slab, replicating the border of the largest possible region.
    const auto clampToImage = [&](unsigned int axis, IndexValueType i) {
      const IndexValueType lo = largest.GetIndex(axis);
      const IndexValueType hi = lo + static_cast<IndexValueType>(largest.GetSize(axis)) - 1;
      return std::min(hi, std::max(lo, i));
    };
    std::size_t out = 0;
    for (std::size_t z = 0; z < paddedSize[2]; ++z)
    {
      for (std::size_t y = 0; y < paddedSize[1]; ++y)
      {
        typename InputImageType::IndexType rowStart;
        rowStart[0] = largest.GetIndex(0);
        if (D > 1)
        {
          rowStart[1 % D] = clampToImage(1, slab.GetIndex(1 % D) - reach + static_cast<IndexValueType>(y));
        }
        if (D > 2)
        {
          rowStart[2 % D] = clampToImage(2, slab.GetIndex(2 % D) - reach + static_cast<IndexValueType>(z));
        }
        // Offset of the row's first pixel inside the buffered region (which holds every clamped index).
        const OffsetValueType rowOffset = input->ComputeOffset(rowStart);
        // Replicate the border: the columns left and right of the image repeat its first and last pixel; the
        // columns inside are normalised in one run.
        const IndexValueType  x0 = slab.GetIndex(0) - reach;
        const IndexValueType  imageStart = largest.GetIndex(0);
        const IndexValueType  imageEnd = imageStart + static_cast<IndexValueType>(largest.GetSize(0));
        const IndexValueType  insideStart = std::max(x0, imageStart);
        const IndexValueType  insideEnd = std::min(x0 + static_cast<IndexValueType>(paddedSize[0]), imageEnd);
        const InputPixelType * row = inputBuffer + rowOffset;
        float *                target = padded.data() + out;
        normalize.Apply(row + (insideStart - imageStart), static_cast<std::size_t>(insideEnd - insideStart), target + (insideStart - x0));
        for (IndexValueType x = x0; x < insideStart; ++x)
        {
          target[x - x0] = target[insideStart - x0];
        }
        for (IndexValueType x = insideEnd; x < x0 + static_cast<IndexValueType>(paddedSize[0]); ++x)
        {
          target[x - x0] = target[insideEnd - 1 - x0];
        }
        out += paddedSize[0];
      }
    }

    this->ComputePrior(padded.data(), paddedSize, first.data(), components == 2 ? second.data() : nullptr);

    std::size_t in = 0;
    for (std::size_t z = 0; z < slabSize[2]; ++z)
    {
      for (std::size_t y = 0; y < slabSize[1]; ++y)
      {
        typename OutputImageType::IndexType rowStart = slab.GetIndex();
        if (D > 1)
        {
          rowStart[1 % D] += static_cast<IndexValueType>(y);
        }
        if (D > 2)
        {
          rowStart[2 % D] += static_cast<IndexValueType>(z);
        }
        OutputPixelType * row = outputBuffer + output->ComputeOffset(rowStart);
        for (std::size_t x = 0; x < slabSize[0]; ++x, ++in)
        {
          DefaultConvertPixelTraits<OutputPixelType>::SetNthComponent(0, row[x], first[in]);
          if (components == 2)
          {
            DefaultConvertPixelTraits<OutputPixelType>::SetNthComponent(1, row[x], second[in]);
          }
        }
      }
    }
    progress.Completed(slab.GetNumberOfPixels());
  }
}

template <typename TInputImage, typename TOutputImage>
void
PriorImageFilterBase<TInputImage, TOutputImage>::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "IntensityRange: " << m_IntensityRange << (m_IntensityRangeIsSet ? "" : " (computed)") << std::endl;
  os << indent << "LowerPercentile: " << m_LowerPercentile << std::endl;
  os << indent << "UpperPercentile: " << m_UpperPercentile << std::endl;
  os << indent << "NumberOfHistogramStreamDivisions: " << m_NumberOfHistogramStreamDivisions << std::endl;
  os << indent << "Reach: " << this->GetReach() << std::endl;
}

} // namespace itk

#endif
