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
#include "scopsamMetrics.h"

#include "scopsamErrors.h"

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include <iomanip>
#include <sstream>
#include <unordered_map>

namespace scopsam
{
namespace
{

/** numerator / denominator, with the empty-case convention of the header. */
double
Ratio(double numerator, double denominator, bool bothEmpty)
{
  if (denominator > 0.0)
  {
    return numerator / denominator;
  }
  return bothEmpty ? 1.0 : 0.0;
}

/** Phase pixels with a 4-neighbour outside the phase; pixels beyond the image border count as phase. */
cv::Mat
Boundary(const cv::Mat & mask)
{
  cv::Mat eroded;
  cv::erode(mask, eroded, cv::getStructuringElement(cv::MORPH_CROSS, cv::Size(3, 3)), cv::Point(-1, -1), 1,
            cv::BORDER_REPLICATE);
  cv::Mat boundary;
  cv::subtract(mask, eroded, boundary);
  return boundary;
}

/** How many pixels of `from` lie within `tolerance` of a pixel of `to`. */
std::uint64_t
WithinTolerance(const cv::Mat & from, const cv::Mat & to, double tolerance)
{
  if (cv::countNonZero(to) == 0 || cv::countNonZero(from) == 0)
  {
    return 0;
  }
  cv::Mat distance;
  cv::distanceTransform(to == 0, distance, cv::DIST_L2, cv::DIST_MASK_PRECISE);
  return static_cast<std::uint64_t>(cv::countNonZero((distance <= tolerance) & (from != 0)));
}

} // namespace

void
SegmentationMetrics::ComputeFigures()
{
  const bool   empty = TruePositives + FalsePositives + FalseNegatives == 0;
  const double tp = static_cast<double>(TruePositives), fp = static_cast<double>(FalsePositives),
               fn = static_cast<double>(FalseNegatives);
  IoU = Ratio(tp, tp + fp + fn, empty);
  Dice = Ratio(2 * tp, 2 * tp + fp + fn, empty);
  Precision = Ratio(tp, tp + fp, empty);
  Recall = Ratio(tp, tp + fn, empty);
  const bool   noBoundary = PredictedBoundary + TruthBoundary == 0;
  const double bp = Ratio(static_cast<double>(PredictedBoundaryMatched), static_cast<double>(PredictedBoundary), noBoundary);
  const double br = Ratio(static_cast<double>(TruthBoundaryMatched), static_cast<double>(TruthBoundary), noBoundary);
  BoundaryF = Ratio(2 * bp * br, bp + br, noBoundary);
  const bool noObjects = PredictedObjects + TruthObjects == 0;
  ObjectF1 = Ratio(2.0 * MatchedObjects, static_cast<double>(PredictedObjects + TruthObjects), noObjects);
}

SegmentationMetrics
EvaluateMasks(const cv::Mat & predictionIn, const cv::Mat & truthIn, const EvaluationOptions & options, const cv::Mat & ignore)
{
  if (predictionIn.size() != truthIn.size())
  {
    std::ostringstream message;
    message << "prediction and truth differ in size: " << predictionIn.cols << "x" << predictionIn.rows << " and "
            << truthIn.cols << "x" << truthIn.rows;
    throw InputError(message.str());
  }
  if (predictionIn.type() != CV_8U || truthIn.type() != CV_8U)
  {
    throw InputError("masks must be 8-bit single-channel images");
  }
  cv::Mat prediction = predictionIn != 0, truth = truthIn != 0;
  if (!ignore.empty())
  {
    if (ignore.size() != truthIn.size())
    {
      throw InputError("the exclusion mask differs in size from the truth");
    }
    prediction.setTo(0, ignore != 0);
    truth.setTo(0, ignore != 0);
  }
  SegmentationMetrics m;
  m.TruePositives = static_cast<std::uint64_t>(cv::countNonZero(prediction & truth));
  m.FalsePositives = static_cast<std::uint64_t>(cv::countNonZero(prediction & ~truth));
  m.FalseNegatives = static_cast<std::uint64_t>(cv::countNonZero(~prediction & truth));

  const cv::Mat predictedBoundary = Boundary(prediction), truthBoundary = Boundary(truth);
  m.PredictedBoundary = static_cast<std::uint64_t>(cv::countNonZero(predictedBoundary));
  m.TruthBoundary = static_cast<std::uint64_t>(cv::countNonZero(truthBoundary));
  m.PredictedBoundaryMatched = WithinTolerance(predictedBoundary, truthBoundary, options.BoundaryTolerance);
  m.TruthBoundaryMatched = WithinTolerance(truthBoundary, predictedBoundary, options.BoundaryTolerance);

  cv::Mat   truthLabels, predictedLabels;
  const int truthCount = cv::connectedComponents(truth, truthLabels, 8, CV_32S) - 1;
  const int predictedCount = cv::connectedComponents(prediction, predictedLabels, 8, CV_32S) - 1;
  std::vector<std::uint64_t> truthArea(truthCount + 1, 0), predictedArea(predictedCount + 1, 0);
  std::unordered_map<std::uint64_t, std::uint64_t> overlap;
  for (int y = 0; y < truth.rows; ++y)
  {
    const int * t = truthLabels.ptr<int>(y);
    const int * p = predictedLabels.ptr<int>(y);
    for (int x = 0; x < truth.cols; ++x)
    {
      ++truthArea[t[x]];
      ++predictedArea[p[x]];
      if (t[x] > 0 && p[x] > 0)
      {
        ++overlap[(static_cast<std::uint64_t>(t[x]) << 32) | static_cast<std::uint32_t>(p[x])];
      }
    }
  }
  for (const auto & [key, intersection] : overlap)
  {
    const auto   t = static_cast<std::size_t>(key >> 32), p = static_cast<std::size_t>(key & 0xffffffffu);
    const double unionArea = static_cast<double>(truthArea[t] + predictedArea[p] - intersection);
    if (static_cast<double>(intersection) >= options.ObjectMatchIoU * unionArea)
    {
      ++m.MatchedObjects;
    }
  }
  m.TruthObjects = static_cast<std::uint64_t>(truthCount);
  m.PredictedObjects = static_cast<std::uint64_t>(predictedCount);
  m.ComputeFigures();
  return m;
}

EvaluationSummary
Summarize(const std::vector<SegmentationMetrics> & perImage)
{
  EvaluationSummary summary;
  summary.PerImage = perImage;
  summary.Mean.Name = "mean";
  summary.Pooled.Name = "pooled";
  if (perImage.empty())
  {
    return summary;
  }
  double secondsSum = 0.0;
  int    timed = 0;
  for (const auto & m : perImage)
  {
    auto & p = summary.Pooled;
    p.TruePositives += m.TruePositives;
    p.FalsePositives += m.FalsePositives;
    p.FalseNegatives += m.FalseNegatives;
    p.PredictedBoundary += m.PredictedBoundary;
    p.PredictedBoundaryMatched += m.PredictedBoundaryMatched;
    p.TruthBoundary += m.TruthBoundary;
    p.TruthBoundaryMatched += m.TruthBoundaryMatched;
    p.PredictedObjects += m.PredictedObjects;
    p.TruthObjects += m.TruthObjects;
    p.MatchedObjects += m.MatchedObjects;
    auto & a = summary.Mean;
    a.IoU += m.IoU;
    a.Dice += m.Dice;
    a.Precision += m.Precision;
    a.Recall += m.Recall;
    a.BoundaryF += m.BoundaryF;
    a.ObjectF1 += m.ObjectF1;
    if (m.SecondsPerMegapixel >= 0.0)
    {
      secondsSum += m.SecondsPerMegapixel;
      ++timed;
    }
  }
  const double n = static_cast<double>(perImage.size());
  auto &       a = summary.Mean;
  a.IoU /= n;
  a.Dice /= n;
  a.Precision /= n;
  a.Recall /= n;
  a.BoundaryF /= n;
  a.ObjectF1 /= n;
  summary.Pooled.ComputeFigures();
  if (timed > 0)
  {
    a.SecondsPerMegapixel = summary.Pooled.SecondsPerMegapixel = secondsSum / timed;
  }
  return summary;
}

namespace
{
const char * const Columns[] = { "IoU", "Dice", "precision", "recall", "boundary F", "object F1" };

std::vector<double>
Figures(const SegmentationMetrics & m)
{
  return { m.IoU, m.Dice, m.Precision, m.Recall, m.BoundaryF, m.ObjectF1 };
}

nlohmann::json
ToJSONObject(const SegmentationMetrics & m)
{
  nlohmann::json j;
  j["name"] = m.Name;
  j["iou"] = m.IoU;
  j["dice"] = m.Dice;
  j["precision"] = m.Precision;
  j["recall"] = m.Recall;
  j["boundary_f"] = m.BoundaryF;
  j["object_f1"] = m.ObjectF1;
  j["true_positives"] = m.TruePositives;
  j["false_positives"] = m.FalsePositives;
  j["false_negatives"] = m.FalseNegatives;
  j["truth_objects"] = m.TruthObjects;
  j["predicted_objects"] = m.PredictedObjects;
  j["matched_objects"] = m.MatchedObjects;
  if (m.SecondsPerMegapixel >= 0.0)
  {
    j["seconds_per_megapixel"] = m.SecondsPerMegapixel;
  }
  return j;
}
} // namespace

std::string
ToMarkdown(const EvaluationSummary & summary, bool perImage)
{
  std::ostringstream out;
  out << "| image |";
  for (const char * c : Columns)
  {
    out << ' ' << c << " |";
  }
  out << "\n|---|";
  for (std::size_t i = 0; i < std::size(Columns); ++i)
  {
    out << "---:|";
  }
  out << '\n' << std::fixed << std::setprecision(4);
  auto row = [&](const SegmentationMetrics & m, bool bold) {
    out << "| " << (bold ? "**" + m.Name + "**" : m.Name) << " |";
    for (const double v : Figures(m))
    {
      out << ' ' << v << " |";
    }
    out << '\n';
  };
  if (perImage)
  {
    for (const auto & m : summary.PerImage)
    {
      row(m, false);
    }
  }
  row(summary.Mean, true);
  row(summary.Pooled, true);
  return out.str();
}

std::string
ToCSV(const EvaluationSummary & summary)
{
  std::ostringstream out;
  out << "image,iou,dice,precision,recall,boundary_f,object_f1,true_positives,false_positives,false_negatives,"
         "truth_objects,predicted_objects,matched_objects\n";
  out << std::setprecision(6);
  auto row = [&](const SegmentationMetrics & m) {
    out << m.Name;
    for (const double v : Figures(m))
    {
      out << ',' << v;
    }
    out << ',' << m.TruePositives << ',' << m.FalsePositives << ',' << m.FalseNegatives << ',' << m.TruthObjects << ','
        << m.PredictedObjects << ',' << m.MatchedObjects << '\n';
  };
  for (const auto & m : summary.PerImage)
  {
    row(m);
  }
  row(summary.Mean);
  row(summary.Pooled);
  return out.str();
}

std::string
ToJSON(const EvaluationSummary & summary, const EvaluationOptions & options)
{
  nlohmann::json j;
  j["images"] = nlohmann::json::array();
  for (const auto & m : summary.PerImage)
  {
    j["images"].push_back(ToJSONObject(m));
  }
  j["mean"] = ToJSONObject(summary.Mean);
  j["pooled"] = ToJSONObject(summary.Pooled);
  j["boundary_tolerance_px"] = options.BoundaryTolerance;
  j["object_match_iou"] = options.ObjectMatchIoU;
  j["conventions"] = "A ratio with a zero denominator is 1 when the image has neither true nor predicted phase and 0 "
                     "otherwise; mean averages per-image figures, pooled sums counts over images.";
  return j.dump(2) + "\n";
}

} // namespace scopsam
