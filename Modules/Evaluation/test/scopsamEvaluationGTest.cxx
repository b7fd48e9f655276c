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
// Metrics against cases computed by hand, the empty-mask conventions, the report formats and the baselines.
#include "scopsamBaselines.h"
#include "scopsamClickProtocol.h"
#include "scopsamMaskChecks.h"
#include "scopsamErrors.h"
#include "scopsamMetrics.h"
#include "scopsamOpenCVBridge.h"
#include "scopsamSyntheticMicrograph.h"

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "gtest/gtest.h"

#include <algorithm>

namespace
{
cv::Mat
Rect(int width, int height, cv::Rect r)
{
  cv::Mat m = cv::Mat::zeros(height, width, CV_8U);
  m(r).setTo(255);
  return m;
}
} // namespace

TEST(Metrics, OverlappingSquaresByHand)
{
  // Truth: 10x10 square at (10, 10); prediction: the same square moved 5 px right. Overlap 5x10 = 50 px.
  const cv::Mat truth = Rect(40, 40, { 10, 10, 10, 10 }), prediction = Rect(40, 40, { 15, 10, 10, 10 });
  const auto    m = scopsam::EvaluateMasks(prediction, truth);
  EXPECT_EQ(m.TruePositives, 50u);
  EXPECT_EQ(m.FalsePositives, 50u);
  EXPECT_EQ(m.FalseNegatives, 50u);
  EXPECT_DOUBLE_EQ(m.IoU, 50.0 / 150.0);
  EXPECT_DOUBLE_EQ(m.Dice, 100.0 / 200.0);
  EXPECT_DOUBLE_EQ(m.Precision, 0.5);
  EXPECT_DOUBLE_EQ(m.Recall, 0.5);
  // IoU 1/3 < 0.5: the objects do not match.
  EXPECT_EQ(m.TruthObjects, 1u);
  EXPECT_EQ(m.PredictedObjects, 1u);
  EXPECT_EQ(m.MatchedObjects, 0u);
  EXPECT_DOUBLE_EQ(m.ObjectF1, 0.0);
  // Boundaries: 36 pixels each (two rows of 10, two columns of 8). Predicted boundary pixels within 2 px of the
  // true boundary: on its top and bottom rows x = 15..21 (7 each, x 20 and 21 are 1 and 2 px from the true corner);
  // on its left column x = 15 the rows 11, 12, 17, 18 (1 or 2 px from the true top or bottom row); its right
  // column x = 24 is 5 px away. 14 + 4 = 18, and the same for the truth by symmetry.
  EXPECT_EQ(m.TruthBoundary, 36u);
  EXPECT_EQ(m.PredictedBoundary, 36u);
  EXPECT_EQ(m.PredictedBoundaryMatched, 18u);
  EXPECT_EQ(m.TruthBoundaryMatched, 18u);
  EXPECT_NEAR(m.BoundaryF, 0.5, 1e-12);
}

TEST(Metrics, PerfectAndObjectMatching)
{
  cv::Mat truth = Rect(50, 50, { 5, 5, 6, 6 });
  truth(cv::Rect(30, 30, 8, 8)).setTo(255);
  cv::Mat prediction = truth.clone();
  prediction(cv::Rect(30, 30, 8, 2)).setTo(0); // the second object keeps 48/64 = 0.75 IoU: still a match
  prediction(cv::Rect(45, 2, 2, 2)).setTo(255); // a false object
  const auto m = scopsam::EvaluateMasks(prediction, truth);
  EXPECT_EQ(m.TruthObjects, 2u);
  EXPECT_EQ(m.PredictedObjects, 3u);
  EXPECT_EQ(m.MatchedObjects, 2u);
  EXPECT_DOUBLE_EQ(m.ObjectF1, 4.0 / 5.0);
  const auto perfect = scopsam::EvaluateMasks(truth, truth);
  EXPECT_DOUBLE_EQ(perfect.IoU, 1.0);
  EXPECT_DOUBLE_EQ(perfect.BoundaryF, 1.0);
  EXPECT_DOUBLE_EQ(perfect.ObjectF1, 1.0);
}

TEST(Metrics, EmptyMaskConventions)
{
  const cv::Mat empty = cv::Mat::zeros(20, 20, CV_8U), some = Rect(20, 20, { 2, 2, 3, 3 });
  const auto    bothEmpty = scopsam::EvaluateMasks(empty, empty);
  for (double v : { bothEmpty.IoU, bothEmpty.Dice, bothEmpty.Precision, bothEmpty.Recall, bothEmpty.BoundaryF, bothEmpty.ObjectF1 })
  {
    EXPECT_EQ(v, 1.0);
  }
  const auto missed = scopsam::EvaluateMasks(empty, some);
  EXPECT_EQ(missed.IoU, 0.0);
  EXPECT_EQ(missed.Precision, 0.0);
  EXPECT_EQ(missed.Recall, 0.0);
  EXPECT_EQ(missed.ObjectF1, 0.0);
  const auto invented = scopsam::EvaluateMasks(some, empty);
  EXPECT_EQ(invented.IoU, 0.0);
  EXPECT_EQ(invented.Recall, 0.0);
  EXPECT_EQ(invented.BoundaryF, 0.0);
  EXPECT_THROW(scopsam::EvaluateMasks(some, cv::Mat::zeros(21, 20, CV_8U)), scopsam::InputError);
}

TEST(Metrics, IgnoredPixelsDoNotCount)
{
  const cv::Mat truth = Rect(20, 20, { 0, 0, 5, 5 });
  cv::Mat       prediction = truth.clone();
  prediction(cv::Rect(15, 15, 5, 5)).setTo(255); // a data bar the user excludes
  const auto m = scopsam::EvaluateMasks(prediction, truth, {}, Rect(20, 20, { 14, 14, 6, 6 }));
  EXPECT_DOUBLE_EQ(m.IoU, 1.0);
}

TEST(Metrics, SummaryMeanPooledAndFormats)
{
  const cv::Mat a = Rect(10, 10, { 0, 0, 5, 10 }), b = Rect(10, 10, { 0, 0, 10, 10 });
  auto          first = scopsam::EvaluateMasks(a, a); // IoU 1
  first.Name = "first";
  auto second = scopsam::EvaluateMasks(a, b); // IoU 0.5, TP 50, FN 50
  second.Name = "second";
  const auto summary = scopsam::Summarize({ first, second });
  EXPECT_DOUBLE_EQ(summary.Mean.IoU, 0.75);
  EXPECT_DOUBLE_EQ(summary.Pooled.IoU, 100.0 / 150.0);
  const std::string markdown = scopsam::ToMarkdown(summary);
  EXPECT_NE(markdown.find("| first | 1.0000 |"), std::string::npos) << markdown;
  EXPECT_NE(markdown.find("| **mean** | 0.7500 |"), std::string::npos) << markdown;
  const auto json = nlohmann::json::parse(scopsam::ToJSON(summary, {}));
  EXPECT_EQ(json["images"].size(), 2u);
  EXPECT_DOUBLE_EQ(json["pooled"]["iou"].get<double>(), 100.0 / 150.0);
  const std::string csv = scopsam::ToCSV(summary);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 5);
}

TEST(Baselines, OtsuAndAdaptiveFindBrightAndDarkDiscs)
{
  for (int polarity : { 1, -1 })
  {
    cv::Mat image(100, 100, CV_32F, cv::Scalar(0.5));
    cv::Mat truth = cv::Mat::zeros(100, 100, CV_8U);
    for (int k = 0; k < 5; ++k)
    {
      cv::circle(image, { 15 + 17 * k, 50 }, 5, 0.5 + 0.3 * polarity, cv::FILLED);
      cv::circle(truth, { 15 + 17 * k, 50 }, 5, 255, cv::FILLED);
    }
    for (auto method : { scopsam::BaselineMethod::Otsu, scopsam::BaselineMethod::Adaptive })
    {
      scopsam::BaselineOptions options;
      options.Method = method;
      const auto mask = scopsam::SegmentBaseline(image, options);
      EXPECT_GT(scopsam::EvaluateMasks(mask, truth).IoU, 0.9) << scopsam::BaselineMethodName(method) << " " << polarity;
    }
  }
  scopsam::BaselineOptions bad;
  bad.BlockSize = 4;
  EXPECT_THROW(scopsam::SegmentBaseline(cv::Mat(10, 10, CV_32F, cv::Scalar(0)), bad), scopsam::InputError);
  EXPECT_THROW(scopsam::ParseBaselineMethod("watershed"), scopsam::InputError);
}

TEST(Baselines, NormalisationMapsRobustRangeToUnit)
{
  cv::Mat values(100, 100, CV_16U);
  for (int i = 0; i < 10000; ++i)
  {
    values.at<unsigned short>(i / 100, i % 100) = static_cast<unsigned short>(1000 + i);
  }
  const auto normalized = scopsam::NormalizedMat(scopsam::ImageFromMat<float>([&] {
                                                   cv::Mat f;
                                                   values.convertTo(f, CV_32F);
                                                   return f;
                                                 }())
                                                   .GetPointer());
  double lo, hi;
  cv::minMaxLoc(normalized, &lo, &hi);
  EXPECT_EQ(lo, 0.0);
  EXPECT_EQ(hi, 1.0);
  EXPECT_NEAR(normalized.at<float>(50, 0), 0.5, 0.01);
}

TEST(ClickProtocol, ClicksTheDeepestPointOfTheLargerErrorWithItsPolarity)
{
  cv::Mat truth = cv::Mat::zeros(100, 120, CV_8U), prediction = cv::Mat::zeros(100, 120, CV_8U);
  cv::circle(truth, { 30, 40 }, 12, cv::Scalar(255), cv::FILLED);      // a particle the mask misses
  cv::circle(truth, { 90, 70 }, 6, cv::Scalar(255), cv::FILLED);       // a small one it finds
  cv::circle(prediction, { 90, 70 }, 6, cv::Scalar(255), cv::FILLED);
  cv::rectangle(prediction, { 70, 5 }, { 79, 14 }, cv::Scalar(255), cv::FILLED); // a false 10 x 10 square

  auto click = scopsam::NextClick(prediction, truth, {});
  ASSERT_TRUE(click);
  EXPECT_EQ(click->Label, 1) << "the missed disc (radius 12) is deeper than the false square (half-width 5)";
  EXPECT_LE(cv::norm(click->Position - cv::Point(30, 40)), 1.5);
  EXPECT_NEAR(click->ErrorDepth, 13.0, 1.0);

  // Once the disc is found, the square is the error left: a negative click inside it.
  cv::circle(prediction, { 30, 40 }, 12, cv::Scalar(255), cv::FILLED);
  click = scopsam::NextClick(prediction, truth, { *click });
  ASSERT_TRUE(click);
  EXPECT_EQ(click->Label, 0);
  EXPECT_TRUE(cv::Rect(70, 5, 10, 10).contains(click->Position)) << click->Position;

  // A pixel already clicked is no error any more: a 1-pixel error that was clicked gives no click.
  cv::Mat one = cv::Mat::zeros(20, 20, CV_8U);
  one.at<unsigned char>(5, 7) = 255;
  const auto first = scopsam::NextClick(cv::Mat::zeros(20, 20, CV_8U), one, {});
  ASSERT_TRUE(first);
  EXPECT_EQ(first->Position, cv::Point(7, 5));
  EXPECT_FALSE(scopsam::NextClick(cv::Mat::zeros(20, 20, CV_8U), one, { *first }));

  // An error at the image border is measured from the border (one pixel of "no error" around the image).
  cv::Mat edge = cv::Mat::zeros(30, 30, CV_8U);
  edge.colRange(0, 4).setTo(255);
  const auto atEdge = scopsam::NextClick(cv::Mat::zeros(30, 30, CV_8U), edge, {});
  ASSERT_TRUE(atEdge);
  EXPECT_EQ(atEdge->Position.x, 1) << "the middle of a 4-px band touching the border is 1.5 px in";

  // No error, no click; ignored pixels are no error.
  EXPECT_FALSE(scopsam::NextClick(truth, truth, {}));
  cv::Mat ignore = cv::Mat::zeros(100, 120, CV_8U);
  ignore(cv::Rect(70, 5, 10, 10)).setTo(1);
  EXPECT_FALSE(scopsam::NextClick(prediction, truth, {}, ignore));
  EXPECT_THROW(scopsam::NextClick(prediction, cv::Mat::zeros(10, 10, CV_8U), {}), scopsam::InputError);
}

TEST(ClickProtocol, ClicksWhereOpenCVsExactDistanceTransformIsDeepest)
{
  // The rule is scopsamProtocolClick.h's own transform (shared with the trainer, which has no OpenCV); an oracle
  // built on OpenCV's exact transform (DIST_MASK_PRECISE) must pick the same pixel, label and depth on random masks.
  const auto deepest = [](const cv::Mat & region) {
    cv::Mat padded, distance;
    cv::copyMakeBorder(region, padded, 1, 1, 1, 1, cv::BORDER_CONSTANT, cv::Scalar(0));
    cv::distanceTransform(padded, distance, cv::DIST_L2, cv::DIST_MASK_PRECISE, CV_32F);
    float     maximum = 0;
    cv::Point where(-1, -1);
    for (int y = 0; y < region.rows; ++y)
    {
      for (int x = 0; x < region.cols; ++x)
      {
        if (distance.at<float>(y + 1, x + 1) > maximum)
        {
          maximum = distance.at<float>(y + 1, x + 1);
          where = { x, y };
        }
      }
    }
    return std::pair{ maximum, where };
  };
  cv::RNG random(14);
  int     clicks = 0;
  for (int trial = 0; trial < 40; ++trial)
  {
    const cv::Size size(random.uniform(1, 90), random.uniform(1, 70));
    cv::Mat        truth = cv::Mat::zeros(size, CV_8U), prediction = cv::Mat::zeros(size, CV_8U);
    for (cv::Mat * m : { &truth, &prediction })
    {
      for (int k = random.uniform(0, 6); k > 0; --k)
      {
        cv::circle(*m, { random.uniform(0, size.width), random.uniform(0, size.height) }, random.uniform(1, 20),
                   cv::Scalar(255), cv::FILLED);
      }
    }
    const cv::Mat missed = scopsam::ErrorRegion(prediction, truth, 1), wrong = scopsam::ErrorRegion(prediction, truth, 0);
    const auto [missedDepth, missedAt] = deepest(missed);
    const auto [wrongDepth, wrongAt] = deepest(wrong);
    const auto click = scopsam::NextClick(prediction, truth, {});
    if (missedDepth <= 0 && wrongDepth <= 0)
    {
      EXPECT_FALSE(click) << "trial " << trial;
      continue;
    }
    ASSERT_TRUE(click) << "trial " << trial;
    ++clicks;
    const bool positive = missedDepth >= wrongDepth;
    EXPECT_EQ(click->Label, positive ? 1 : 0) << "trial " << trial;
    EXPECT_EQ(click->Position, positive ? missedAt : wrongAt) << "trial " << trial;
    EXPECT_NEAR(click->ErrorDepth, positive ? missedDepth : wrongDepth, 1e-4) << "trial " << trial;
  }
  EXPECT_GT(clicks, 20) << "most random masks have an error to click";
}

TEST(ClickProtocol, ScribblesAreShortStraightStrokesInsideTheRegion)
{
  cv::Mat truth = cv::Mat::zeros(60, 60, CV_8U);
  cv::rectangle(truth, { 10, 28 }, { 49, 31 }, cv::Scalar(255), cv::FILLED); // a 40 x 4 needle, missed
  const cv::Mat prediction = cv::Mat::zeros(60, 60, CV_8U);
  const auto    click = scopsam::NextClick(prediction, truth, {});
  ASSERT_TRUE(click);
  const cv::Mat region = scopsam::ErrorRegion(prediction, truth, click->Label);
  const auto    stroke = scopsam::ScribbleThrough(*click, region);
  EXPECT_EQ(stroke.size(), static_cast<std::size_t>(scopsam::ScribbleLength)) << "along the needle, not across it";
  for (const auto & p : stroke)
  {
    EXPECT_NE(region.at<unsigned char>(p), 0) << p;
    EXPECT_EQ(p.y, click->Position.y) << "a horizontal stroke";
  }
  EXPECT_NE(std::find(stroke.begin(), stroke.end(), click->Position), stroke.end());
  // In a 1-pixel region the scribble is the click itself.
  cv::Mat dot = cv::Mat::zeros(9, 9, CV_8U);
  dot.at<unsigned char>(4, 4) = 1;
  EXPECT_EQ(scopsam::ScribbleThrough({ { 4, 4 }, 1, 1.0 }, dot).size(), 1u);
}

// The mask checks: a mask of everything is one particle spanning the field and warns; discs on a matrix, which a
// global threshold finds, do not; a trained IoU head predicting a poor mask warns by itself.
TEST(MaskChecks, EverythingWarnsDiscsDoNotAndALowPredictionDoes)
{
  cv::Mat image(200, 200, CV_32F, cv::Scalar(0.8f));
  cv::Mat discs = cv::Mat::zeros(200, 200, CV_8U);
  for (int k = 0; k < 9; ++k)
  {
    cv::circle(discs, { 30 + 70 * (k % 3), 30 + 70 * (k / 3) }, 15, cv::Scalar(255), cv::FILLED);
  }
  image.setTo(0.2f, discs);
  const auto good = scopsam::MeasureMaskSignals(image, discs, 0.9);
  EXPECT_NEAR(good.ThresholdAgreement, 1.0, 1e-9);
  EXPECT_EQ(good.ThresholdPolarity, "dark");
  EXPECT_LT(good.LargestSpan, 0.2);
  EXPECT_TRUE(scopsam::MaskWarnings(good).empty());

  const cv::Mat everything(200, 200, CV_8U, cv::Scalar(255));
  const auto    bad = scopsam::MeasureMaskSignals(image, everything, std::nullopt);
  EXPECT_TRUE(std::isnan(bad.PredictedIoU));
  EXPECT_DOUBLE_EQ(bad.LargestSpan, 1.0);
  EXPECT_DOUBLE_EQ(bad.LargestShare, 1.0);
  const auto warnings = scopsam::MaskWarnings(bad);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("spans the field"), std::string::npos) << warnings[0];

  // A spanning network that covers a third of the field and matches a threshold (a percolating real phase): quiet.
  cv::Mat network = cv::Mat::zeros(200, 200, CV_8U);
  for (int k = 0; k < 200; k += 20)
  {
    network.rowRange(k, k + 4).setTo(255);
    network.colRange(k, k + 4).setTo(255);
  }
  cv::Mat networkImage(200, 200, CV_32F, cv::Scalar(0.2f));
  networkImage.setTo(0.8f, network);
  EXPECT_TRUE(scopsam::MaskWarnings(scopsam::MeasureMaskSignals(networkImage, network, std::nullopt)).empty());

  EXPECT_EQ(scopsam::MaskWarnings(scopsam::MeasureMaskSignals(image, discs, 0.4)).size(), 1u);
}
