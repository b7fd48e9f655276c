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
// Reads a micrograph, runs SCoP-SAM's gradient prior, and checks the output is a prior (values in [0, 1]); then
// measures the strong-gradient regions with the quantification filter (which links VTK through the package).
#include "itkGradientPriorFilter.h"
#include "itkPhaseQuantificationImageFilter.h"
#include "itkBinaryThresholdImageFilter.h"
#include "scopsamImageIO.h"

#include <iostream>

int
main(int argc, char * argv[])
{
  if (argc != 2)
  {
    std::cerr << "usage: consumer IMAGE" << std::endl;
    return 2;
  }
  const auto image = scopsam::ReadGrayImage(argv[1]);
  auto       prior = itk::GradientPriorFilter<scopsam::GrayImage2D>::New();
  prior->SetInput(image);
  prior->Update();
  const auto * out = prior->GetOutput();
  float        maximum = 0.0f;
  for (std::size_t i = 0; i < out->GetLargestPossibleRegion().GetNumberOfPixels(); ++i)
  {
    const float v = out->GetBufferPointer()[i];
    if (!(v >= 0.0f && v <= 1.0f))
    {
      std::cerr << "value out of [0, 1]: " << v << std::endl;
      return 1;
    }
    maximum = std::max(maximum, v);
  }
  std::cout << "gradient prior maximum " << maximum << std::endl;

  using Mask = itk::Image<unsigned char, 2>;
  auto strong = itk::BinaryThresholdImageFilter<scopsam::GrayImage2D, Mask>::New();
  strong->SetInput(out);
  strong->SetLowerThreshold(0.5f);
  auto quantification = itk::PhaseQuantificationImageFilter<Mask>::New();
  quantification->SetInput(strong->GetOutput());
  quantification->Update();
  std::cout << "strong-gradient area fraction " << quantification->GetAreaFraction() << ", "
            << quantification->GetNumberOfParticles() << " regions" << std::endl;
  return maximum > 0.0f && quantification->GetNumberOfParticles() > 0 ? 0 : 1;
}
