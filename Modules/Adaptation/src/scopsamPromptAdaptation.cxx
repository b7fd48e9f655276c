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
#include "scopsamPromptAdaptation.h"
#include "scopsamJSONNumbers.h"

#include "scopsamErrors.h"
#include "scopsamImageIO.h"

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

namespace scopsam
{

namespace
{
/** The smoothings of the network's probability that the head sees besides the probability itself. */
constexpr double ProbabilityScales[] = { 2.0, 6.0 };
/** Rows of a band when features are computed per band. */
constexpr int BandRows = 256;

std::string
Describe(const cv::Point & p)
{
  return "(" + std::to_string(p.x) + ", " + std::to_string(p.y) + ")";
}

/** How many prompts contradict the network where it was sure (at least `confidence` for the other class): a click by
 * the probability at its pixel, a scribble stroke (a connected run of one label) by its mean. Many such prompts hint
 * that the user is after another phase than the network's, which only the user can confirm (PhasePrompts::Alone): a
 * rule that acted on it alone lost on the test sets (Documentation/results.md, "When the prompts overrule the
 * network"). */
struct Contradictions
{
  int Prompts{ 0 };
  int Against{ 0 };
};

Contradictions
PromptsAgainstASureNetwork(const cv::Mat & probability, const std::vector<cv::Point> & positions,
                           const std::vector<int> & labels, const cv::Mat & scribbles, double confidence)
{
  Contradictions out;
  const auto     count = [&](bool phase, double p) {
    out.Against += (phase ? p <= 1.0 - confidence : p >= confidence) ? 1 : 0;
    ++out.Prompts;
  };
  for (std::size_t i = 0; i < positions.size(); ++i)
  {
    count(labels[i] == 1, probability.at<float>(positions[i]));
  }
  for (const auto label : { PromptLabel::Phase, PromptLabel::NotPhase })
  {
    if (scribbles.empty())
    {
      break;
    }
    cv::Mat             strokes;
    const int           number = cv::connectedComponents(scribbles == static_cast<unsigned char>(label), strokes, 8, CV_32S);
    std::vector<double> sum(static_cast<std::size_t>(number), 0.0);
    std::vector<int>    pixels(static_cast<std::size_t>(number), 0);
    for (int y = 0; y < strokes.rows; ++y)
    {
      const int *   stroke = strokes.ptr<int>(y);
      const float * p = probability.ptr<float>(y);
      for (int x = 0; x < strokes.cols; ++x)
      {
        sum[static_cast<std::size_t>(stroke[x])] += p[x];
        ++pixels[static_cast<std::size_t>(stroke[x])];
      }
    }
    for (std::size_t c = 1; c < sum.size(); ++c) // 0: not this label
    {
      count(label == PromptLabel::Phase, sum[c] / pixels[c]);
    }
  }
  return out;
}
/** `seeds` (CV_8U, non-zero) dilated by a disc of radius `reach` (OpenCV's elliptic structuring element), worked out
 * around each connected group of seeds only: a few clicks on a large micrograph cost their discs, not a pass of the
 * disc over every pixel. The same pixels as cv::dilate() over the whole image. */
void
DilateAroundSeeds(cv::Mat & seeds, int reach)
{
  cv::Mat   groups, boxes, centres;
  const int count = cv::connectedComponentsWithStats(seeds, groups, boxes, centres, 8, CV_32S);
  if (count <= 1)
  {
    return; // no seed (label 0 is the background)
  }
  const cv::Mat         disc = cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * reach + 1, 2 * reach + 1));
  const cv::Rect        whole(0, 0, seeds.cols, seeds.rows);
  std::vector<cv::Rect> around;
  double                area = 0.0;
  for (int g = 1; g < count; ++g)
  {
    around.push_back(cv::Rect(boxes.at<int>(g, cv::CC_STAT_LEFT) - reach, boxes.at<int>(g, cv::CC_STAT_TOP) - reach,
                              boxes.at<int>(g, cv::CC_STAT_WIDTH) + 2 * reach,
                              boxes.at<int>(g, cv::CC_STAT_HEIGHT) + 2 * reach) &
                     whole);
    area += around.back().area();
  }
  if (area >= static_cast<double>(seeds.total()))
  {
    cv::dilate(seeds, seeds, disc); // seeds all over the field: one pass costs less
    return;
  }
  const cv::Mat source = seeds.clone();
  for (const cv::Rect & box : around)
  {
    cv::Mat grown;
    // Inside the box the source's other seeds dilate too, which the whole-image dilation does as well.
    cv::dilate(source(box), grown, disc, cv::Point(-1, -1), 1, cv::BORDER_CONSTANT, cv::Scalar(0));
    seeds(box) |= grown;
  }
}
} // namespace

cv::Mat
StepFromPrevious(const cv::Mat & previous, const cv::Mat & probability, const PhasePrompts & prompts,
                 double threshold, double margin, int reach)
{
  if (previous.type() != CV_8U || previous.size() != probability.size() || probability.type() != CV_32F)
  {
    throw InputError("the previous mask must be 8-bit and of the micrograph's size (" +
                     std::to_string(probability.cols) + " x " + std::to_string(probability.rows) + ")");
  }
  // The directions the prompts ask for: where they contradict the previous mask. Within `reach` of a prompt that
  // asks for a direction, that direction needs no margin (nearAdd, nearRemove: non-zero there).
  bool    add = false, remove = false;
  cv::Mat nearAdd = cv::Mat::zeros(previous.size(), CV_8U), nearRemove = cv::Mat::zeros(previous.size(), CV_8U);
  for (std::size_t i = 0; i < prompts.Positions.size() && i < prompts.Labels.size(); ++i)
  {
    const cv::Point p = prompts.Positions[i];
    if (p.x < 0 || p.y < 0 || p.x >= previous.cols || p.y >= previous.rows)
    {
      continue; // Fit() refuses such a click
    }
    const bool inside = previous.at<unsigned char>(p) != 0;
    if (prompts.Labels[i] == 1 && !inside)
    {
      add = true;
      nearAdd.at<unsigned char>(p) = 255;
    }
    if (prompts.Labels[i] == 0 && inside)
    {
      remove = true;
      nearRemove.at<unsigned char>(p) = 255;
    }
  }
  if (!prompts.Scribbles.empty() && prompts.Scribbles.size() == previous.size())
  {
    nearAdd |= (prompts.Scribbles == static_cast<unsigned char>(PromptLabel::Phase)) & (previous == 0);
    nearRemove |= (prompts.Scribbles == static_cast<unsigned char>(PromptLabel::NotPhase)) & (previous != 0);
    add = add || cv::countNonZero(nearAdd) > 0;
    remove = remove || cv::countNonZero(nearRemove) > 0;
  }
  if (reach > 0)
  {
    DilateAroundSeeds(nearAdd, reach);
    DilateAroundSeeds(nearRemove, reach);
  }
  else
  {
    nearAdd.setTo(0);
    nearRemove.setTo(0);
  }
  const float t = static_cast<float>(threshold);
  const float below = std::nextafter(t, 0.0f);
  const float addAt = static_cast<float>(threshold + margin), removeBelow = static_cast<float>(threshold - margin);
  cv::Mat     out(probability.size(), CV_32F);
  for (int y = 0; y < probability.rows; ++y)
  {
    const unsigned char * was = previous.ptr<unsigned char>(y);
    const unsigned char * addHere = nearAdd.ptr<unsigned char>(y);
    const unsigned char * removeHere = nearRemove.ptr<unsigned char>(y);
    const float *         head = probability.ptr<float>(y);
    float *               q = out.ptr<float>(y);
    for (int x = 0; x < probability.cols; ++x)
    {
      const bool moves = was[x] ? (remove && head[x] < (removeHere[x] ? t : removeBelow))
                                : (add && head[x] >= (addHere[x] ? t : addAt));
      q[x] = moves ? head[x] : (was[x] ? std::max(head[x], t) : std::min(head[x], below));
    }
  }
  return out;
}

bool
PhasePrompts::Empty() const
{
  return Positions.empty() && (Scribbles.empty() || cv::countNonZero(Scribbles) == 0);
}

AdaptationImage::AdaptationImage(const cv::Mat & image, const cv::Mat & probability, double threshold,
                                 const cv::Mat & excluded, const std::string & model, const std::string & name,
                                 const AdaptationOptions & options)
  : m_Threshold(threshold)
  , m_Model(model)
  , m_Name(name)
{
  if (image.empty() || image.channels() != 1)
  {
    throw InputError("the adaptation needs a one-channel micrograph");
  }
  image.convertTo(m_Image, CV_32F);
  if (!probability.empty())
  {
    if (probability.size() != image.size() || probability.type() != CV_32F)
    {
      throw InputError("the network's probability must be a float image of the micrograph's size");
    }
    if (!(threshold >= 0.0 && threshold <= 1.0))
    {
      throw InputError("the automatic threshold must lie in [0, 1]");
    }
    m_Probability = probability;
  }
  if (!excluded.empty())
  {
    if (excluded.size() != image.size() || excluded.type() != CV_8U)
    {
      throw InputError("the exclusion mask must be an 8-bit image of the micrograph's size");
    }
    m_Excluded = excluded;
  }
  if (!m_Probability.empty())
  {
    m_AutomaticMask = m_Probability >= m_Threshold;
    if (!m_Excluded.empty())
    {
      m_AutomaticMask.setTo(0, m_Excluded);
    }
  }
  if (m_Image.total() <= options.CachedPixels)
  {
    m_Cache = Compute(cv::Range(0, m_Image.rows));
  }
  const FeatureStack & some = m_Cache.Planes.empty() ? Compute(cv::Range(0, 1)) : m_Cache; // the kind of features
  m_Signature = some.Signature();
  m_Planes = some.Planes.size();
}

AdaptationImage
AdaptationImage::WithProbability(const cv::Mat & probability) const
{
  if (m_Probability.empty())
  {
    throw InputError("the classical features alone have no network probability to replace");
  }
  if (probability.size() != m_Image.size() || probability.type() != CV_32F)
  {
    throw InputError("the network's probability must be a float image of the micrograph's size");
  }
  AdaptationImage out = *this; // the classical planes are shared, not copied
  out.m_Probability = probability;
  out.m_AutomaticMask = cv::Mat(); // shared with this image's: a MatExpr would be written into it
  out.m_AutomaticMask = probability >= m_Threshold;
  if (!m_Excluded.empty())
  {
    out.m_AutomaticMask.setTo(0, m_Excluded);
  }
  if (!m_Cache.Planes.empty())
  {
    FeatureStack network;
    AppendNetworkFeatures(probability, network);
    const std::size_t classical = m_Cache.Planes.size() - network.Planes.size();
    out.m_Cache = FeatureStack();
    for (std::size_t i = 0; i < classical; ++i)
    {
      out.m_Cache.Append(m_Cache.Planes[i], m_Cache.Names[i]);
    }
    for (std::size_t i = 0; i < network.Planes.size(); ++i)
    {
      out.m_Cache.Append(network.Planes[i], network.Names[i]);
    }
  }
  return out;
}

void
AdaptationImage::AppendNetworkFeatures(const cv::Mat & probability, FeatureStack & features)
{
  features.Append(probability, "network");
  for (const double sigma : ProbabilityScales)
  {
    cv::Mat   smooth;
    const int radius = static_cast<int>(std::ceil(3.0 * sigma));
    cv::GaussianBlur(probability, smooth, cv::Size(2 * radius + 1, 2 * radius + 1), sigma, sigma,
                     cv::BORDER_REFLECT_101);
    std::ostringstream name;
    name << "network_s" << sigma;
    features.Append(smooth, name.str());
  }
}

FeatureStack
AdaptationImage::Compute(const cv::Range & rows) const
{
  const int       reach = ClassicalFeatureReach();
  const cv::Range padded(std::max(0, rows.start - reach), std::min(m_Image.rows, rows.end + reach));
  const cv::Range inside(rows.start - padded.start, rows.end - padded.start);
  FeatureStack    all = ClassicalFeatures(m_Image.rowRange(padded));
  if (!m_Probability.empty())
  {
    AppendNetworkFeatures(m_Probability.rowRange(padded), all);
  }
  FeatureStack out;
  for (std::size_t i = 0; i < all.Planes.size(); ++i)
  {
    out.Append(all.Planes[i].rowRange(inside).clone(), all.Names[i]);
  }
  return out;
}

cv::Mat
AdaptationImage::Gather(const std::vector<cv::Point> & pixels) const
{
  if (pixels.empty())
  {
    return cv::Mat(0, static_cast<int>(m_Planes), CV_32F);
  }
  if (!m_Cache.Planes.empty())
  {
    return m_Cache.Samples(pixels);
  }
  // Band by band: each pixel's vector from the features of its band.
  cv::Mat samples(static_cast<int>(pixels.size()), static_cast<int>(m_Planes), CV_32F);
  for (int y = 0; y < m_Image.rows; y += BandRows)
  {
    const cv::Range        rows(y, std::min(m_Image.rows, y + BandRows));
    std::vector<int>       which;
    std::vector<cv::Point> local;
    for (std::size_t i = 0; i < pixels.size(); ++i)
    {
      if (pixels[i].y >= rows.start && pixels[i].y < rows.end)
      {
        which.push_back(static_cast<int>(i));
        local.emplace_back(pixels[i].x, pixels[i].y - rows.start);
      }
    }
    if (which.empty())
    {
      continue;
    }
    const cv::Mat band = Compute(rows).Samples(local);
    for (std::size_t i = 0; i < which.size(); ++i)
    {
      band.row(static_cast<int>(i)).copyTo(samples.row(which[i]));
    }
  }
  return samples;
}

FeatureStack
AdaptationImage::Features(const cv::Range & rows) const
{
  if (m_Cache.Planes.empty())
  {
    return Compute(rows);
  }
  FeatureStack out;
  out.Names = m_Cache.Names;
  for (const auto & plane : m_Cache.Planes)
  {
    out.Planes.push_back(plane.rowRange(rows));
  }
  return out;
}

const std::string &
AdaptationImage::Signature() const
{
  return m_Signature;
}

std::size_t
AdaptationImage::FeaturePlanes() const
{
  return m_Planes;
}

std::size_t
AdaptationImage::CachedBytes() const
{
  return m_Cache.Planes.empty() ? 0 : m_Planes * m_Image.total() * sizeof(float);
}

struct Adaptation::Impl
{
  PixelClassifier          Classifier;
  std::string              Model, Source;
  std::vector<cv::Point>   Positions;
  std::vector<int>         Labels;
  std::size_t              ScribbledPhase{ 0 }, ScribbledNotPhase{ 0 };
  std::vector<std::string> Warnings;
  bool                     Alone{ false };
};

Adaptation::Adaptation()
  : m_Impl(std::make_unique<Impl>())
{}
Adaptation::~Adaptation() = default;
Adaptation::Adaptation(Adaptation &&) noexcept = default;
Adaptation &
Adaptation::operator=(Adaptation &&) noexcept = default;

Adaptation
Adaptation::Fit(const AdaptationImage & image, const PhasePrompts & prompts, const AdaptationOptions & options)
{
  Adaptation       out;
  Impl &           d = *out.m_Impl;
  const cv::Size   size = image.Size();
  const cv::Rect   inside(0, 0, size.width, size.height);
  const cv::Mat &  excluded = image.GetExcluded();
  if (prompts.Positions.size() != prompts.Labels.size())
  {
    throw InputError("clicks: one label per position");
  }
  cv::Mat scribbles;
  if (!prompts.Scribbles.empty())
  {
    if (prompts.Scribbles.size() != size || prompts.Scribbles.type() != CV_8U)
    {
      throw InputError("the scribble label image must be 8-bit and of the micrograph's size (" +
                       std::to_string(size.width) + " x " + std::to_string(size.height) + ")");
    }
    double largest = 0;
    cv::minMaxLoc(prompts.Scribbles, nullptr, &largest);
    if (largest > 2)
    {
      throw InputError("the scribble label image may hold 0 (unlabelled), 1 (this phase) and 2 (not this phase) only; "
                       "it holds " + std::to_string(static_cast<int>(largest)));
    }
    scribbles = prompts.Scribbles.clone();
    if (!excluded.empty())
    {
      const int ignored = cv::countNonZero(scribbles & excluded);
      if (ignored > 0)
      {
        scribbles.setTo(0, excluded);
        d.Warnings.push_back(std::to_string(ignored) + " scribble pixels on excluded pixels are ignored");
      }
    }
  }
  for (std::size_t i = 0; i < prompts.Positions.size(); ++i)
  {
    const cv::Point p = prompts.Positions[i];
    const int       label = prompts.Labels[i];
    if (label != 0 && label != 1)
    {
      throw InputError("click " + Describe(p) + ": the label must be 1 (this phase) or 0 (not this phase)");
    }
    if (!p.inside(inside))
    {
      throw InputError("click " + Describe(p) + " lies outside the image (" + std::to_string(size.width) + " x " +
                       std::to_string(size.height) + ")");
    }
    if (!excluded.empty() && excluded.at<unsigned char>(p) != 0)
    {
      throw InputError("click " + Describe(p) + " lies on an excluded pixel");
    }
    if (!scribbles.empty())
    {
      const auto under = static_cast<PromptLabel>(scribbles.at<unsigned char>(p));
      if ((under == PromptLabel::Phase && label == 0) || (under == PromptLabel::NotPhase && label == 1))
      {
        throw InputError("click " + Describe(p) + " says " + (label == 1 ? "\"this phase\"" : "\"not this phase\"") +
                         " where the scribble under it says the opposite");
      }
    }
  }
  if (prompts.Positions.empty() && (scribbles.empty() || cv::countNonZero(scribbles) == 0))
  {
    throw InputError("no prompt: give a click or a scribble");
  }
  // The prompts' labels: scribbles as painted, clicks as discs, a negative one grown into its false particle.
  cv::Mat labels = ClickLabels(image.GetImage(), image.GetAutomaticMask(), prompts.Positions, prompts.Labels,
                               options.Reach, scribbles);
  if (!excluded.empty())
  {
    labels.setTo(static_cast<unsigned char>(PromptLabel::Excluded), excluded); // neither labelled nor sampled
  }
  // The automatic mask teaches beside the prompts, unless the user says the prompts alone define the phase.
  // Where the prompts and the automatic mask together give one class only (prompts that agree with a mask of every
  // pixel, or of none), nothing says otherwise: the head says that class everywhere, with a warning.
  PixelClassifierOptions classifier = options.Classifier;
  classifier.OneClassEverywhere = prompts.Alone || !image.GetAutomaticMask().empty();
  if (prompts.Alone)
  {
    classifier.PriorSamples = 0;
  }
  TrainingPixels pixels = ChooseTrainingPixels(labels, image.GetAutomaticMask(), classifier);
  d.Classifier.FitSamples(image.Gather(pixels.Labelled), pixels.LabelledTarget, image.Gather(pixels.Weak),
                          std::move(pixels.WeakTarget), image.Signature(), classifier);
  if (const auto constant = d.Classifier.GetConstantValue())
  {
    const bool        phase = *constant > 0.5f;
    const std::string who = prompts.Alone ? "the prompts alone" : "the prompts and the automatic mask";
    d.Warnings.push_back(who + " label only \"" + (phase ? "this phase" : "not this phase") + "\": the mask is " +
                         (phase ? "everything" : "empty") + " until the other is labelled");
  }
  d.Alone = prompts.Alone;
  if (!prompts.Alone && !image.GetProbability().empty())
  {
    constexpr int    HintPrompts = 3;   // at least this many prompts,
    constexpr double HintShare = 0.9;   // this share of them against
    constexpr double HintSureness = 0.95; // a network this sure of the other class
    const Contradictions against =
      PromptsAgainstASureNetwork(image.GetProbability(), prompts.Positions, prompts.Labels, scribbles, HintSureness);
    if (against.Prompts >= HintPrompts && against.Against >= HintShare * against.Prompts)
    {
      d.Warnings.push_back(std::to_string(against.Against) + " of " + std::to_string(against.Prompts) +
                           " prompts contradict the network where it is sure: if the phase you mean is not the "
                           "model's, let the prompts alone define it (segment --prompts-only, "
                           "predict(prompts_only=True), the Slicer module's 'Prompts only')");
    }
  }
  d.Model = image.GetModel();
  d.Source = image.GetName();
  d.Positions = prompts.Positions;
  d.Labels = prompts.Labels;
  if (!scribbles.empty())
  {
    d.ScribbledPhase = static_cast<std::size_t>(cv::countNonZero(scribbles == 1));
    d.ScribbledNotPhase = static_cast<std::size_t>(cv::countNonZero(scribbles == 2));
  }
  return out;
}

cv::Mat
Adaptation::Apply(const AdaptationImage & image) const
{
  const Impl & d = *m_Impl;
  if (!d.Classifier.IsFitted())
  {
    throw InputError("the adaptation is empty");
  }
  if (image.GetModel() != d.Model)
  {
    throw InputError("the adaptation was made with " + (d.Model.empty() ? std::string("no model") : "model " + d.Model) +
                     ", this micrograph was segmented with " +
                     (image.GetModel().empty() ? std::string("none") : image.GetModel()) +
                     ": apply an adaptation with the model it was made with");
  }
  const cv::Size size = image.Size();
  cv::Mat        probability(size, CV_32F);
  const int      band = image.CachedBytes() > 0 ? size.height : BandRows;
  for (int y = 0; y < size.height; y += band)
  {
    const cv::Range    rows(y, std::min(size.height, y + band));
    const FeatureStack features = image.Features(rows);
    d.Classifier.PredictProbability(features).copyTo(probability.rowRange(rows));
  }
  if (!image.GetExcluded().empty())
  {
    probability.setTo(0.0f, image.GetExcluded());
  }
  return probability;
}

const std::string &
Adaptation::GetModel() const
{
  return m_Impl->Model;
}
const std::string &
Adaptation::GetSource() const
{
  return m_Impl->Source;
}
const std::vector<std::string> &
Adaptation::GetWarnings() const
{
  return m_Impl->Warnings;
}
bool
Adaptation::GetPromptsAlone() const
{
  return m_Impl->Alone;
}

std::string
Adaptation::ToJSON() const
{
  const Impl &   d = *m_Impl;
  nlohmann::json out;
  out["kind"] = "scopsam-adaptation";
  out["version"] = 1;
  out["model"] = d.Model;
  out["source"] = d.Source;
  out["threshold"] = Threshold;
  out["features"] = d.Classifier.GetFeatureSignature();
  nlohmann::json clicks = nlohmann::json::array();
  for (std::size_t i = 0; i < d.Positions.size(); ++i)
  {
    clicks.push_back({ { "x", d.Positions[i].x }, { "y", d.Positions[i].y }, { "label", d.Labels[i] } });
  }
  out["clicks"] = clicks;
  out["scribbled_pixels"] = { { "phase", d.ScribbledPhase }, { "not_phase", d.ScribbledNotPhase } };
  out["prompts_alone"] = d.Alone;
  out["head"] = nlohmann::json::parse(d.Classifier.ToJSON());
  return out.dump(1);
}

Adaptation
Adaptation::FromJSON(const std::string & text)
{
  Adaptation out;
  Impl &     d = *out.m_Impl;
  try
  {
    const auto in = nlohmann::json::parse(text);
    if (!in.is_object() || in.value("kind", "") != "scopsam-adaptation" || !in.contains("version") || in.at("version") != 1)
    {
      throw InputError("not a SCoP-SAM adaptation file of a known version (kind \"scopsam-adaptation\", version 1)");
    }
    d.Model = in.at("model").get<std::string>();
    d.Source = in.at("source").get<std::string>();
    for (const auto & click : in.at("clicks"))
    {
      d.Positions.emplace_back(JSONInteger<int>(click.at("x")), JSONInteger<int>(click.at("y")));
      d.Labels.push_back(JSONInteger<int>(click.at("label")));
    }
    d.ScribbledPhase = JSONInteger<std::size_t>(in.at("scribbled_pixels").at("phase"));
    d.ScribbledNotPhase = JSONInteger<std::size_t>(in.at("scribbled_pixels").at("not_phase"));
    d.Alone = in.value("prompts_alone", false); // absent in files written before the switch existed
    d.Classifier = PixelClassifier::FromJSON(in.at("head").dump());
    if (in.at("features").get<std::string>() != d.Classifier.GetFeatureSignature())
    {
      throw InputError("the adaptation's features and its head's disagree");
    }
  }
  catch (const nlohmann::json::exception & e)
  {
    throw InputError(std::string("not a readable adaptation file: ") + e.what());
  }
  return out;
}

void
Adaptation::Save(const std::string & path) const
{
  WriteTextFile(path, ToJSON());
}

Adaptation
Adaptation::Load(const std::string & path)
{
  std::ifstream in(path, std::ios::binary);
  if (!in)
  {
    throw InputError("cannot read the adaptation file " + path);
  }
  std::ostringstream text;
  text << in.rdbuf();
  try
  {
    return FromJSON(text.str());
  }
  catch (const InputError & e)
  {
    throw InputError(path + ": " + e.what());
  }
}

} // namespace scopsam
