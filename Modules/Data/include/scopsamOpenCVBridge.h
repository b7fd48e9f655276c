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
#ifndef scopsamOpenCVBridge_h
#define scopsamOpenCVBridge_h

#include "itkImage.h"

#include <opencv2/core.hpp>

#include <cstring>
#include <stdexcept>

/** \file scopsamOpenCVBridge.h
 * \brief itk::Image <-> cv::Mat for 2-D scalar images (uint8, uint16, float).
 *
 * MatView() wraps an ITK image's buffer without copying (the image must outlive the view); ImageFromMat() and
 * MatFromImage() copy. ITK's first index is the column (x), OpenCV's first the row (y): a pixel (x, y) of the
 * ITK image is mat.at<T>(y, x). Origin and spacing do not travel (cv::Mat has none).
 * \ingroup SCoPSAMData
 */
namespace scopsam
{

/** OpenCV's type code of a scalar pixel type. */
template <typename TPixel>
constexpr int
OpenCVType()
{
  if constexpr (std::is_same_v<TPixel, unsigned char>)
  {
    return CV_8UC1;
  }
  else if constexpr (std::is_same_v<TPixel, unsigned short>)
  {
    return CV_16UC1;
  }
  else if constexpr (std::is_same_v<TPixel, short>)
  {
    return CV_16SC1;
  }
  else if constexpr (std::is_same_v<TPixel, float>)
  {
    return CV_32FC1;
  }
  else
  {
    static_assert(std::is_same_v<TPixel, double>, "no OpenCV type for this pixel type");
    return CV_64FC1;
  }
}

/** A cv::Mat header over the image's buffer: no copy; writes through it change the image. */
template <typename TPixel>
cv::Mat
MatView(itk::Image<TPixel, 2> * image)
{
  const auto size = image->GetBufferedRegion().GetSize();
  return cv::Mat(static_cast<int>(size[1]), static_cast<int>(size[0]), OpenCVType<TPixel>(), image->GetBufferPointer());
}

/** A copy of an ITK image as a cv::Mat. */
template <typename TPixel>
cv::Mat
MatFromImage(const itk::Image<TPixel, 2> * image)
{
  return MatView(const_cast<itk::Image<TPixel, 2> *>(image)).clone();
}

/** A copy of a one-channel cv::Mat of the matching type as an ITK image (origin 0, spacing 1). */
template <typename TPixel>
typename itk::Image<TPixel, 2>::Pointer
ImageFromMat(const cv::Mat & mat)
{
  if (mat.type() != OpenCVType<TPixel>())
  {
    throw std::invalid_argument("ImageFromMat: the cv::Mat's type does not match the ITK pixel type");
  }
  using ImageType = itk::Image<TPixel, 2>;
  auto image = ImageType::New();
  image->SetRegions(typename ImageType::RegionType(
    typename ImageType::SizeType{ { static_cast<itk::SizeValueType>(mat.cols), static_cast<itk::SizeValueType>(mat.rows) } }));
  image->Allocate();
  for (int y = 0; y < mat.rows; ++y)
  {
    std::memcpy(image->GetBufferPointer() + static_cast<std::size_t>(y) * mat.cols, mat.ptr<TPixel>(y), mat.cols * sizeof(TPixel));
  }
  return image;
}

} // namespace scopsam

#endif
