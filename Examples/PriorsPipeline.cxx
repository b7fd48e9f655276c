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
// An ITK pipeline with SCoP-SAM's priors: reader -> GradientPriorFilter and GrayscalePriorFilter -> a composed
// four-channel image -> writer, streamed in pieces so that a micrograph of any size fits in memory.
//
//   PriorsPipeline MICROGRAPH OUTPUT.mha
//
// The output's channels: gradient magnitude, structure coherence, local contrast, departure from the matrix mode.
#include "itkComposeImageFilter.h"
#include "itkGradientPriorFilter.h"
#include "itkGrayscalePriorFilter.h"
#include "itkImageFileReader.h"
#include "itkImageFileWriter.h"
#include "itkVectorIndexSelectionCastImageFilter.h"
#include "itkVectorImage.h"

#include <iostream>

int
main(int argc, char * argv[])
{
  if (argc != 3)
  {
    std::cerr << "usage: " << argv[0] << " MICROGRAPH OUTPUT.mha" << std::endl;
    return 2;
  }
  using InputImage = itk::Image<float, 2>;
  using PriorImage = itk::Image<itk::Vector<float, 2>, 2>;
  using ChannelImage = itk::Image<float, 2>;

  try
  {
    auto reader = itk::ImageFileReader<InputImage>::New();
    reader->SetFileName(argv[1]);

    // Both priors share one robust intensity range: computed by the first filter's histogram pass, handed on.
    auto gradient = itk::GradientPriorFilter<InputImage, PriorImage>::New();
    gradient->SetInput(reader->GetOutput());
    auto grayscale = itk::GrayscalePriorFilter<InputImage, PriorImage>::New();
    grayscale->SetInput(reader->GetOutput());
    grayscale->SetPolarity(itk::GrayscalePriorFilter<InputImage, PriorImage>::PolarityEnum::Both);

    // A pipeline holds its upstream filters through its inputs' sources only weakly: keep the channel selectors.
    using Selector = itk::VectorIndexSelectionCastImageFilter<PriorImage, ChannelImage>;
    std::vector<Selector::Pointer> channels;
    auto                           compose = itk::ComposeImageFilter<ChannelImage>::New();
    unsigned int                   input = 0;
    for (itk::ImageToImageFilter<InputImage, PriorImage> * prior :
         { static_cast<itk::ImageToImageFilter<InputImage, PriorImage> *>(gradient.GetPointer()),
           static_cast<itk::ImageToImageFilter<InputImage, PriorImage> *>(grayscale.GetPointer()) })
    {
      for (unsigned int c = 0; c < 2; ++c)
      {
        channels.push_back(Selector::New());
        channels.back()->SetInput(prior->GetOutput());
        channels.back()->SetIndex(c);
        compose->SetInput(input++, channels.back()->GetOutput());
      }
    }

    auto writer = itk::ImageFileWriter<itk::VectorImage<float, 2>>::New();
    writer->SetInput(compose->GetOutput());
    writer->SetFileName(argv[2]);
    writer->SetNumberOfStreamDivisions(8);
    writer->Update();

    const auto & statistics = gradient->GetIntensityStatistics();
    std::cout << "intensity range [" << statistics.Lower << ", " << statistics.Upper << "], matrix mode "
              << statistics.MatrixMode << "; wrote " << argv[2] << std::endl;
  }
  catch (const itk::ExceptionObject & e)
  {
    std::cerr << e.GetDescription() << std::endl;
    return 1;
  }
  return 0;
}
