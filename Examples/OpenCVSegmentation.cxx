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
// An OpenCV program that calls the SCoP-SAM ITK filters through the itk::Image <-> cv::Mat bridge:
//
//   cv::imread -> ImageFromMat -> itk::SCoPSAMSegmentationFilter -> MatView -> cv::findContours -> cv::imwrite
//
//   OpenCVSegmentation MICROGRAPH OUTLINES.png [MODEL]
//
// The micrograph is read by OpenCV, copied once into an ITK image, segmented (the embedded default model unless
// MODEL is given), and the mask is looked at by OpenCV without a copy (a view of the ITK buffer): its particles are
// outlined in red on the micrograph.
#include "itkSCoPSAMSegmentationFilter.h"
#include "scopsamOpenCVBridge.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <iostream>

int
main(int argc, char * argv[])
{
  if (argc != 3 && argc != 4)
  {
    std::cerr << "usage: " << argv[0] << " MICROGRAPH OUTLINES.png [MODEL]" << std::endl;
    return 2;
  }
  const cv::Mat micrograph = cv::imread(argv[1], cv::IMREAD_GRAYSCALE);
  if (micrograph.empty())
  {
    std::cerr << argv[0] << ": OpenCV cannot read " << argv[1] << std::endl;
    return 2;
  }
  using Image = itk::Image<unsigned char, 2>;
  using Segmentation = itk::SCoPSAMSegmentationFilter<Image>;
  try
  {
    auto segmentation = Segmentation::New();
    segmentation->SetInput(scopsam::ImageFromMat<unsigned char>(micrograph)); // a copy: OpenCV rows are padded
    segmentation->SetModelFileName(argc == 4 ? argv[3] : "");               // "": the embedded default model
    segmentation->Update();

    const cv::Mat mask = scopsam::MatView(segmentation->GetMaskOutput()); // no copy
    std::vector<std::vector<cv::Point>> outlines;
    cv::findContours(mask.clone(), outlines, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_NONE);
    cv::Mat picture;
    cv::cvtColor(micrograph, picture, cv::COLOR_GRAY2BGR);
    cv::drawContours(picture, outlines, -1, cv::Scalar(0, 0, 255), 1);
    if (!cv::imwrite(argv[2], picture))
    {
      std::cerr << argv[0] << ": OpenCV cannot write " << argv[2] << std::endl;
      return 1;
    }
    std::cout << outlines.size() << " particles outlined, phase fraction "
              << cv::countNonZero(mask) / static_cast<double>(mask.total()) << std::endl;
  }
  catch (const itk::ExceptionObject & e)
  {
    std::cerr << e.GetDescription() << std::endl;
    return 1;
  }
  return 0;
}
