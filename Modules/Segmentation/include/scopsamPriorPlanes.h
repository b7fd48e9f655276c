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
#include "itkVector.h"
#include "scopsamIntensityNormalization.h"
#include "scopsamModelConfig.h"

#include <algorithm>
#include <vector>

/** \file scopsamPriorPlanes.h
 * \brief What the network reads: a region's normalised image and its prior channels, as float planes.
 *
 * One code path for the segmentation filter (a region of a streamed image) and for training (whole tiles):
 * both normalise with the whole image's statistics and run the two prior filters with the parameters the model
 * carries, in the channel order gradient magnitude, coherence, local contrast, global departure.
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

/** Fills `image` (region pixels, row-major) with the normalised gray levels and `priors` (PriorChannels planes of
 * the region) with the priors of `region`. `input` must have the region padded by the priors' reach buffered (or be
 * whole); its pipeline is not touched (the filters read a graft of it). */
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
  const auto  normalize = IntensityNormalization::FromRange(statistics.Lower, statistics.Upper);
  const auto  plane = static_cast<std::size_t>(region.GetNumberOfPixels());
  const int   P = config.PriorChannels;
  image.resize(plane);
  std::size_t i = 0;
  for (itk::ImageRegionConstIterator<TImage> it(input, region); !it.IsAtEnd(); ++it, ++i)
  {
    image[i] = normalize(static_cast<double>(it.Get()));
  }
  priors.assign(static_cast<std::size_t>(P) * plane, 0.0f);
  if (P == 0)
  {
    return;
  }
  using TwoChannels = itk::Image<itk::Vector<float, 2>, TImage::ImageDimension>;
  // A graft of the input without its pipeline: the prior filters read the buffered block and nothing upstream.
  auto block = TImage::New();
  block->Graft(input);
  auto gradient = itk::GradientPriorFilter<TImage, TwoChannels>::New();
  auto grayscale = itk::GrayscalePriorFilter<TImage, TwoChannels>::New();
  gradient->SetInput(block);
  grayscale->SetInput(block);
  gradient->SetScales(config.GradientScales);
  gradient->SetIntegrationScale(config.IntegrationScale);
  gradient->SetMagnitudeScale(config.MagnitudeScale);
  grayscale->SetWindowRadius(static_cast<unsigned int>(config.WindowRadius));
  grayscale->SetEpsilon(config.GrayscaleEpsilon);
  grayscale->SetContrastScale(config.ContrastScale);
  grayscale->SetGlobalScale(config.GlobalScale);
  grayscale->SetPolarity(config.Polarity);
  grayscale->SetMatrixMode(std::min(1.0, std::max(0.0, statistics.MatrixMode)));
  gradient->SetIntensityRange(normalize.Lower, normalize.Upper);
  grayscale->SetIntensityRange(normalize.Lower, normalize.Upper);
  int channel = 0;
  for (itk::ImageToImageFilter<TImage, TwoChannels> * filter :
       { static_cast<itk::ImageToImageFilter<TImage, TwoChannels> *>(gradient.GetPointer()),
         static_cast<itk::ImageToImageFilter<TImage, TwoChannels> *>(grayscale.GetPointer()) })
  {
    if (threads > 0)
    {
      filter->SetNumberOfWorkUnits(threads);
    }
    filter->GetOutput()->SetRequestedRegion(region);
    filter->GetOutput()->Update();
    for (int c = 0; c < 2 && channel < P; ++c, ++channel)
    {
      std::size_t k = 0;
      for (itk::ImageRegionConstIterator<TwoChannels> it(filter->GetOutput(), region); !it.IsAtEnd(); ++it, ++k)
      {
        priors[static_cast<std::size_t>(channel) * plane + k] = it.Get()[c];
      }
    }
    filter->GetOutput()->ReleaseData();
  }
}

} // namespace scopsam

#endif
