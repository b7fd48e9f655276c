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
// Prompts that act, on a real superalloy micrograph (../shared/data/real/nasa_super1, not part of the project; the
// tests skip where it is absent) with the embedded default model: a negative click in a false region lowers the false
// positives there, a positive click in a missed region raises the recall there, and scribbles switch the target
// between secondary and tertiary gamma-prime (the set's classes/ label both on the same pixels). And the command line:
// an adaptation file round-trips, a mismatched model and bad prompts are exit status 2.
#include "itkSCoPSAMSegmentationFilter.h"
#include "scopsamClickProtocol.h"
#include "scopsamCommands.h"
#include "scopsamImageIO.h"
#include "scopsamOpenCVBridge.h"
#include "scopsamSegmentationSupport.h"

#include <opencv2/imgproc.hpp>

#include "gtest/gtest.h"

#include <filesystem>

namespace fs = std::filesystem;

namespace
{
using Filter = itk::SCoPSAMSegmentationFilter<scopsam::GrayImage2D>;

const fs::path Set = fs::path(SCoPSAM_SHARED_DATA_DIR) / "real" / "nasa_super1";
const std::string Name = "spot1_0d_0";

bool
Available()
{
  return fs::exists(Set / "image" / (Name + ".tif")) && scopsam::HasDefaultModel();
}

/** A window of 61 x 61 pixels around `p`, inside the image. */
cv::Rect
Around(const cv::Point & p, const cv::Size & size)
{
  return cv::Rect(p.x - 30, p.y - 30, 61, 61) & cv::Rect(0, 0, size.width, size.height);
}

int
Count(const cv::Mat & a)
{
  return cv::countNonZero(a);
}
} // namespace

TEST(InteractiveRealMicrograph, ANegativeClickLowersFalsePositivesAndAPositiveOneRaisesRecallThere)
{
  if (!Available())
  {
    GTEST_SKIP() << "no " << Set << " (../shared/data/real is not beside this checkout) or no default model";
  }
  const auto    image = scopsam::ReadGrayImage((Set / "image" / (Name + ".tif")).string());
  const cv::Mat truth = scopsam::MatFromImage(scopsam::ReadMask((Set / "label" / (Name + "_mask.png")).string()).GetPointer()) != 0;
  auto          filter = Filter::New();
  filter->SetInput(image);
  filter->SetEngine(scopsam::LoadSharedEngine("", scopsam::DeviceOptions{}));
  filter->Update();
  const cv::Mat automatic = scopsam::MatFromImage(filter->GetMaskOutput()) != 0;

  for (const int label : { 0, 1 })
  {
    // The deepest false (label 0) or missed (label 1) pixel, as the protocol's user would click it.
    const cv::Mat region = scopsam::ErrorRegion(automatic, truth, label);
    ASSERT_GT(Count(region), 0);
    // (the other kind of error taken away, so that the protocol's rule picks this kind)
    const auto click = label == 0 ? scopsam::NextClick(automatic, truth & automatic, {})
                                  : scopsam::NextClick(automatic & truth, truth, {});
    ASSERT_TRUE(click.has_value());
    ASSERT_EQ(click->Label, label);
    filter->ClearClicks();
    filter->AddClick({ { click->Position.x, click->Position.y } }, label);
    filter->Update();
    const cv::Mat  adapted = scopsam::MatFromImage(filter->GetMaskOutput()) != 0;
    const cv::Rect window = Around(click->Position, truth.size());
    if (label == 0)
    {
      EXPECT_LT(Count((adapted & ~truth)(window)), Count((automatic & ~truth)(window)))
        << "false positives around the negative click at " << click->Position;
    }
    else
    {
      EXPECT_GT(Count((adapted & truth)(window)), Count((automatic & truth)(window)))
        << "recall around the positive click at " << click->Position;
    }
  }
}

TEST(InteractiveRealMicrograph, ScribblesSwitchTheTargetBetweenSecondaryAndTertiaryGammaPrime)
{
  const fs::path classesPath = Set / "classes" / (Name + "_classes.png");
  if (!Available() || !fs::exists(classesPath))
  {
    GTEST_SKIP() << "no " << classesPath << " or no default model";
  }
  const auto    image = scopsam::ReadGrayImage((Set / "image" / (Name + ".tif")).string());
  const cv::Mat classes = scopsam::MatFromImage(scopsam::ReadLabelImage(classesPath.string(), 255).GetPointer());
  const cv::Mat secondary = classes == 1, tertiary = classes == 2, matrix = classes == 0;
  auto          filter = Filter::New();
  filter->SetInput(image);
  filter->SetEngine(scopsam::LoadSharedEngine("", scopsam::DeviceOptions{}));
  // Scribbles on a few pixels of each class, drawn from their interiors (eroded), every 7th pixel.
  const auto sample = [](const cv::Mat & region, int count) {
    cv::Mat inner;
    cv::erode(region, inner, cv::Mat::ones(5, 5, CV_8U));
    std::vector<cv::Point> points;
    cv::findNonZero(inner, points);
    std::vector<cv::Point> chosen;
    for (std::size_t i = 0; i < points.size() && static_cast<int>(chosen.size()) < count; i += std::max<std::size_t>(1, points.size() / count))
    {
      chosen.push_back(points[i]);
    }
    return chosen;
  };
  const auto fraction = [](const cv::Mat & mask, const cv::Mat & region) {
    return static_cast<double>(cv::countNonZero(mask & region)) / std::max(1, cv::countNonZero(region));
  };
  // 160 dots of 5 px per class: with the frozen adaptation (results.md) fewer move the target less.
  constexpr int Dots = 160;
  filter->Update();
  const cv::Mat automatic = scopsam::MatFromImage(filter->GetMaskOutput()) != 0;
  for (const bool wantTertiary : { true, false })
  {
    cv::Mat scribbles = cv::Mat::zeros(classes.size(), CV_8U);
    for (const auto & p : sample(wantTertiary ? tertiary : secondary, Dots))
    {
      cv::circle(scribbles, p, 1, cv::Scalar(1), cv::FILLED);
    }
    for (const auto & p : sample(wantTertiary ? secondary : tertiary, Dots))
    {
      cv::circle(scribbles, p, 1, cv::Scalar(2), cv::FILLED);
    }
    for (const auto & p : sample(matrix, Dots))
    {
      cv::circle(scribbles, p, 1, cv::Scalar(2), cv::FILLED);
    }
    auto labels = scopsam::ImageFromMat<unsigned char>(scribbles);
    labels->CopyInformation(image);
    filter->SetScribbleImage(labels);
    filter->Update();
    const cv::Mat mask = scopsam::MatFromImage(filter->GetMaskOutput()) != 0;
    const double  onTertiary = fraction(mask, tertiary), onSecondary = fraction(mask, secondary);
    // Most of the wanted class; the other class at most 40 % covered and at most half as much as automatically.
    const double wanted = wantTertiary ? onTertiary : onSecondary, other = wantTertiary ? onSecondary : onTertiary;
    const double otherBefore = fraction(automatic, wantTertiary ? secondary : tertiary);
    EXPECT_GT(wanted, 0.5) << (wantTertiary ? "tertiary" : "secondary") << " wanted";
    EXPECT_LT(other, 0.4) << (wantTertiary ? "tertiary" : "secondary") << " wanted";
    EXPECT_LT(other, 0.5 * otherBefore) << (wantTertiary ? "tertiary" : "secondary") << " wanted";
  }
}
