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
#include "scopsamPictures.h"

#include "itkRGBPixel.h"
#include "scopsamErrors.h"
#include "scopsamImageIO.h"

#include <opencv2/imgproc.hpp>

namespace scopsam
{

cv::Mat
PhaseOverlay(const cv::Mat & normalized, const cv::Mat & mask, double fillOpacity)
{
  if (normalized.type() != CV_32F || mask.type() != CV_8U || normalized.size() != mask.size())
  {
    throw InputError("an overlay needs a normalised float image and a mask of the same size");
  }
  const cv::Vec3b tint(255, 200, 0);   // amber fill
  const cv::Vec3b outline(255, 40, 200); // magenta outline, visible on both dark and bright phases
  cv::Mat phase = mask != 0;
  cv::Mat inner;
  cv::erode(phase, inner, cv::getStructuringElement(cv::MORPH_CROSS, cv::Size(3, 3)), cv::Point(-1, -1), 1,
            cv::BORDER_REPLICATE);
  cv::Mat result(normalized.size(), CV_8UC3);
  for (int y = 0; y < normalized.rows; ++y)
  {
    for (int x = 0; x < normalized.cols; ++x)
    {
      const auto gray = static_cast<unsigned char>(std::lround(255.0f * std::min(1.0f, std::max(0.0f, normalized.at<float>(y, x)))));
      cv::Vec3b  pixel(gray, gray, gray);
      if (phase.at<unsigned char>(y, x))
      {
        if (!inner.at<unsigned char>(y, x))
        {
          pixel = outline;
        }
        else
        {
          for (int c = 0; c < 3; ++c)
          {
            pixel[c] = static_cast<unsigned char>(std::lround((1.0 - fillOpacity) * gray + fillOpacity * tint[c]));
          }
        }
      }
      result.at<cv::Vec3b>(y, x) = pixel;
    }
  }
  return result;
}

void
WriteRGBPicture(const cv::Mat & rgb, const std::string & path)
{
  if (rgb.type() != CV_8UC3)
  {
    throw InputError("a picture is an 8-bit RGB image");
  }
  using RGBImage = itk::Image<itk::RGBPixel<unsigned char>, 2>;
  auto picture = RGBImage::New();
  picture->SetRegions(RGBImage::SizeType{ { static_cast<itk::SizeValueType>(rgb.cols), static_cast<itk::SizeValueType>(rgb.rows) } });
  picture->Allocate();
  for (int y = 0; y < rgb.rows; ++y)
  {
    for (int x = 0; x < rgb.cols; ++x)
    {
      const auto &                 v = rgb.at<cv::Vec3b>(y, x);
      itk::RGBPixel<unsigned char> p;
      p[0] = v[0];
      p[1] = v[1];
      p[2] = v[2];
      picture->GetBufferPointer()[static_cast<std::size_t>(y) * rgb.cols + x] = p;
    }
  }
  scopsam::WriteImage(picture.GetPointer(), path);
}

} // namespace scopsam
