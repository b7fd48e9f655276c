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
#include "itkRobustIntensityRangeCalculator.h"
#include "itkVector.h"
#include "scopsamPriorKernels.h"
#include "scopsamPriorPlanes.h"
#include "scopsamSegmentationSupport.h"
#include "scopsamThreadSettings.h"

#include <algorithm>
#include <atomic>

namespace itk
{

template <typename TInputImage, typename TOutputImage>
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::SCoPSAMSegmentationFilter()
{
  this->SetNumberOfRequiredInputs(1);
  this->SetNumberOfRequiredOutputs(2);
  this->SetNthOutput(0, this->MakeOutput(0));
  this->SetNthOutput(1, this->MakeOutput(1));
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
auto
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::GetMaskOutput() -> MaskImageType *
{
  return dynamic_cast<MaskImageType *>(this->ProcessObject::GetOutput(1));
}

template <typename TInputImage, typename TOutputImage>
void
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::SetModelFileName(const std::string & fileName)
{
  if (fileName != m_ModelFileName)
  {
    m_ModelFileName = fileName;
    m_Engine.reset();
    this->Modified();
  }
}

template <typename TInputImage, typename TOutputImage>
void
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::SetEngine(std::shared_ptr<const scopsam::SegmentationEngine> engine)
{
  m_Engine = std::move(engine);
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
    m_Device = device;
    if (!m_ModelFileName.empty())
    {
      m_Engine.reset();
    }
    this->Modified();
  }
}

template <typename TInputImage, typename TOutputImage>
void
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::SetTileSize(unsigned int size)
{
  if (size != 0 && (size < 16 || size > 4096))
  {
    itkExceptionMacro("TileSize must be 0 (the model's) or in [16, 4096], got " << size);
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
  if (threshold != m_Threshold)
  {
    m_Threshold = threshold;
    this->Modified();
  }
}

template <typename TInputImage, typename TOutputImage>
void
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::AddClick(const IndexType & index, int label)
{
  if (label != 0 && label != 1)
  {
    itkExceptionMacro("a click's label is 1 (this phase) or 0 (not this phase), got " << label);
  }
  m_Clicks.push_back({ static_cast<double>(index[0]), static_cast<double>(index[1]), label, false });
  this->Modified();
}

template <typename TInputImage, typename TOutputImage>
void
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::AddPhysicalClick(const PointType & point, int label)
{
  if (label != 0 && label != 1)
  {
    itkExceptionMacro("a click's label is 1 (this phase) or 0 (not this phase), got " << label);
  }
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
  try
  {
    this->GetEngine()->MakeTileGrid(1, 1, this->MakeTilingOptions()); // checks the options
  }
  catch (const scopsam::ModelError & e)
  {
    itkExceptionMacro(<< e.what());
  }
}

// Checks that need the inputs' information (size, channels), which upstream filters provide only after
// VerifyPreconditions(): ITK calls this one once every input's UpdateOutputInformation() has run.
template <typename TInputImage, typename TOutputImage>
void
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::VerifyInputInformation() ITKv5_CONST
{
  Superclass::VerifyInputInformation();
  const auto engine = this->GetEngine();
  const auto largest = this->GetInput()->GetLargestPossibleRegion();
  for (const auto & click : this->MakePrompts().Clicks)
  {
    if (click.X < 0 || click.Y < 0 || click.X >= largest.GetSize(0) || click.Y >= largest.GetSize(1))
    {
      itkExceptionMacro("a click at (" << click.X << ", " << click.Y << ") lies outside the image of size "
                                       << largest.GetSize());
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
  const auto largest = input->GetLargestPossibleRegion();
  const auto engine = this->GetEngine();
  const auto needed = engine
                        ->MakeTileGrid(static_cast<std::int64_t>(largest.GetSize(0)),
                                       static_cast<std::int64_t>(largest.GetSize(1)),
                                       this->MakeTilingOptions())
                        .InputRegion(this->ToPixelRegion(this->GetOutput()->GetRequestedRegion()), this->MakePrompts());
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
  // The priors of the needed region need their own reach around it.
  const auto & c = engine->GetConfig();
  scopsam::GradientPriorParameters gradient;
  gradient.Scales = c.GradientScales;
  gradient.IntegrationScale = c.IntegrationScale;
  RegionType padded = region;
  padded.PadByRadius(std::max(scopsam::GradientPriorReach(gradient), c.WindowRadius));
  padded.Crop(largest);
  input->SetRequestedRegion(padded);
}

template <typename TInputImage, typename TOutputImage>
void
SCoPSAMSegmentationFilter<TInputImage, TOutputImage>::UpdateOutputData(DataObject * output)
{
  // Whole-image statistics, once per input: the robust range (unless given) and the matrix mode (for computed
  // priors), in one streamed histogram pass before the first region.
  const InputImageType * input = this->GetInput();
  const bool             needPass = !m_IntensityRangeIsSet || this->GetPriorImage() == nullptr;
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
  this->AllocateOutputs();
  const InputImageType * input = this->GetInput();
  const auto             largest = input->GetLargestPossibleRegion();
  const auto             engine = this->GetEngine();
  const auto &           config = engine->GetConfig();
  const int              P = config.PriorChannels;
  const std::int64_t     width = static_cast<std::int64_t>(largest.GetSize(0));
  const std::int64_t     height = static_cast<std::int64_t>(largest.GetSize(1));
  const RegionType       outputRegion = this->GetOutput()->GetRequestedRegion();
  const auto             output = this->ToPixelRegion(outputRegion);
  const auto             prompts = this->MakePrompts();
  const auto             tiling = this->MakeTilingOptions();
  const auto             grid = engine->MakeTileGrid(width, height, tiling);
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

  // The network over the tiles, reporting progress and honouring AbortGenerateData() between batches.
  std::vector<float> probabilities(static_cast<std::size_t>(output.Pixels()));
  std::atomic<bool>  abort{ false };
  const scopsam::ScopedThreadSettings threadSettings(threads); // restored when GenerateData() returns
  try
  {
    engine->Predict(grid, { needed, image.data(), P > 0 ? priors.data() : nullptr }, prompts, output,
                    probabilities.data(), [this, &abort](std::size_t done, std::size_t total) {
                      this->UpdateProgress(static_cast<float>(done) / static_cast<float>(std::max<std::size_t>(1, total)));
                      abort = this->GetAbortGenerateData();
                    }, &abort);
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

  std::size_t i = 0;
  ImageRegionIterator<OutputImageType> probability(this->GetOutput(), outputRegion);
  ImageRegionIterator<MaskImageType>   mask(this->GetMaskOutput(), outputRegion);
  for (; !probability.IsAtEnd(); ++probability, ++mask, ++i)
  {
    probability.Set(static_cast<typename OutputImageType::PixelType>(probabilities[i]));
    mask.Set(probabilities[i] >= m_Threshold ? m_InsideValue : 0);
  }
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
  os << indent << "InsideValue: " << static_cast<int>(m_InsideValue) << std::endl;
  os << indent << "Clicks: " << m_Clicks.size() << std::endl;
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
