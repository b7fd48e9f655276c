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
#ifndef itkSCoPSAMSegmentationFilter_hxx
#define itkSCoPSAMSegmentationFilter_hxx

#include "itkGradientPriorFilter.h"
#include "itkGrayscalePriorFilter.h"
#include "itkImageRegionConstIterator.h"
#include "itkImageRegionIterator.h"
#include "itkImageRegionIteratorWithIndex.h"
#include "itkLinearInterpolateImageFunction.h"
#include "itkNearestNeighborExtrapolateImageFunction.h"
#include "itkResampleImageFilter.h"
#include "itkRobustIntensityRangeCalculator.h"
#include "itkVector.h"
#include "scopsamPriorPlanes.h"
#include "scopsamSegmentationSupport.h"
#include "scopsamThreadSettings.h"
#include "scopsamErrors.h"
#include "scopsamImageIO.h"
#include "scopsamIntensityNormalization.h"

#include "scopsamOpenCVBridge.h"

#include <opencv2/core.hpp>

#include <algorithm>
#include <atomic>
#include <sstream>

namespace itk
{

namespace SCoPSAMSegmentationDetail
{
/** Bad prompts or inputs: an InvalidArgumentError, which the front ends report as bad input. */
[[noreturn]] inline void
ThrowInvalidArgument(const char * file, unsigned int line, const std::string & message)
{
  InvalidArgumentError e(file, line);
  e.SetDescription(message);
  e.SetLocation("SCoPSAMSegmentationFilter");
  throw e;
}
} // namespace SCoPSAMSegmentationDetail

template <typename TInputImage, typename TOutputImage>
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::SCoPSAMSegmentationFilter()
{
  this->SetNumberOfRequiredInputs(1);
  this->SetNumberOfRequiredOutputs(2);
  this->SetNthOutput(0, this->MakeOutput(0));
  this->SetNthOutput(1, this->MakeOutput(1));
  this->AddOptionalInputName("ExclusionMask");
  this->AddOptionalInputName("ScribbleImage");
  this->AddOptionalInputName("PreviousMask");
  m_IntensityRange.Fill(0.0);
}

template <typename TInputImage, typename TOutputImage>
DataObject::Pointer
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::MakeOutput(DataObjectPointerArraySizeType index)
{
  if (index == 1)
  {
    return MaskImageType::New().GetPointer();
  }
  return Superclass::MakeOutput(index);
}

template <typename TInputImage, typename TOutputImage>
DataObject::Pointer
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::MakeOutput(const ProcessObject::DataObjectIdentifierType & name)
{
  if (this->IsIndexedOutputName(name))
  {
    return this->MakeOutput(this->MakeIndexFromOutputName(name));
  }
  return Superclass::MakeOutput(name);
}

template <typename TInputImage, typename TOutputImage>
auto
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::GetMaskOutput() -> MaskImageType *
{
  return dynamic_cast<MaskImageType *>(this->ProcessObject::GetOutput(1));
}

template <typename TInputImage, typename TOutputImage>
void
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::SetModelFileName(const std::string & fileName)
{
  if (fileName != m_ModelFileName || m_EngineGiven)
  {
    m_ModelFileName = fileName;
    m_Engine.reset();
    m_EngineGiven = false;
    this->Modified();
  }
}

template <typename TInputImage, typename TOutputImage>
void
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::SetEngine(std::shared_ptr<const scopsam::SegmentationEngine> engine)
{
  m_Engine = std::move(engine);
  m_EngineGiven = m_Engine != nullptr;
  m_ModelFileName.clear();
  this->Modified();
}

template <typename TInputImage, typename TOutputImage>
std::shared_ptr<const scopsam::SegmentationEngine>
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::GetEngine() const
{
  if (!m_Engine)
  {
    scopsam::DeviceOptions device;
    device.Device = m_Device;
    device.HalfPrecision = m_UseHalfPrecision;
    try
    {
      m_Engine = scopsam::LoadSharedEngine(m_ModelFileName, device);
    }
    catch (const scopsam::ModelError & e)
    {
      itkExceptionMacro(<< e.what());
    }
  }
  return m_Engine;
}

template <typename TInputImage, typename TOutputImage>
void
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::SetDevice(const std::string & device)
{
  if (device != "cpu" && device != "auto" && device.rfind("cuda", 0) != 0)
  {
    itkExceptionMacro("Device must be cpu, cuda, cuda:N or auto, got '" << device << "'");
  }
  if (device != m_Device)
  {
    if (m_EngineGiven)
    {
      itkExceptionMacro("the engine given by SetEngine() runs on " << m_Engine->GetDevice()
                                                                  << "; load one for " << device << " or set a model file");
    }
    m_Device = device;
    m_Engine.reset(); // the next GetEngine() loads one for the new device (an engine shared elsewhere stays as it is)
    this->Modified();
  }
}

template <typename TInputImage, typename TOutputImage>
void
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::SetUseHalfPrecision(bool half)
{
  if (half != m_UseHalfPrecision)
  {
    if (m_EngineGiven)
    {
      itkExceptionMacro("the engine given by SetEngine() keeps its precision; load one with the precision wanted or set "
                        "a model file");
    }
    m_UseHalfPrecision = half;
    m_Engine.reset();
    this->Modified();
  }
}

template <typename TInputImage, typename TOutputImage>
void
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::SetScale(double scale)
{
  if (!(scale >= 0.1 && scale <= 10.0))
  {
    itkExceptionMacro("Scale must be in [0.1, 10], got " << scale);
  }
  if (scale != m_Scale)
  {
    m_Scale = scale;
    this->Modified();
  }
}

template <typename TInputImage, typename TOutputImage>
void
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::SetTileSize(unsigned int size)
{
  if (size != 0 && (size < 16 || size > static_cast<unsigned int>(scopsam::MaximumTileSize)))
  {
    itkExceptionMacro("TileSize must be 0 (the model's) or in [16, " << scopsam::MaximumTileSize << "], got " << size);
  }
  if (size != m_TileSize)
  {
    m_TileSize = size;
    this->Modified();
  }
}

template <typename TInputImage, typename TOutputImage>
void
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::SetOverlap(int overlap)
{
  if (overlap < -1 || overlap > 4095)
  {
    itkExceptionMacro("Overlap must be -1 (a quarter of the tile) or in [0, 4095], got " << overlap);
  }
  if (overlap != m_Overlap)
  {
    m_Overlap = overlap;
    this->Modified();
  }
}

template <typename TInputImage, typename TOutputImage>
void
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::SetBatchSize(unsigned int size)
{
  if (size < 1 || size > 1024)
  {
    itkExceptionMacro("BatchSize must be in [1, 1024], got " << size);
  }
  if (size != m_BatchSize)
  {
    m_BatchSize = size;
    this->Modified();
  }
}

template <typename TInputImage, typename TOutputImage>
void
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::SetBlendingWindow(unsigned int window)
{
  if (window > 2)
  {
    itkExceptionMacro("BlendingWindow must be 0 (cosine), 1 (Gaussian) or 2 (flat), got " << window);
  }
  if (window != m_BlendingWindow)
  {
    m_BlendingWindow = window;
    this->Modified();
  }
}

template <typename TInputImage, typename TOutputImage>
void
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::SetThreshold(double threshold)
{
  if (!(threshold >= 0.0 && threshold <= 1.0))
  {
    itkExceptionMacro("Threshold must be in [0, 1], got " << threshold);
  }
  if (threshold != m_Threshold || m_UseModelThreshold)
  {
    m_Threshold = threshold;
    m_UseModelThreshold = false;
    this->Modified();
  }
}

template <typename TInputImage, typename TOutputImage>
void
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::SetUseModelThreshold(bool use)
{
  if (use != m_UseModelThreshold)
  {
    m_UseModelThreshold = use;
    this->Modified();
  }
}

template <typename TInputImage, typename TOutputImage>
double
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::GetEffectiveThreshold() const
{
  if (m_UseModelThreshold && this->UsesAdaptation() && !this->UsesNetworkAlone())
  {
    return scopsam::Adaptation::Threshold; // the head's probability, fitted to 0/1 targets
  }
  return m_UseModelThreshold ? this->GetEngine()->GetConfig().Threshold : m_Threshold;
}

template <typename TInputImage, typename TOutputImage>
auto
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::GetIntensityRangeUsed() const -> IntensityRangeType
{
  if (this->UsesResampling() && m_ResampledFilter)
  {
    return m_ResampledFilter->GetIntensityRangeUsed();
  }
  IntensityRangeType range;
  range[0] = m_Lower;
  range[1] = m_Upper;
  return range;
}

template <typename TInputImage, typename TOutputImage>
bool
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::UsesAdaptation() const
{
  return !m_Clicks.empty() || this->GetScribbleImage() != nullptr || m_AdaptationGiven;
}

template <typename TInputImage, typename TOutputImage>
bool
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::UsesNetworkClicks() const
{
  return m_NetworkClicks && m_Scale == 1.0;
}

template <typename TInputImage, typename TOutputImage>
bool
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::UsesNetworkAlone() const
{
  return this->UsesNetworkClicks() && m_PromptsOnly && !m_Clicks.empty() && this->GetScribbleImage() == nullptr &&
         !m_AdaptationGiven;
}

template <typename TInputImage, typename TOutputImage>
std::size_t
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::GetEmbeddingCacheBytes() const
{
  return m_AutomaticFilter && m_AutomaticFilter->m_Embeddings ? m_AutomaticFilter->m_Embeddings->GetBytes() : 0;
}

template <typename TInputImage, typename TOutputImage>
void
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::SetAdaptation(std::shared_ptr<const scopsam::Adaptation> adaptation)
{
  m_Adaptation = std::move(adaptation);
  m_AdaptationGiven = m_Adaptation != nullptr;
  this->Modified();
}

template <typename TInputImage, typename TOutputImage>
void
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::CheckNewClick(int label) const
{
  if (label != 0 && label != 1)
  {
    itkExceptionMacro("a click's label is 1 (this phase) or 0 (not this phase), got " << label);
  }
  if (m_Clicks.size() >= scopsam::MaximumClicks)
  {
    itkExceptionMacro("at most " << scopsam::MaximumClicks
                                 << " clicks (a click means \"this phase, everywhere\": paint scribbles for more labels)");
  }
}

template <typename TInputImage, typename TOutputImage>
void
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::AddClick(const IndexType & index, int label)
{
  this->CheckNewClick(label);
  m_Clicks.push_back({ static_cast<double>(index[0]), static_cast<double>(index[1]), label, false });
  this->Modified();
}

template <typename TInputImage, typename TOutputImage>
void
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::AddPhysicalClick(const PointType & point, int label)
{
  this->CheckNewClick(label);
  m_Clicks.push_back({ point[0], point[1], label, true });
  this->Modified();
}

template <typename TInputImage, typename TOutputImage>
void
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::ClearClicks()
{
  if (!m_Clicks.empty())
  {
    m_Clicks.clear();
    this->Modified();
  }
}

template <typename TInputImage, typename TOutputImage>
void
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::SetRegionOfInterest(const RegionType & region)
{
  if (region.GetNumberOfPixels() == 0)
  {
    itkExceptionMacro("the region of interest is empty");
  }
  m_RegionOfInterest = region;
  m_HasRegionOfInterest = true;
  this->Modified();
}

template <typename TInputImage, typename TOutputImage>
void
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::ClearRegionOfInterest()
{
  if (m_HasRegionOfInterest)
  {
    m_HasRegionOfInterest = false;
    this->Modified();
  }
}

template <typename TInputImage, typename TOutputImage>
void
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::SetIntensityRange(double lower, double upper)
{
  if (!(lower < upper))
  {
    itkExceptionMacro("IntensityRange must have lower < upper, got [" << lower << ", " << upper << "]");
  }
  m_IntensityRange[0] = lower;
  m_IntensityRange[1] = upper;
  m_IntensityRangeIsSet = true;
  this->Modified();
}

template <typename TInputImage, typename TOutputImage>
void
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::ClearIntensityRange()
{
  if (m_IntensityRangeIsSet)
  {
    m_IntensityRangeIsSet = false;
    this->Modified();
  }
}

template <typename TInputImage, typename TOutputImage>
void
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::SetPriorImage(const PriorImageType * priors)
{
  this->ProcessObject::SetNthInput(1, const_cast<PriorImageType *>(priors));
}

template <typename TInputImage, typename TOutputImage>
auto
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::GetPriorImage() const -> const PriorImageType *
{
  return dynamic_cast<const PriorImageType *>(this->ProcessObject::GetInput(1));
}

template <typename TInputImage, typename TOutputImage>
scopsam::PixelRegion
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::ToPixelRegion(const RegionType & region) const
{
  const auto largest = this->GetInput()->GetLargestPossibleRegion();
  return { region.GetIndex(0) - largest.GetIndex(0), region.GetIndex(1) - largest.GetIndex(1),
           static_cast<std::int64_t>(region.GetSize(0)), static_cast<std::int64_t>(region.GetSize(1)) };
}

template <typename TInputImage, typename TOutputImage>
scopsam::Prompts
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::MakePrompts() const
{
  const InputImageType * input = this->GetInput();
  const auto             largest = input->GetLargestPossibleRegion();
  scopsam::Prompts       prompts;
  for (const auto & click : m_Clicks)
  {
    double x = click.X, y = click.Y;
    if (click.Physical)
    {
      PointType point;
      point[0] = click.X;
      point[1] = click.Y;
      ContinuousIndex<double, ImageDimension> index;
      input->TransformPhysicalPointToContinuousIndex(point, index);
      x = std::round(index[0]);
      y = std::round(index[1]);
    }
    prompts.Clicks.push_back({ x - largest.GetIndex(0), y - largest.GetIndex(1), click.Label });
  }
  if (m_HasRegionOfInterest)
  {
    const auto r = ToPixelRegion(m_RegionOfInterest);
    prompts.HasBox = true;
    prompts.Region = { static_cast<double>(r.X), static_cast<double>(r.Y), static_cast<double>(r.X + r.Width - 1),
                       static_cast<double>(r.Y + r.Height - 1) };
  }
  return prompts;
}

template <typename TInputImage, typename TOutputImage>
scopsam::TilingOptions
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::MakeTilingOptions() const
{
  scopsam::TilingOptions options;
  options.TileSize = static_cast<int>(m_TileSize);
  options.Overlap = m_Overlap;
  options.BatchSize = static_cast<int>(m_BatchSize);
  options.Window = static_cast<scopsam::BlendingWindow>(m_BlendingWindow);
  return options;
}

template <typename TInputImage, typename TOutputImage>
void
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::VerifyPreconditions() ITKv5_CONST
{
  Superclass::VerifyPreconditions();
  this->GetEngine(); // loaded (or its error reported) before the inputs' information is asked for
}

template <typename TInputImage, typename TOutputImage>
void
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::GenerateOutputInformation()
{
  Superclass::GenerateOutputInformation();
  // The tiles of the image the network sees, placed once per image: every region, the engine and the front ends
  // read this grid.
  const auto size = this->NetworkImageSize();
  try
  {
    m_TileGrid = this->GetEngine()->MakeTileGrid(static_cast<std::int64_t>(size[0]), static_cast<std::int64_t>(size[1]),
                                                 this->MakeTilingOptions());
  }
  catch (const scopsam::ModelError & e)
  {
    itkExceptionMacro(<< e.what());
  }
}

template <typename TInputImage, typename TOutputImage>
auto
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::NetworkImageSize() const -> SizeType
{
  SizeType size = this->GetInput()->GetLargestPossibleRegion().GetSize();
  if (this->UsesResampling())
  {
    for (unsigned int d = 0; d < ImageDimension; ++d)
    {
      size[d] = std::max<SizeValueType>(1, static_cast<SizeValueType>(std::lround(size[d] * m_Scale)));
    }
  }
  return size;
}

template <typename TInputImage, typename TOutputImage>
void
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::AddPrediction(const scopsam::PredictionSummary & summary)
{
  // Pieces of one result add up; a new result (the filter or its input changed) starts afresh.
  const InputImageType * input = this->GetInput();
  if (m_PredictionTime < this->GetMTime() || m_PredictionTime < input->GetPipelineMTime())
  {
    m_PredictedIoUSum = 0.0;
    m_PredictedTiles = 0;
  }
  if (summary.PredictedIoU >= 0.0)
  {
    m_PredictedIoUSum += summary.PredictedIoU * static_cast<double>(summary.Tiles);
    m_PredictedTiles += summary.Tiles;
  }
  m_PredictionTime.Modified();
}

template <typename TInputImage, typename TOutputImage>
double
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::GetPredictedIoU() const
{
  if (this->UsesResampling())
  {
    return m_ResampledFilter ? m_ResampledFilter->GetPredictedIoU() : -1.0;
  }
  return m_PredictedTiles > 0 ? m_PredictedIoUSum / static_cast<double>(m_PredictedTiles) : -1.0;
}

// Checks that need the inputs' information (size, channels), which upstream filters provide only after
// VerifyPreconditions(): ITK calls this one once every input's UpdateOutputInformation() has run.
template <typename TInputImage, typename TOutputImage>
void
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::VerifyInputInformation() ITKv5_CONST
{
  Superclass::VerifyInputInformation();
  using SCoPSAMSegmentationDetail::ThrowInvalidArgument;
  const auto engine = this->GetEngine();
  const auto largest = this->GetInput()->GetLargestPossibleRegion();
  for (const auto & click : this->MakePrompts().Clicks)
  {
    if (click.X < 0 || click.Y < 0 || click.X >= largest.GetSize(0) || click.Y >= largest.GetSize(1))
    {
      std::ostringstream message;
      message << "a click at (" << click.X << ", " << click.Y << ") lies outside the image of size " << largest.GetSize(0)
              << "x" << largest.GetSize(1);
      ThrowInvalidArgument(__FILE__, __LINE__, message.str());
    }
  }
  if (m_HasRegionOfInterest && !largest.IsInside(m_RegionOfInterest))
  {
    std::ostringstream message;
    message << "the region of interest (index " << m_RegionOfInterest.GetIndex() << ", size "
            << m_RegionOfInterest.GetSize() << ") does not lie inside the image (index " << largest.GetIndex()
            << ", size " << largest.GetSize() << ")";
    ThrowInvalidArgument(__FILE__, __LINE__, message.str());
  }
  for (const auto & [what, mask] : { std::pair{ "the exclusion mask", this->GetExclusionMask() },
                                      std::pair{ "the scribble image", this->GetScribbleImage() },
                                      std::pair{ "the previous mask", this->GetPreviousMask() } })
  {
    if (mask != nullptr && mask->GetLargestPossibleRegion() != largest)
    {
      std::ostringstream message;
      message << what << " (size " << mask->GetLargestPossibleRegion().GetSize()
              << ") differs in size from the image (size " << largest.GetSize() << ")";
      ThrowInvalidArgument(__FILE__, __LINE__, message.str());
    }
  }
  if (m_AdaptationGiven && (!m_Clicks.empty() || this->GetScribbleImage() != nullptr))
  {
    ThrowInvalidArgument(__FILE__, __LINE__, "give either an adaptation to apply or prompts (clicks, scribbles), not both");
  }
  if (this->UsesResampling() && this->GetPriorImage() != nullptr)
  {
    ThrowInvalidArgument(__FILE__, __LINE__, "given priors are of the input's grid: they cannot be used with Scale != 1");
  }
  if (this->UsesResampling())
  {
    // The input and its resampled copy (float) are held whole, like an image read whole: held to the same memory
    // budget, so that the size after Scale is bounded like an input's (scopsam --memory-budget).
    const auto   size = this->NetworkImageSize();
    const double bytes = static_cast<double>(size[0]) * static_cast<double>(size[1]) * sizeof(float) +
                         static_cast<double>(largest.GetNumberOfPixels()) * sizeof(typename InputImageType::PixelType);
    const std::uint64_t budget = scopsam::GetWholeImageMemoryBudget();
    if (bytes > static_cast<double>(budget))
    {
      std::ostringstream message;
      message << "Scale " << m_Scale << " resamples the image to " << size[0] << "x" << size[1] << " pixels, "
              << bytes / 1073741824.0 << " GiB held whole, more than the memory budget of "
              << static_cast<double>(budget) / 1073741824.0 << " GiB (scopsam --memory-budget)";
      ThrowInvalidArgument(__FILE__, __LINE__, message.str());
    }
  }
  if (const PriorImageType * priors = this->GetPriorImage())
  {
    const int channels = engine->GetConfig().PriorChannels;
    if (static_cast<int>(priors->GetNumberOfComponentsPerPixel()) != channels)
    {
      itkExceptionMacro("the model takes " << channels << " prior channels, the prior image has "
                                           << priors->GetNumberOfComponentsPerPixel());
    }
    if (priors->GetLargestPossibleRegion() != largest)
    {
      itkExceptionMacro("the prior image's region " << priors->GetLargestPossibleRegion() << " differs from the image's "
                                                    << largest);
    }
  }
}

template <typename TInputImage, typename TOutputImage>
void
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::GenerateInputRequestedRegion()
{
  Superclass::GenerateInputRequestedRegion();
  auto * input = const_cast<InputImageType *>(this->GetInput());
  if (input == nullptr)
  {
    return;
  }
  if (this->UsesResampling() || this->UsesAdaptation())
  {
    // The resampled image's whole-image statistics and tiles need the whole input; so does the adaptation's head.
    input->SetRequestedRegionToLargestPossibleRegion();
    for (const char * name : { "ExclusionMask", "ScribbleImage", "PreviousMask" })
    {
      if (auto * mask = dynamic_cast<MaskImageType *>(this->ProcessObject::GetInput(name)))
      {
        mask->SetRequestedRegionToLargestPossibleRegion();
      }
    }
    return;
  }
  const auto largest = input->GetLargestPossibleRegion();
  const auto engine = this->GetEngine();
  const auto needed = m_TileGrid.InputRegion(this->ToPixelRegion(this->GetOutput()->GetRequestedRegion()), this->MakePrompts());
  RegionType region;
  region.SetIndex(0, largest.GetIndex(0) + needed.X);
  region.SetIndex(1, largest.GetIndex(1) + needed.Y);
  region.SetSize(0, static_cast<SizeValueType>(needed.Width));
  region.SetSize(1, static_cast<SizeValueType>(needed.Height));
  if (auto * priors = const_cast<PriorImageType *>(this->GetPriorImage()))
  {
    priors->SetRequestedRegion(region);
    input->SetRequestedRegion(region);
    return;
  }
  // The priors of the needed region need the prior filters' reach around it.
  RegionType padded = region;
  padded.PadByRadius(static_cast<OffsetValueType>(scopsam::PriorReach<ImageDimension>(engine->GetConfig())));
  padded.Crop(largest);
  input->SetRequestedRegion(padded);
}

template <typename TInputImage, typename TOutputImage>
void
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::EnlargeOutputRequestedRegion(DataObject * output)
{
  Superclass::EnlargeOutputRequestedRegion(output);
  if (this->UsesAdaptation())
  {
    output->SetRequestedRegionToLargestPossibleRegion(); // one region: the head is fitted on the whole micrograph
  }
}

template <typename TInputImage, typename TOutputImage>
void
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::UpdateOutputData(DataObject * output)
{
  // Whole-image statistics, once per input: the robust range (unless given) and the matrix mode (for computed
  // priors), in one streamed histogram pass before the first region.
  const InputImageType * input = this->GetInput();
  const bool             needPass = (!m_IntensityRangeIsSet || this->GetPriorImage() == nullptr) &&
                        !this->UsesResampling() && !this->UsesAdaptation(); // those run a filter inside
  if (input != nullptr && needPass)
  {
    const bool   model = !m_ModelFileName.empty() || m_Engine;
    const auto & statistics = m_StatisticsCache.Get(this, input, model ? this->GetEngine()->GetConfig().LowerPercentile : 0.005,
                                                    model ? this->GetEngine()->GetConfig().UpperPercentile : 0.995, 16);
    m_Lower = statistics.Lower;
    m_Upper = statistics.Upper;
    m_MatrixMode = statistics.MatrixMode;
  }
  if (m_IntensityRangeIsSet)
  {
    m_Lower = m_IntensityRange[0];
    m_Upper = m_IntensityRange[1];
  }
  Superclass::UpdateOutputData(output);
}

template <typename TInputImage, typename TOutputImage>
void
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::GenerateData()
{
  if (this->UsesAdaptation())
  {
    this->GenerateAdaptedData();
    return;
  }
  if (this->UsesResampling())
  {
    this->GenerateResampledData();
    return;
  }
  this->AllocateOutputs();
  const InputImageType * input = this->GetInput();
  const auto             largest = input->GetLargestPossibleRegion();
  const auto             engine = this->GetEngine();
  const auto &           config = engine->GetConfig();
  const int              P = config.PriorChannels;
  const RegionType       outputRegion = this->GetOutput()->GetRequestedRegion();
  const auto             output = this->ToPixelRegion(outputRegion);
  const auto             prompts = this->MakePrompts();
  const scopsam::TileGrid & grid = m_TileGrid;
  const auto             needed = grid.InputRegion(output, prompts);
  RegionType             neededRegion;
  neededRegion.SetIndex(0, largest.GetIndex(0) + needed.X);
  neededRegion.SetIndex(1, largest.GetIndex(1) + needed.Y);
  neededRegion.SetSize(0, static_cast<SizeValueType>(needed.Width));
  neededRegion.SetSize(1, static_cast<SizeValueType>(needed.Height));
  const auto threads = static_cast<int>(this->GetNumberOfWorkUnits());

  // The normalised image of the needed block and its priors: given, or computed with the model's parameters.
  std::vector<float> image;
  std::vector<float> priors;
  const PriorImageType * given = this->GetPriorImage();
  scopsam::ModelConfig   imageOnly = config; // with given priors, only the normalised image is computed here
  imageOnly.PriorChannels = 0;
  scopsam::ComputePriorPlanes(input, neededRegion, { m_Lower, m_Upper, m_MatrixMode }, given ? imageOnly : config,
                              static_cast<unsigned int>(threads), image, priors);
  if (given != nullptr)
  {
    const std::size_t plane = image.size();
    priors.assign(static_cast<std::size_t>(P) * plane, 0.0f);
    std::size_t i = 0;
    for (ImageRegionConstIterator<PriorImageType> it(given, neededRegion); !it.IsAtEnd(); ++it, ++i)
    {
      for (int c = 0; c < P; ++c)
      {
        priors[c * plane + i] = it.Get()[c];
      }
    }
  }

  // The network over the tiles. An inner automatic filter whose outer filter gives clicks to the network keeps its
  // input and the tiles' embeddings for them (it is asked for the whole image, in one region).
  scopsam::TileEmbeddings * embeddings = nullptr;
  if (m_KeepNetworkInput)
  {
    itkAssertOrThrowMacro(needed.Width == grid.ImageWidth && needed.Height == grid.ImageHeight,
                          "the network's input is kept for the whole image");
    m_Embeddings = std::make_shared<scopsam::TileEmbeddings>();
    embeddings = m_Embeddings.get();
  }
  std::vector<float> probabilities(static_cast<std::size_t>(output.Pixels()));
  this->AddPrediction(this->RunNetwork({ needed, image.data(), P > 0 ? priors.data() : nullptr }, prompts, output,
                                       probabilities.data(), embeddings));
  if (m_KeepNetworkInput)
  {
    m_NetworkRegion = needed;
    m_NetworkImage = std::move(image);
    m_NetworkPriors = std::move(priors);
  }
  this->WriteOutputs(outputRegion, probabilities.data());
}

template <typename TInputImage, typename TOutputImage>
scopsam::PredictionSummary
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::RunNetwork(const scopsam::ImageBlock & input,
                                                                 const scopsam::Prompts & prompts,
                                                                 const scopsam::PixelRegion & output,
                                                                 float * probabilities,
                                                                 scopsam::TileEmbeddings * embeddings,
                                                                 float progressStart, float progressSpan)
{
  std::atomic<bool> abort{ false };
  try
  {
    // LibTorch's and BLAS's settings are process-wide: set for this run (under a process-wide lock, so that runs
    // from several threads follow each other) and restored when it ends.
    const scopsam::ScopedThreadSettings threadSettings(static_cast<int>(this->GetNumberOfWorkUnits()));
    return this->GetEngine()->Predict(
      m_TileGrid, input, prompts, output, probabilities,
      [this, &abort, progressStart, progressSpan](std::size_t done, std::size_t total) {
        this->UpdateProgress(progressStart + progressSpan * static_cast<float>(done) /
                                               static_cast<float>(std::max<std::size_t>(1, total)));
        abort = this->GetAbortGenerateData();
      },
      &abort, embeddings);
  }
  catch (const scopsam::AbortedError &)
  {
    ProcessAborted e(__FILE__, __LINE__);
    e.SetDescription("SCoPSAMSegmentationFilter: aborted between tiles");
    throw e;
  }
  catch (const scopsam::ModelError & e)
  {
    itkExceptionMacro(<< e.what());
  }
}

template <typename TInputImage, typename TOutputImage>
cv::Mat
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::PromptedProbability(Self & automatic)
{
  const auto & grid = m_TileGrid;
  cv::Mat      probability(static_cast<int>(grid.ImageHeight), static_cast<int>(grid.ImageWidth), CV_32F);
  const bool   priors = this->GetEngine()->GetConfig().PriorChannels > 0;
  this->RunNetwork({ automatic.m_NetworkRegion, automatic.m_NetworkImage.data(),
                     priors ? automatic.m_NetworkPriors.data() : nullptr },
                   this->MakePrompts(), { 0, 0, grid.ImageWidth, grid.ImageHeight }, probability.ptr<float>(),
                   automatic.m_Embeddings.get(), 0.9f, 0.05f); // after the automatic result's 0.9
  if (const MaskImageType * exclusion = this->GetExclusionMask())
  {
    probability.setTo(0.0f, scopsam::MatView(const_cast<MaskImageType *>(exclusion)) != 0);
  }
  return probability;
}

template <typename TInputImage, typename TOutputImage>
void
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::WriteOutputs(const RegionType & region, const float * probabilities)
{
  const MaskImageType *                exclusion = this->GetExclusionMask();
  ImageRegionIterator<OutputImageType> probability(this->GetOutput(), region);
  ImageRegionIterator<MaskImageType>   mask(this->GetMaskOutput(), region);
  const double                         threshold = this->GetEffectiveThreshold();
  std::size_t                          i = 0;
  for (; !probability.IsAtEnd(); ++probability, ++mask, ++i)
  {
    const auto p = static_cast<typename OutputImageType::PixelType>(probabilities[i]);
    probability.Set(p);
    mask.Set(p >= threshold ? m_InsideValue : 0);
  }
  if (m_HasRegionOfInterest)
  {
    // Nothing outside the region of interest (the network's grid may differ from the input's: Scale).
    ImageRegionIteratorWithIndex<OutputImageType> it(this->GetOutput(), region);
    mask.GoToBegin();
    for (; !it.IsAtEnd(); ++it, ++mask)
    {
      if (!m_RegionOfInterest.IsInside(it.GetIndex()))
      {
        it.Set(0);
        mask.Set(0);
      }
    }
  }
  if (exclusion != nullptr)
  {
    ImageRegionConstIterator<MaskImageType> excluded(exclusion, region);
    probability.GoToBegin();
    mask.GoToBegin();
    for (; !excluded.IsAtEnd(); ++excluded, ++probability, ++mask)
    {
      if (excluded.Get() != 0)
      {
        probability.Set(0);
        mask.Set(0);
      }
    }
  }
}

template <typename TInputImage, typename TOutputImage>
void
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::GenerateResampledData()
{
  this->AllocateOutputs();
  const InputImageType * input = this->GetInput();
  const auto             largest = input->GetLargestPossibleRegion();
  const RegionType       outputRegion = this->GetOutput()->GetRequestedRegion();

  // Once per input and setting (stream pieces reuse it): the input resampled onto a grid Scale times finer, or
  // coarser, over the same physical extent, and the filter that segments it.
  if (!m_ResampledFilter || m_ResampledTime < this->GetMTime() || m_ResampledTime < input->GetPipelineMTime() ||
      m_ResampledTime < input->GetMTime())
  {
    typename NetworkImageType::SizeType    size;
    typename NetworkImageType::SpacingType spacing;
    for (unsigned int d = 0; d < ImageDimension; ++d)
    {
      size[d] = std::max<SizeValueType>(1, static_cast<SizeValueType>(std::lround(largest.GetSize(d) * m_Scale)));
      spacing[d] = input->GetSpacing()[d] * static_cast<double>(largest.GetSize(d)) / static_cast<double>(size[d]);
    }
    // Pixel edges stay where they were: the first pixel's outer corner (half a pixel of either grid before its
    // centre, the direction applied) is the same point on both grids.
    ContinuousIndex<double, ImageDimension> cornerIndex;
    for (unsigned int d = 0; d < ImageDimension; ++d)
    {
      cornerIndex[d] = static_cast<double>(largest.GetIndex(d)) - 0.5;
    }
    PointType corner;
    input->TransformContinuousIndexToPhysicalPoint(cornerIndex, corner);
    typename NetworkImageType::PointType origin;
    for (unsigned int d = 0; d < ImageDimension; ++d)
    {
      origin[d] = corner[d];
      for (unsigned int e = 0; e < ImageDimension; ++e)
      {
        origin[d] += input->GetDirection()[d][e] * 0.5 * spacing[e];
      }
    }
    auto source = InputImageType::New(); // the buffered input without its pipeline
    source->Graft(input);
    auto resample = ResampleImageFilter<InputImageType, NetworkImageType>::New();
    resample->SetInput(source);
    resample->SetSize(size);
    resample->SetOutputSpacing(spacing);
    resample->SetOutputOrigin(origin);
    resample->SetOutputDirection(input->GetDirection());
    resample->SetInterpolator(LinearInterpolateImageFunction<InputImageType, double>::New());
    resample->SetNumberOfWorkUnits(this->GetNumberOfWorkUnits());
    resample->Update();
    m_ResampledInput = resample->GetOutput();
    m_ResampledInput->DisconnectPipeline();

    // The network's filter: this one's settings at scale 1, its prompts mapped onto the resampled grid.
    auto filter = ResampledFilterType::New();
    filter->SetInput(m_ResampledInput);
    filter->SetEngine(this->GetEngine());
    filter->SetTileSize(m_TileSize);
    filter->SetOverlap(m_Overlap);
    filter->SetBatchSize(m_BatchSize);
    filter->SetBlendingWindow(m_BlendingWindow);
    filter->SetThreshold(this->GetEffectiveThreshold());
    filter->SetInsideValue(m_InsideValue);
    filter->SetNumberOfWorkUnits(this->GetNumberOfWorkUnits());
    if (m_IntensityRangeIsSet)
    {
      filter->SetIntensityRange(m_IntensityRange[0], m_IntensityRange[1]);
    }
    for (const auto & click : m_Clicks)
    {
      // The same place whatever the grid: a click's physical point.
      PointType point;
      point[0] = click.X;
      point[1] = click.Y;
      if (!click.Physical)
      {
        IndexType index;
        index[0] = static_cast<IndexValueType>(click.X);
        index[1] = static_cast<IndexValueType>(click.Y);
        input->TransformIndexToPhysicalPoint(index, point);
      }
      filter->AddPhysicalClick(point, click.Label);
    }
    if (m_HasRegionOfInterest)
    {
      // Pixel edges scale with the grid: pixels x0..x1 cover x0 * Scale .. (x1 + 1) * Scale - 1 of the resampled one.
      const auto box = ToPixelRegion(m_RegionOfInterest);
      const auto first = [&](double v, unsigned int d) {
        return std::min<IndexValueType>(static_cast<IndexValueType>(size[d]) - 1,
                                        static_cast<IndexValueType>(std::floor(v * m_Scale)));
      };
      const auto last = [&](double v, unsigned int d) {
        return std::min<IndexValueType>(static_cast<IndexValueType>(size[d]) - 1,
                                        std::max<IndexValueType>(first(v, d), static_cast<IndexValueType>(std::ceil((v + 1) * m_Scale)) - 1));
      };
      const double x0 = static_cast<double>(box.X), y0 = static_cast<double>(box.Y);
      const double x1 = static_cast<double>(box.X + box.Width - 1), y1 = static_cast<double>(box.Y + box.Height - 1);
      typename ResampledFilterType::RegionType roi;
      roi.SetIndex(0, first(x0, 0));
      roi.SetIndex(1, first(y0, 1));
      roi.SetSize(0, static_cast<SizeValueType>(last(x1, 0) - first(x0, 0) + 1));
      roi.SetSize(1, static_cast<SizeValueType>(last(y1, 1) - first(y0, 1) + 1));
      filter->SetRegionOfInterest(roi);
    }
    // Progress and abort pass through to this filter.
    ResampledFilterType * inner = filter.GetPointer();
    filter->AddObserver(ProgressEvent(), [this, inner](const EventObject &) {
      this->UpdateProgress(inner->GetProgress());
      if (this->GetAbortGenerateData())
      {
        inner->AbortGenerateDataOn();
      }
    });
    m_ResampledFilter = filter;
    m_ResampledTime.Modified();
  }

  // The network's probability brought back to this region of the input's grid: linear inside, the nearest value
  // beyond the outermost pixel centres (a coarser grid's centres stop half a pixel short of a finer grid's edge).
  auto back = ResampleImageFilter<NetworkImageType, NetworkImageType>::New();
  back->SetInput(m_ResampledFilter->GetOutput());
  back->SetOutputParametersFromImage(input);
  back->SetInterpolator(LinearInterpolateImageFunction<NetworkImageType, double>::New());
  back->SetExtrapolator(NearestNeighborExtrapolateImageFunction<NetworkImageType, double>::New());
  back->SetNumberOfWorkUnits(this->GetNumberOfWorkUnits());
  back->GetOutput()->SetRequestedRegion(outputRegion);
  back->GetOutput()->Update();
  itkAssertOrThrowMacro(back->GetOutput()->GetBufferedRegion() == outputRegion, "the resampled region is the requested one");
  this->WriteOutputs(outputRegion, back->GetOutput()->GetBufferPointer());
}

template <typename TInputImage, typename TOutputImage>
void
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::GenerateAdaptedData()
{
  this->AllocateOutputs();
  const InputImageType * input = this->GetInput();
  const auto             largest = input->GetLargestPossibleRegion();
  const auto             engine = this->GetEngine();

  // The automatic result, kept between updates: this filter's settings without clicks or scribbles. ITK's pipeline
  // reruns it only when the input or a setting changes, not when the prompts do.
  if (!m_AutomaticFilter)
  {
    m_AutomaticFilter = Self::New();
    Self * inner = m_AutomaticFilter.GetPointer();
    m_AutomaticFilter->AddObserver(ProgressEvent(), [this, inner](const EventObject &) {
      this->UpdateProgress(0.9f * inner->GetProgress());
      if (this->GetAbortGenerateData())
      {
        inner->AbortGenerateDataOn();
      }
    });
  }
  Self & automatic = *m_AutomaticFilter;
  automatic.SetInput(input);
  if (automatic.GetEngine() != engine)
  {
    automatic.SetEngine(engine);
  }
  automatic.SetScale(m_Scale);
  automatic.SetTileSize(m_TileSize);
  automatic.SetOverlap(m_Overlap);
  automatic.SetBatchSize(m_BatchSize);
  automatic.SetBlendingWindow(m_BlendingWindow);
  automatic.SetNumberOfWorkUnits(this->GetNumberOfWorkUnits());
  automatic.SetExclusionMask(this->GetExclusionMask());
  automatic.SetPriorImage(this->GetPriorImage());
  const bool networkClicks = this->UsesNetworkClicks();
  if (automatic.m_KeepNetworkInput != networkClicks)
  {
    automatic.m_KeepNetworkInput = networkClicks; // a run that did not keep them runs again; one that did lets go
    automatic.m_Embeddings.reset();
    std::vector<float>().swap(automatic.m_NetworkImage);
    std::vector<float>().swap(automatic.m_NetworkPriors);
    automatic.Modified();
  }
  if (m_HasRegionOfInterest)
  {
    automatic.SetRegionOfInterest(m_RegionOfInterest);
  }
  else if (automatic.m_HasRegionOfInterest)
  {
    automatic.ClearRegionOfInterest();
  }
  if (m_IntensityRangeIsSet)
  {
    automatic.SetIntensityRange(m_IntensityRange[0], m_IntensityRange[1]);
  }
  else if (automatic.m_IntensityRangeIsSet)
  {
    automatic.ClearIntensityRange();
  }
  automatic.GetOutput()->SetRequestedRegionToLargestPossibleRegion();
  automatic.Update();
  m_PredictedIoUSum = automatic.m_PredictedIoUSum;
  m_PredictedTiles = automatic.m_PredictedTiles;
  m_TileGrid = automatic.GetTileGrid();
  // The gray levels the network saw mapped to [0, 1]: the inner filter's range, or with Scale != 1 the range of the
  // image it resampled.
  const auto range = automatic.GetIntensityRangeUsed();
  m_Lower = range[0];
  m_Upper = range[1];

  // What the head sees, made once per automatic result: the micrograph normalised as the network saw it (by the
  // filter's own normalisation, ComputePriorPlanes() with no prior channel), the network's probability, the
  // exclusion, and their features.
  const auto width = static_cast<int>(largest.GetSize(0)), height = static_cast<int>(largest.GetSize(1));
  if (!m_AdaptationImage || m_AdaptationImageTime < automatic.GetOutput()->GetMTime() ||
      m_AdaptationImageTime < input->GetMTime())
  {
    scopsam::ModelConfig imageOnly = engine->GetConfig();
    imageOnly.PriorChannels = 0;
    std::vector<float> normalised, noPriors;
    scopsam::ComputePriorPlanes(input, largest, { m_Lower, m_Upper, m_MatrixMode }, imageOnly,
                                static_cast<unsigned int>(this->GetNumberOfWorkUnits()), normalised, noPriors);
    cv::Mat probability;
    scopsam::MatView(automatic.GetOutput()).convertTo(probability, CV_32F);
    const MaskImageType * exclusion = this->GetExclusionMask();
    try
    {
      m_AdaptationImage = std::make_shared<const scopsam::AdaptationImage>(
        cv::Mat(height, width, CV_32F, normalised.data()), probability, automatic.GetEffectiveThreshold(),
        exclusion ? cv::Mat(scopsam::MatView(const_cast<MaskImageType *>(exclusion)) != 0) : cv::Mat(),
        engine->GetIdentity(), m_SourceName);
    }
    catch (const scopsam::InputError & e)
    {
      SCoPSAMSegmentationDetail::ThrowInvalidArgument(__FILE__, __LINE__, e.what());
    }
    m_AdaptationImageTime.Modified();
  }

  // The prompts' head (or the one given), applied to every pixel; with a previous mask, the prompts' head moves that
  // mask instead.
  cv::Mat probability;
  try
  {
    if (m_AdaptationGiven)
    {
      probability = m_Adaptation->Apply(*m_AdaptationImage);
    }
    else
    {
      scopsam::PhasePrompts prompts;
      for (const auto & click : this->MakePrompts().Clicks)
      {
        prompts.Positions.emplace_back(static_cast<int>(click.X), static_cast<int>(click.Y));
        prompts.Labels.push_back(click.Label);
      }
      if (const MaskImageType * scribbles = this->GetScribbleImage())
      {
        prompts.Scribbles = scopsam::MatFromImage(scribbles);
      }
      prompts.Alone = m_PromptsOnly;
      const scopsam::AdaptationOptions options;
      if (this->UsesNetworkAlone())
      {
        // The prompts alone define the phase and they are clicks: the network's own answer is the output.
        probability = this->PromptedProbability(automatic);
        m_Adaptation.reset();
      }
      else
      {
        // With the network's click path, the network's answer to the clicks is the head's prior and weak labels.
        const auto view = networkClicks && !m_Clicks.empty()
                            ? std::make_shared<const scopsam::AdaptationImage>(
                                m_AdaptationImage->WithProbability(this->PromptedProbability(automatic)))
                            : m_AdaptationImage;
        m_Adaptation = std::make_shared<const scopsam::Adaptation>(scopsam::Adaptation::Fit(*view, prompts, options));
        probability = m_Adaptation->Apply(*view);
      }
      if (const MaskImageType * previous = this->GetPreviousMask())
      {
        // (Excluded pixels are zeroed with every output, WriteOutputs(), whatever the previous mask says there.)
        probability = scopsam::StepFromPrevious(scopsam::MatFromImage(previous) != 0, probability, prompts,
                                                this->GetEffectiveThreshold(), options.StepMargin, options.StepReach);
      }
    }
  }
  catch (const scopsam::InputError & e)
  {
    SCoPSAMSegmentationDetail::ThrowInvalidArgument(__FILE__, __LINE__, e.what());
  }
  this->UpdateProgress(1.0f);
  this->WriteOutputs(largest, probability.ptr<float>());
}

template <typename TInputImage, typename TOutputImage>
void
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "ModelFileName: " << m_ModelFileName << std::endl;
  os << indent << "Engine: " << (m_Engine ? m_Engine->GetIdentity() : std::string("(not loaded)")) << std::endl;
  os << indent << "Device: " << m_Device << (m_UseHalfPrecision ? " (half precision)" : "") << std::endl;
  os << indent << "TileSize: " << m_TileSize << std::endl;
  os << indent << "Overlap: " << m_Overlap << std::endl;
  os << indent << "BatchSize: " << m_BatchSize << std::endl;
  os << indent << "BlendingWindow: " << m_BlendingWindow << std::endl;
  os << indent << "Threshold: " << m_Threshold << std::endl;
  os << indent << "UseModelThreshold: " << m_UseModelThreshold << std::endl;
  os << indent << "InsideValue: " << static_cast<int>(m_InsideValue) << std::endl;
  os << indent << "TileGrid: " << m_TileGrid.Tiles.size() << " tiles of " << m_TileGrid.TileSize << " px, overlap "
     << m_TileGrid.Overlap << " px" << std::endl;
  os << indent << "PredictedIoU (untrained head): " << this->GetPredictedIoU() << std::endl;
  os << indent << "Scale: " << m_Scale << std::endl;
  os << indent << "ExclusionMask: " << (this->GetExclusionMask() ? "set" : "(none)") << std::endl;
  os << indent << "Clicks: " << m_Clicks.size() << std::endl;
  os << indent << "PromptsOnly: " << m_PromptsOnly << std::endl;
  os << indent << "NetworkClicks: " << m_NetworkClicks << std::endl;
  os << indent << "PreviousMask: " << (this->GetPreviousMask() ? "given" : "(none)") << std::endl;
  os << indent << "ScribbleImage: " << (this->GetScribbleImage() ? "set" : "(none)") << std::endl;
  os << indent << "Adaptation: " << (m_AdaptationGiven ? "given" : (m_Adaptation ? "made by the prompts" : "(none)"))
     << std::endl;
  os << indent << "RegionOfInterest: ";
  if (m_HasRegionOfInterest)
  {
    os << m_RegionOfInterest.GetIndex() << " " << m_RegionOfInterest.GetSize() << std::endl;
  }
  else
  {
    os << "(none)" << std::endl;
  }
  os << indent << "IntensityRange: [" << m_Lower << ", " << m_Upper << "]" << (m_IntensityRangeIsSet ? "" : " (computed)")
     << std::endl;
}

} // namespace itk

#endif
