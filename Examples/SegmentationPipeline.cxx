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
// An ITK pipeline that segments a micrograph with SCoP-SAM, streamed, then measures the particles:
//
//   reader -> itk::SCoPSAMSegmentationFilter -> writer (the mask, in 4 stream pieces)
//   mask -> itk::BinaryImageToShapeLabelMapFilter -> particle count and areas
//
//   SegmentationPipeline MODEL MICROGRAPH MASK.mha
//
// The segmentation runs once per stream piece on the tiles that piece needs; the pieces give the same pixels as
// one whole update.
#include "itkBinaryImageToShapeLabelMapFilter.h"
#include "itkImageFileReader.h"
#include "itkImageFileWriter.h"
#include "itkSCoPSAMSegmentationFilter.h"

#include <iostream>

int
main(int argc, char * argv[])
{
  if (argc != 4)
  {
    std::cerr << "usage: " << argv[0] << " MODEL MICROGRAPH MASK.mha" << std::endl;
    return 2;
  }
  using InputImage = itk::Image<unsigned short, 2>;
  using Segmentation = itk::SCoPSAMSegmentationFilter<InputImage>;
  try
  {
    auto reader = itk::ImageFileReader<InputImage>::New();
    reader->SetFileName(argv[2]);

    auto segmentation = Segmentation::New();
    segmentation->SetInput(reader->GetOutput());
    segmentation->SetModelFileName(argv[1]);
    segmentation->SetThreshold(0.5);

    auto writer = itk::ImageFileWriter<Segmentation::MaskImageType>::New();
    writer->SetInput(segmentation->GetMaskOutput());
    writer->SetFileName(argv[3]);
    writer->SetNumberOfStreamDivisions(4);
    writer->Update();

    // Particles of the mask: ITK's label-map statistics.
    auto shapes = itk::BinaryImageToShapeLabelMapFilter<Segmentation::MaskImageType>::New();
    shapes->SetInput(segmentation->GetMaskOutput());
    shapes->SetInputForegroundValue(255);
    shapes->Update();
    const auto * particles = shapes->GetOutput();
    double       area = 0.0;
    for (unsigned int i = 0; i < particles->GetNumberOfLabelObjects(); ++i)
    {
      area += particles->GetNthLabelObject(i)->GetPhysicalSize();
    }
    std::cout << segmentation->GetEngine()->GetIdentity() << ": " << particles->GetNumberOfLabelObjects()
              << " particles, total area " << area << " (physical units of the image)" << std::endl;
  }
  catch (const itk::ExceptionObject & e)
  {
    std::cerr << e.GetDescription() << std::endl;
    return 1;
  }
  return 0;
}
