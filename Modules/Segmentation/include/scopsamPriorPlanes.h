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
#ifndef scopsamPriorPlanes_h
#define scopsamPriorPlanes_h

#include "itkGradientPriorFilter.h"
#include "itkGrayscalePriorFilter.h"
#include "itkImageRegionConstIterator.h"
#include "itkImageRegionIterator.h"
#include "itkVector.h"
#include "scopsamIntensityNormalization.h"
#include "scopsamModelConfig.h"

#include <algorithm>
#include <vector>

/** \file scopsamPriorPlanes.h
 * \brief What the network reads: a region's normalised image and its prior channels, as float planes.
 *
 * One code path for the segmentation filter (a region of a streamed image) and for training (whole tiles):
 * both normalise with the whole image's statistics, once, and run the two prior filters on that normalised image
 * with the parameters the model carries; the channels follow ModelConfig::GetPriorChannels()
 * (scopsamPriorChannels.h).
 * \ingroup SCoPSAMSegmentation
 */
namespace scopsam
{

/** Whole-image statistics the planes are computed with: the robust range and the matrix mode. */
struct PlaneStatistics
{
  double Lower{ 0.0 };
  double Upper{ 1.0 };
  double MatrixMode{ 0.5 };
};

/** The two prior filters, set up with a model's prior parameters, reading an image already normalised to [0, 1]. */
template <unsigned int VDimension>
struct PriorFilters
{
  using NormalizedImageType = itk::Image<float, VDimension>;
  using TwoChannelImageType = itk::Image<itk::Vector<float, 2>, VDimension>;
  using GradientType = itk::GradientPriorFilter<NormalizedImageType, TwoChannelImageType>;
  using GrayscaleType = itk::GrayscalePriorFilter<NormalizedImageType, TwoChannelImageType>;

  typename GradientType::Pointer  Gradient;
  typename GrayscaleType::Pointer Grayscale;

  /** Pixels of input the channels of `config` need on each side of a region: the largest reach among the prior
   * filters that make them (0 without priors). */
  unsigned int
  GetReach(const ModelConfig & config) const
  {
    unsigned int reach = 0;
    for (const PriorChannel channel : config.GetPriorChannels())
    {
      reach = std::max(reach, SourceOf(channel) == PriorSource::Gradient ? Gradient->GetReach() : Grayscale->GetReach());
    }
    return reach;
  }

  itk::ImageToImageFilter<NormalizedImageType, TwoChannelImageType> *
  Of(PriorSource source) const
  {
    return source == PriorSource::Gradient
             ? static_cast<itk::ImageToImageFilter<NormalizedImageType, TwoChannelImageType> *>(Gradient.GetPointer())
             : static_cast<itk::ImageToImageFilter<NormalizedImageType, TwoChannelImageType> *>(Grayscale.GetPointer());
  }
};

/** The prior filters with the parameters `config` carries and the matrix mode of the image they will read. */
template <unsigned int VDimension>
PriorFilters<VDimension>
MakePriorFilters(const ModelConfig & config, double matrixMode = 0.5)
{
  PriorFilters<VDimension> filters{ PriorFilters<VDimension>::GradientType::New(),
                                    PriorFilters<VDimension>::GrayscaleType::New() };
  auto & gradient = filters.Gradient;
  auto & grayscale = filters.Grayscale;
  gradient->SetScales(config.GradientScales);
  gradient->SetIntegrationScale(config.IntegrationScale);
  gradient->SetMagnitudeScale(config.MagnitudeScale);
  grayscale->SetWindowRadius(static_cast<unsigned int>(config.WindowRadius));
  grayscale->SetEpsilon(config.GrayscaleEpsilon);
  grayscale->SetContrastScale(config.ContrastScale);
  grayscale->SetGlobalScale(config.GlobalScale);
  grayscale->SetPolarity(config.Polarity);
  grayscale->SetMatrixMode(std::min(1.0, std::max(0.0, matrixMode)));
  // Their input is normalised already: the identity range maps it onto itself, bit for bit.
  gradient->SetIntensityRange(0.0, 1.0);
  grayscale->SetIntensityRange(0.0, 1.0);
  return filters;
}

/** Pixels of input that ComputePriorPlanes() reads on each side of a region for the channels of `config`. */
template <unsigned int VDimension>
unsigned int
PriorReach(const ModelConfig & config)
{
  return config.PriorChannels > 0 ? MakePriorFilters<VDimension>(config).GetReach(config) : 0u;
}

/** Fills `image` (region pixels, row-major) with the normalised gray levels and `priors` (PriorChannels planes of
 * the region) with the priors of `region`. `input` must have the region padded by PriorReach() buffered (or be
 * whole); its pipeline is not touched. The gray levels are normalised once, over the padded region, and the prior
 * filters read that normalised block. */
template <typename TImage>
void
ComputePriorPlanes(const TImage *                       input,
                   const typename TImage::RegionType & region,
                   const PlaneStatistics &              statistics,
                   const ModelConfig &                  config,
                   unsigned int                         threads,
                   std::vector<float> &                 image,
                   std::vector<float> &                 priors)
{
  constexpr unsigned int D = TImage::ImageDimension;
  using Filters = PriorFilters<D>;
  using NormalizedImageType = typename Filters::NormalizedImageType;
  using TwoChannelImageType = typename Filters::TwoChannelImageType;
  const auto channels = config.GetPriorChannels();
  const auto filters = MakePriorFilters<D>(config, statistics.MatrixMode);

  auto padded = region;
  padded.PadByRadius(static_cast<itk::OffsetValueType>(channels.empty() ? 0u : filters.GetReach(config)));
  padded.Crop(input->GetLargestPossibleRegion());
  const auto normalize = IntensityNormalization::FromRange(statistics.Lower, statistics.Upper);
  auto       normalized = NormalizedImageType::New();
  normalized->CopyInformation(input);
  normalized->SetBufferedRegion(padded);
  normalized->SetRequestedRegion(padded);
  normalized->Allocate();
  {
    itk::ImageRegionConstIterator<TImage>           in(input, padded);
    itk::ImageRegionIterator<NormalizedImageType> out(normalized, padded);
    for (; !in.IsAtEnd(); ++in, ++out)
    {
      out.Set(normalize(static_cast<double>(in.Get())));
    }
  }
  const auto plane = static_cast<std::size_t>(region.GetNumberOfPixels());
  image.resize(plane);
  std::size_t i = 0;
  for (itk::ImageRegionConstIterator<NormalizedImageType> it(normalized, region); !it.IsAtEnd(); ++it, ++i)
  {
    image[i] = it.Get();
  }
  priors.assign(channels.size() * plane, 0.0f);
  for (const PriorSource source : { PriorSource::Gradient, PriorSource::Grayscale })
  {
    if (std::none_of(channels.begin(), channels.end(), [source](PriorChannel c) { return SourceOf(c) == source; }))
    {
      continue;
    }
    auto * filter = filters.Of(source);
    filter->SetInput(normalized);
    if (threads > 0)
    {
      filter->SetNumberOfWorkUnits(threads);
    }
    filter->GetOutput()->SetRequestedRegion(region);
    filter->GetOutput()->Update();
    for (std::size_t c = 0; c < channels.size(); ++c)
    {
      if (SourceOf(channels[c]) != source)
      {
        continue;
      }
      const unsigned int component = ComponentOf(channels[c]);
      std::size_t        k = 0;
      for (itk::ImageRegionConstIterator<TwoChannelImageType> it(filter->GetOutput(), region); !it.IsAtEnd(); ++it, ++k)
      {
        priors[c * plane + k] = it.Get()[component];
      }
    }
    filter->GetOutput()->ReleaseData();
  }
}

} // namespace scopsam

#endif
