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
#include "scopsamFeatureBank.h"

#include "scopsamErrors.h"

#include <opencv2/imgproc.hpp>

#include <cmath>
#include <sstream>

namespace scopsam
{
namespace
{

cv::Mat
Gaussian(const cv::Mat & image, double sigma)
{
  cv::Mat smooth;
  const int radius = std::max(1, static_cast<int>(std::ceil(3.0 * sigma)));
  cv::GaussianBlur(image, smooth, cv::Size(2 * radius + 1, 2 * radius + 1), sigma, sigma, cv::BORDER_REFLECT_101);
  return smooth;
}

/** First or second central difference of `image` along x and/or y (dx, dy in {0, 1, 2}). */
cv::Mat
Derivative(const cv::Mat & image, int dx, int dy)
{
  cv::Mat out;
  cv::Sobel(image, out, CV_32F, dx, dy, 3, dx + dy == 1 ? 0.125 : 0.25, 0.0, cv::BORDER_REFLECT_101);
  return out;
}

/** Eigenvalues (larger, smaller) of the symmetric 2 x 2 field [a b; b c]. */
std::pair<cv::Mat, cv::Mat>
Eigenvalues(const cv::Mat & a, const cv::Mat & b, const cv::Mat & c)
{
  cv::Mat half = 0.5f * (a + c), diff = 0.5f * (a - c), root;
  cv::sqrt(diff.mul(diff) + b.mul(b), root);
  return { half + root, half - root };
}

std::string
Scale(double sigma)
{
  std::ostringstream text;
  text << sigma;
  return text.str();
}

} // namespace

void
FeatureStack::Append(const cv::Mat & plane, const std::string & name)
{
  if (!Planes.empty() && plane.size() != Size())
  {
    throw InputError("feature plane " + name + " is not the size of the other features");
  }
  cv::Mat converted;
  plane.convertTo(converted, CV_32F);
  Planes.push_back(converted);
  Names.push_back(name);
}

std::string
FeatureStack::Signature() const
{
  std::string signature;
  for (const auto & name : Names)
  {
    signature += (signature.empty() ? "" : ",") + name;
  }
  return signature;
}

cv::Mat
FeatureStack::Samples(const cv::Range & rows) const
{
  const int width = Size().width;
  cv::Mat   samples(rows.size() * width, static_cast<int>(Planes.size()), CV_32F);
  for (int y = rows.start; y < rows.end; ++y)
  {
    for (std::size_t f = 0; f < Planes.size(); ++f)
    {
      const float * in = Planes[f].ptr<float>(y);
      for (int x = 0; x < width; ++x)
      {
        samples.at<float>((y - rows.start) * width + x, static_cast<int>(f)) = in[x];
      }
    }
  }
  return samples;
}

cv::Mat
FeatureStack::Samples(const std::vector<cv::Point> & pixels) const
{
  cv::Mat samples(static_cast<int>(pixels.size()), static_cast<int>(Planes.size()), CV_32F);
  for (std::size_t i = 0; i < pixels.size(); ++i)
  {
    for (std::size_t f = 0; f < Planes.size(); ++f)
    {
      samples.at<float>(static_cast<int>(i), static_cast<int>(f)) = Planes[f].at<float>(pixels[i]);
    }
  }
  return samples;
}

const std::vector<double> &
DefaultFeatureScales()
{
  static const std::vector<double> scales{ 1.0, 1.6, 3.5, 5.0, 10.0 };
  return scales;
}

int
ClassicalFeatureReach(const std::vector<double> & scales)
{
  int reach = 0;
  for (const double sigma : scales)
  {
    // The smoothing (3 sigma), a derivative (1), the structure tensor's smoothing (3 x 2 sigma) and rounding.
    reach = std::max(reach, static_cast<int>(std::ceil(3.0 * sigma)) + 1 + static_cast<int>(std::ceil(6.0 * sigma)) + 1);
  }
  return reach;
}

FeatureStack
ClassicalFeatures(const cv::Mat & image, const std::vector<double> & scales)
{
  if (image.empty() || image.channels() != 1)
  {
    throw InputError("the classical features need a one-channel image");
  }
  FeatureStack features;
  cv::Mat      gray;
  image.convertTo(gray, CV_32F);
  features.Append(gray, "image");
  for (const double sigma : scales)
  {
    if (!(sigma > 0.0 && sigma <= 64.0))
    {
      throw InputError("feature scales must lie in (0, 64] pixels");
    }
    const std::string s = Scale(sigma);
    const cv::Mat     smooth = Gaussian(gray, sigma);
    const cv::Mat     gx = Derivative(smooth, 1, 0), gy = Derivative(smooth, 0, 1);
    const cv::Mat     gxx = Derivative(smooth, 2, 0), gyy = Derivative(smooth, 0, 2), gxy = Derivative(smooth, 1, 1);
    const float       s1 = static_cast<float>(sigma), s2 = static_cast<float>(sigma * sigma);
    cv::Mat           magnitude;
    cv::magnitude(gx, gy, magnitude);
    features.Append(smooth, "gaussian" + s);
    features.Append(s2 * (gxx + gyy), "log" + s);
    features.Append(s1 * magnitude, "gradient" + s);
    features.Append(smooth - Gaussian(gray, 0.66 * sigma), "dog" + s);
    const auto tensor = Eigenvalues(Gaussian(gx.mul(gx), 2.0 * sigma), Gaussian(gx.mul(gy), 2.0 * sigma),
                                    Gaussian(gy.mul(gy), 2.0 * sigma));
    features.Append(s2 * tensor.first, "tensor_major" + s);
    const auto hessian = Eigenvalues(gxx, gxy, gyy);
    features.Append(s2 * hessian.first, "hessian_major" + s);
    features.Append(s2 * hessian.second, "hessian_minor" + s);
  }
  return features;
}

} // namespace scopsam
