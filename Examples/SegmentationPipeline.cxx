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
// An ITK pipeline that finds and measures the intermediate phase of a micrograph with SCoP-SAM, streamed:
//
//   reader -+-> itk::GradientPriorFilter  --(magnitude, coherence)--+
//           |                                                      +-> itk::ComposeImageFilter (4 prior channels)
//           +-> itk::GrayscalePriorFilter --(local, global)--------+             |
//           |                                                                    v
//           +----------------------------------------------> itk::SCoPSAMSegmentationFilter -> writer (4 pieces)
//   mask -> itk::PhaseQuantificationImageFilter -> area fraction, particles, sizes (label-map statistics)
//
//   SegmentationPipeline MODEL MICROGRAPH MASK.mha
//
// The priors are computed here by the prior filters (the segmentation filter would compute the same itself when
// given none); the writer streams the whole pipeline in 4 pieces, each running the network on the tiles it needs
// and the priors on the region those tiles need.
#include "itkComposeImageFilter.h"
#include "itkGradientPriorFilter.h"
#include "itkGrayscalePriorFilter.h"
#include "itkImageFileReader.h"
#include "itkImageFileWriter.h"
#include "itkPhaseQuantificationImageFilter.h"
#include "itkSCoPSAMSegmentationFilter.h"
#include "itkVectorIndexSelectionCastImageFilter.h"

#include <iostream>

int
main(int argc, char * argv[])
{
  if (argc != 4)
  {
    std::cerr << "usage: " << argv[0] << " MODEL MICROGRAPH MASK.mha" << std::endl;
    return 2;
  }
  constexpr unsigned int Dimension = 2;
  using InputImage = itk::Image<unsigned short, Dimension>;
  using PriorPair = itk::Image<itk::Vector<float, 2>, Dimension>;
  using Channel = itk::Image<float, Dimension>;
  using Segmentation = itk::SCoPSAMSegmentationFilter<InputImage>;
  try
  {
    auto reader = itk::ImageFileReader<InputImage>::New();
    reader->SetFileName(argv[2]);

    // The two priors, each with both of its channels, with the parameters the default model was trained with
    // (the filters' defaults).
    auto gradient = itk::GradientPriorFilter<InputImage, PriorPair>::New();
    gradient->SetInput(reader->GetOutput());
    auto grayscale = itk::GrayscalePriorFilter<InputImage, PriorPair>::New();
    grayscale->SetInput(reader->GetOutput());

    // Four channels in the model's order: gradient magnitude, coherence, local contrast, global departure.
    auto priors = itk::ComposeImageFilter<Channel, Segmentation::PriorImageType>::New();
    std::vector<itk::VectorIndexSelectionCastImageFilter<PriorPair, Channel>::Pointer> channels;
    for (auto * prior : { static_cast<itk::ImageSource<PriorPair> *>(gradient), static_cast<itk::ImageSource<PriorPair> *>(grayscale) })
    {
      for (unsigned int c = 0; c < 2; ++c)
      {
        auto channel = itk::VectorIndexSelectionCastImageFilter<PriorPair, Channel>::New();
        channel->SetInput(prior->GetOutput());
        channel->SetIndex(c);
        priors->SetInput(static_cast<unsigned int>(channels.size()), channel->GetOutput());
        channels.push_back(channel);
      }
    }

    auto segmentation = Segmentation::New();
    segmentation->SetInput(reader->GetOutput());
    segmentation->SetPriorImage(priors->GetOutput());
    segmentation->SetModelFileName(argv[1]);
    segmentation->SetThreshold(0.5);

    auto writer = itk::ImageFileWriter<Segmentation::MaskImageType>::New();
    writer->SetInput(segmentation->GetMaskOutput());
    writer->SetFileName(argv[3]);
    writer->SetNumberOfStreamDivisions(4);
    writer->Update();

    // The particles of the mask: ITK's label-map statistics inside itk::PhaseQuantificationImageFilter.
    auto quantification = itk::PhaseQuantificationImageFilter<Segmentation::MaskImageType>::New();
    quantification->SetInput(segmentation->GetMaskOutput());
    quantification->SetLengthUnit("px");
    quantification->Update();
    const auto & field = quantification->GetFieldMeasurements();
    std::cout << segmentation->GetEngine()->GetIdentity() << ": area fraction " << field.AreaFraction << ", "
              << field.ParticleCount << " particles (" << field.BorderParticleCount << " on the border), mean free path "
              << field.MeanFreePath << " px" << std::endl;
  }
  catch (const itk::ExceptionObject & e)
  {
    std::cerr << e.GetDescription() << std::endl;
    return 1;
  }
  return 0;
}
