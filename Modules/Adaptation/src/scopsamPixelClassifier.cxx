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
#include "scopsamPixelClassifier.h"
#include "scopsamJSONNumbers.h"

#include "scopsamErrors.h"

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/core/utility.hpp>
#include <opencv2/ml.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <random>

namespace scopsam
{

namespace
{
/** A prompt speaks for every pixel that looks like the pixels it labels ("this phase, everywhere"): a prior sample
 * whose features lie within the spread of a labelled class (mean squared z-score over the features, each feature's
 * spread that of the class, at least a quarter of the image's) takes that class's label, the nearer class where
 * two claim it; the distance is taken over the first `appearance` features (the appearance of the pixel, not what a
 * model said of it; 0: all). So a negative click on a false phase overrules the prior on that phase, not only under the click. */
void
RelabelWhatThePromptsDescribe(const cv::Mat & allLabelled, const std::vector<float> & labelledTarget,
                              const cv::Mat & allWeak, std::vector<float> & weakTarget, int appearance,
                              int minimumPixels, double within)
{
  if (allWeak.empty())
  {
    return;
  }
  const cv::Range columns(0, appearance > 0 ? std::min(appearance, allWeak.cols) : allWeak.cols);
  const cv::Mat   labelled = allLabelled.colRange(columns), weak = allWeak.colRange(columns);
  cv::Mat          imageMean, imageSpread;
  cv::reduce(weak, imageMean, 0, cv::REDUCE_AVG);
  cv::Mat centred = weak - cv::repeat(imageMean, weak.rows, 1);
  cv::reduce(centred.mul(centred), imageSpread, 0, cv::REDUCE_AVG);
  cv::sqrt(imageSpread, imageSpread);
  std::vector<double> best(static_cast<std::size_t>(weak.rows), within);
  for (const float target : { 0.0f, 1.0f })
  {
    cv::Mat members;
    for (int i = 0; i < labelled.rows; ++i)
    {
      if (labelledTarget[static_cast<std::size_t>(i)] == target)
      {
        members.push_back(labelled.row(i));
      }
    }
    if (members.rows < std::max(1, minimumPixels))
    {
      continue; // too few labelled pixels to speak for a whole class
    }
    cv::Mat mean, spread;
    cv::reduce(members, mean, 0, cv::REDUCE_AVG);
    cv::Mat deviation = members - cv::repeat(mean, members.rows, 1);
    cv::reduce(deviation.mul(deviation), spread, 0, cv::REDUCE_AVG);
    cv::sqrt(spread, spread);
    spread = cv::max(spread, 0.25 * imageSpread);
    spread = cv::max(spread, 1e-6);
    cv::Mat z = (weak - cv::repeat(mean, weak.rows, 1)) / cv::repeat(spread, weak.rows, 1), distance;
    cv::reduce(z.mul(z), distance, 1, cv::REDUCE_AVG);
    for (int i = 0; i < weak.rows; ++i)
    {
      if (distance.at<float>(i) < best[static_cast<std::size_t>(i)])
      {
        best[static_cast<std::size_t>(i)] = distance.at<float>(i);
        weakTarget[static_cast<std::size_t>(i)] = target;
      }
    }
  }
}
} // namespace

/** The forest laid out flat for prediction: OpenCV's RTrees::predict() costs microseconds per sample in call and
 * copy overhead, which on a 1-Mpx micrograph is seconds; walking the same nodes from flat arrays (the split rule
 * of OpenCV's DTreesImpl::predictTrees() for ordered variables: left when value <= threshold, swapped when the
 * split is inversed) gives the same values (the tests compare) in a fraction of that. */
struct FlatForest
{
  struct Node
  {
    int   Variable{ -1 }; // -1: a leaf
    float Threshold{ 0 };
    int   Left{ -1 }, Right{ -1 }; // indices into Nodes; for a leaf, Threshold holds its value
  };
  std::vector<Node> Nodes;
  std::vector<int>  Roots;

  /** The forest of `forest`, checked so that a hostile file cannot make prediction read out of bounds or loop:
   * every split's variable below `variables`, every child and root a node, every tree a tree (no node reached
   * twice, depth at most MaximumDepth). Throws InputError otherwise. */
  static FlatForest
  From(const cv::ml::RTrees & forest, int variables)
  {
    constexpr int                              MaximumDepth = 64;
    FlatForest                                 flat;
    const std::vector<cv::ml::DTrees::Node> &  nodes = forest.getNodes();
    const std::vector<cv::ml::DTrees::Split> & splits = forest.getSplits();
    const auto                                 count = static_cast<int>(nodes.size());
    const auto                                 bad = [](const std::string & what) {
      throw InputError("the adaptation's forest is malformed: " + what);
    };
    flat.Nodes.resize(nodes.size());
    for (std::size_t i = 0; i < nodes.size(); ++i)
    {
      const auto & node = nodes[i];
      Node &       out = flat.Nodes[i];
      if (node.split < 0)
      {
        if (!std::isfinite(node.value))
        {
          bad("a leaf value is not finite");
        }
        out.Threshold = static_cast<float>(node.value);
        continue;
      }
      if (node.split >= static_cast<int>(splits.size()))
      {
        bad("a node's split does not exist");
      }
      const auto & split = splits[static_cast<std::size_t>(node.split)];
      if (split.varIdx < 0 || split.varIdx >= variables || !std::isfinite(split.c))
      {
        bad("a split's variable or threshold is out of range");
      }
      if (node.left < 0 || node.left >= count || node.right < 0 || node.right >= count)
      {
        bad("a child does not exist");
      }
      out.Variable = split.varIdx;
      out.Threshold = split.c;
      out.Left = split.inversed ? node.right : node.left;
      out.Right = split.inversed ? node.left : node.right;
    }
    flat.Roots = forest.getRoots();
    std::vector<char> seen(nodes.size(), 0);
    for (const int root : flat.Roots)
    {
      if (root < 0 || root >= count)
      {
        bad("a tree's root does not exist");
      }
      std::vector<std::pair<int, int>> stack{ { root, 0 } }; // node, depth
      while (!stack.empty())
      {
        const auto [index, depth] = stack.back();
        stack.pop_back();
        if (seen[static_cast<std::size_t>(index)] || depth > MaximumDepth)
        {
          bad("a tree reaches a node twice or is deeper than 64");
        }
        seen[static_cast<std::size_t>(index)] = 1;
        const Node & node = flat.Nodes[static_cast<std::size_t>(index)];
        if (node.Variable >= 0)
        {
          stack.emplace_back(node.Left, depth + 1);
          stack.emplace_back(node.Right, depth + 1);
        }
      }
    }
    return flat;
  }

  /** A forest that says `value` everywhere: one tree, one leaf (what prompts of one class teach, where nothing
   * gives the other; OpenCV's forest cannot be fitted on one value). */
  static FlatForest
  Constant(float value)
  {
    FlatForest flat;
    flat.Nodes.resize(1);
    flat.Nodes[0].Threshold = value;
    flat.Roots = { 0 };
    return flat;
  }

  /** The mean over trees of the leaves `sample` (NumberOfFeatures floats) reaches. */
  float
  Predict(const float * sample) const
  {
    float sum = 0.0f;
    for (const int root : Roots)
    {
      const Node * node = &Nodes[static_cast<std::size_t>(root)];
      while (node->Variable >= 0)
      {
        node = &Nodes[static_cast<std::size_t>(sample[node->Variable] <= node->Threshold ? node->Left : node->Right)];
      }
      sum += node->Threshold;
    }
    return Roots.empty() ? 0.0f : sum / static_cast<float>(Roots.size());
  }
};

struct PixelClassifier::Impl
{
  cv::Ptr<cv::ml::RTrees> Forest; // null for a constant (Flat is then one leaf)
  FlatForest              Flat;
  std::string             Signature;
  int                     NumberOfFeatures{ 0 };
};

PixelClassifier::PixelClassifier()
  : m_Impl(std::make_unique<Impl>())
{}
PixelClassifier::~PixelClassifier() = default;
PixelClassifier::PixelClassifier(PixelClassifier &&) noexcept = default;
PixelClassifier &
PixelClassifier::operator=(PixelClassifier &&) noexcept = default;

TrainingPixels
ChooseTrainingPixels(const cv::Mat & labels, const cv::Mat & prior, const PixelClassifierOptions & options)
{
  if (labels.empty() || labels.type() != CV_8U || (!prior.empty() && (prior.type() != CV_8U || prior.size() != labels.size())))
  {
    throw InputError("the prompt labels (and the prior mask) must be 8-bit images of the micrograph's size");
  }
  if (options.PriorSamples < 0 || options.PriorSamples > 1000000)
  {
    throw InputError("pixel classifier: prior samples in [0, 1e6]");
  }
  TrainingPixels pixels;
  for (int y = 0; y < labels.rows; ++y)
  {
    const unsigned char * row = labels.ptr<unsigned char>(y);
    for (int x = 0; x < labels.cols; ++x)
    {
      const auto value = static_cast<PromptLabel>(row[x]);
      if (value == PromptLabel::Phase || value == PromptLabel::NotPhase)
      {
        pixels.Labelled.emplace_back(x, y);
        pixels.LabelledTarget.push_back(value == PromptLabel::Phase ? 1.0f : 0.0f);
      }
    }
  }
  if (pixels.Labelled.empty())
  {
    throw InputError("no pixel is labelled: give a click or a scribble");
  }
  if (!prior.empty() && options.PriorSamples > 0)
  {
    std::mt19937_64                            random(options.Seed);
    std::uniform_int_distribution<std::size_t> pick(0, prior.total() - 1);
    for (int i = 0; i < options.PriorSamples; ++i)
    {
      const std::size_t index = pick(random);
      const cv::Point   p(static_cast<int>(index % prior.cols), static_cast<int>(index / prior.cols));
      if (labels.at<unsigned char>(p) == 0)
      {
        pixels.Weak.push_back(p);
        pixels.WeakTarget.push_back(prior.at<unsigned char>(p) != 0 ? 1.0f : 0.0f);
      }
    }
  }
  return pixels;
}

void
PixelClassifier::Fit(const FeatureStack & features, const cv::Mat & labels, const cv::Mat & prior,
                     const PixelClassifierOptions & options)
{
  if (features.Planes.empty() || labels.size() != features.Size())
  {
    throw InputError("the prompt labels (and the prior mask) must be 8-bit images of the micrograph's size");
  }
  TrainingPixels pixels = ChooseTrainingPixels(labels, prior, options);
  FitSamples(features.Samples(pixels.Labelled), pixels.LabelledTarget, features.Samples(pixels.Weak),
             std::move(pixels.WeakTarget), features.Signature(), options);
}

void
PixelClassifier::FitSamples(const cv::Mat & samples, const std::vector<float> & labelledTarget,
                            const cv::Mat & weakSamples, std::vector<float> weakTarget, const std::string & signature,
                            const PixelClassifierOptions & options)
{
  if (options.Trees < 1 || options.Trees > 1000 || options.MaximumDepth < 1 || options.MaximumDepth > 30)
  {
    throw InputError("pixel classifier: trees in [1, 1000], depth in [1, 30]");
  }
  if (samples.rows == 0 || samples.rows != static_cast<int>(labelledTarget.size()) ||
      weakSamples.rows != static_cast<int>(weakTarget.size()) || (weakSamples.rows > 0 && weakSamples.cols != samples.cols))
  {
    throw InputError("no pixel is labelled: give a click or a scribble");
  }
  bool classes[2] = { false, false };
  for (const float t : labelledTarget)
  {
    classes[t > 0.5f ? 1 : 0] = true;
  }
  for (const float t : weakTarget)
  {
    classes[t > 0.5f ? 1 : 0] = true;
  }
  if (!classes[0] || !classes[1])
  {
    if (!options.OneClassEverywhere)
    {
      throw InputError("the prompts label only one class and no prior mask gives the other: label both, or give a prior");
    }
    m_Impl->Forest = nullptr;
    m_Impl->Flat = FlatForest::Constant(classes[1] ? 1.0f : 0.0f);
    m_Impl->Signature = signature;
    m_Impl->NumberOfFeatures = samples.cols;
    return;
  }
  if (options.RelabelPriorSamples)
  {
    RelabelWhatThePromptsDescribe(samples, labelledTarget, weakSamples, weakTarget, options.AppearanceFeatures,
                                  options.RelabelMinimumPixels, options.RelabelWithin);
  }
  // The labelled pixels weigh together at least LabelledWeight times as much as the prior's samples, and each at
  // least LabelledPixelWeight of them: what the user said outweighs what the model guessed, and more labels say more.
  // A sample weight (a whole number of prior samples, as the repeated rows it replaced), not repeated rows: the
  // forest is fitted on each pixel once, three times faster for five clicks, which buys the trees that make a click's
  // refit steadier (Documentation/results.md, "Steadier refits").
  const std::size_t labelled = labelledTarget.size(), weak = weakTarget.size();
  const double      pixelWeight =
    std::max({ 1.0, std::ceil(options.LabelledWeight * static_cast<double>(weak) / static_cast<double>(labelled)),
               options.LabelledPixelWeight });
  cv::Mat all = samples.clone(), targets(labelledTarget, true);
  cv::Mat weights(static_cast<int>(labelled), 1, CV_32F, cv::Scalar(pixelWeight));
  if (weak > 0)
  {
    all.push_back(weakSamples);
    targets.push_back(cv::Mat(weakTarget, true));
    weights.push_back(cv::Mat(static_cast<int>(weak), 1, CV_32F, cv::Scalar(1.0)));
  }
  cv::theRNG().state = options.Seed; // OpenCV's forest draws its bootstrap samples and variables from it
  auto forest = cv::ml::RTrees::create();
  forest->setMaxDepth(options.MaximumDepth);
  forest->setMinSampleCount(options.MinimumSamplesPerLeaf);
  forest->setRegressionAccuracy(0.0f);
  forest->setUseSurrogates(false);
  forest->setCVFolds(0);
  forest->setActiveVarCount(0); // sqrt(number of features)
  forest->setCalculateVarImportance(false);
  forest->setTermCriteria(cv::TermCriteria(cv::TermCriteria::MAX_ITER, options.Trees, 0.0));
  forest->train(cv::ml::TrainData::create(all, cv::ml::ROW_SAMPLE, targets, cv::noArray(), cv::noArray(), weights));
  m_Impl->Forest = forest;
  m_Impl->Flat = FlatForest::From(*forest, samples.cols);
  m_Impl->Signature = signature;
  m_Impl->NumberOfFeatures = samples.cols;
}

bool
PixelClassifier::IsFitted() const
{
  return !m_Impl->Flat.Roots.empty();
}

std::optional<float>
PixelClassifier::GetConstantValue() const
{
  if (!IsFitted() || m_Impl->Forest)
  {
    return std::nullopt;
  }
  return m_Impl->Flat.Nodes[0].Threshold; // FlatForest::Constant: one leaf holding the class
}

cv::Mat
PixelClassifier::PredictProbability(const FeatureStack & features) const
{
  return PredictProbability(features, cv::Range(0, features.Size().height));
}

cv::Mat
PixelClassifier::PredictProbability(const FeatureStack & features, const cv::Range & rows) const
{
  if (!IsFitted())
  {
    throw InputError("the pixel classifier is not fitted");
  }
  if (features.Signature() != m_Impl->Signature)
  {
    throw InputError("the adaptation was made on other features (" + m_Impl->Signature + ") than these (" +
                     features.Signature() + "): another model or another feature bank");
  }
  if (static_cast<int>(features.Planes.size()) != m_Impl->NumberOfFeatures)
  {
    throw InputError("the adaptation's forest takes " + std::to_string(m_Impl->NumberOfFeatures) +
                     " features, these have " + std::to_string(features.Planes.size()));
  }
  const cv::Size size = features.Size();
  if (rows.start < 0 || rows.end > size.height || rows.start >= rows.end)
  {
    throw InputError("pixel classifier: rows outside the features");
  }
  cv::Mat       probability(rows.size(), size.width, CV_32F);
  const auto &  flat = m_Impl->Flat;
  const int     n = static_cast<int>(features.Planes.size());
  constexpr int band = 16;
  // Bands of rows on OpenCV's threads; each band gathers its pixels' feature vectors once (row-major samples).
  cv::parallel_for_(cv::Range(0, (rows.size() + band - 1) / band), [&](const cv::Range & bands) {
    std::vector<float> sample(static_cast<std::size_t>(n));
    for (int b = bands.start; b < bands.end; ++b)
    {
      for (int y = rows.start + b * band; y < std::min(rows.end, rows.start + (b + 1) * band); ++y)
      {
        float * out = probability.ptr<float>(y - rows.start);
        for (int x = 0; x < size.width; ++x)
        {
          for (int f = 0; f < n; ++f)
          {
            sample[static_cast<std::size_t>(f)] = features.Planes[static_cast<std::size_t>(f)].ptr<float>(y)[x];
          }
          out[x] = std::min(1.0f, std::max(0.0f, flat.Predict(sample.data())));
        }
      }
    }
  });
  return probability;
}

cv::Mat
PixelClassifier::PredictWithOpenCV(const cv::Mat & samples) const
{
  if (!IsFitted())
  {
    throw InputError("the pixel classifier is not fitted");
  }
  cv::Mat predicted;
  if (!m_Impl->Forest)
  {
    return cv::Mat(samples.rows, 1, CV_32F, cv::Scalar(m_Impl->Flat.Nodes[0].Threshold));
  }
  m_Impl->Forest->predict(samples, predicted);
  return predicted;
}

const std::string &
PixelClassifier::GetFeatureSignature() const
{
  return m_Impl->Signature;
}

std::string
PixelClassifier::ToJSON() const
{
  if (!IsFitted())
  {
    throw InputError("the pixel classifier is not fitted");
  }
  nlohmann::json out;
  out["kind"] = "scopsam-pixel-classifier";
  out["version"] = 1;
  out["features"] = m_Impl->Signature;
  out["number_of_features"] = m_Impl->NumberOfFeatures;
  if (const auto constant = GetConstantValue()) // one class labelled: 0 or 1 everywhere
  {
    out["constant"] = *constant;
    return out.dump();
  }
  cv::FileStorage storage(".json", cv::FileStorage::WRITE | cv::FileStorage::MEMORY | cv::FileStorage::FORMAT_JSON);
  m_Impl->Forest->write(storage);
  out["forest"] = storage.releaseAndGetString();
  return out.dump();
}

namespace
{
/** Throws InputError unless `forest` (the JSON of an OpenCV regression forest, as ToJSON() writes it) has exactly the
 * structure this class writes: OpenCV's DTrees reader trusts its fields (sizes, indices, the nodes' depths) and
 * crashes on forged ones (a null read inside libopencv_ml, found by fuzzing), so it only ever sees that structure.
 * Each tree is checked to be a binary tree in preorder (a split node is followed by its two subtrees, one level
 * deeper), each split to name a feature of the forest. */
void
CheckForestStructure(const nlohmann::json & forest)
{
  const auto fail = [](const std::string & what) { throw InputError("the adaptation's forest is malformed: " + what); };
  const std::vector<std::string> keys{ "format", "is_classifier", "var_all", "var_count", "ord_var_count", "cat_var_count",
                                       "training_params", "global_var_idx", "var_idx", "var_type", "cat_ofs",
                                       "missing_subst", "oob_error", "ntrees", "trees" };
  if (!forest.is_object() || forest.size() != keys.size() ||
      !std::all_of(keys.begin(), keys.end(), [&](const std::string & k) { return forest.contains(k); }))
  {
    fail("not the fields of a SCoP-SAM forest");
  }
  const auto integer = [&](const nlohmann::json & v, long long lowest, long long highest, const char * what) {
    if (!v.is_number_integer() || v.get<long long>() < lowest || v.get<long long>() > highest)
    {
      fail(std::string(what) + " out of range");
    }
    return v.get<long long>();
  };
  const auto finite = [&](const nlohmann::json & v, const char * what) {
    if (!v.is_number() || !std::isfinite(v.get<double>()))
    {
      fail(std::string(what) + " is not a finite number");
    }
  };
  const auto variables = integer(forest["var_count"], 1, 4096, "var_count");
  integer(forest["format"], 3, 3, "format");
  integer(forest["is_classifier"], 0, 0, "is_classifier");
  integer(forest["var_all"], variables + 1, variables + 1, "var_all");
  integer(forest["ord_var_count"], variables + 1, variables + 1, "ord_var_count");
  integer(forest["cat_var_count"], 0, 0, "cat_var_count");
  integer(forest["global_var_idx"], 1, 1, "global_var_idx");
  const auto & parameters = forest["training_params"];
  const std::vector<std::string> parameterKeys{ "use_surrogates", "max_categories", "regression_accuracy", "max_depth",
                                                "min_sample_count", "cross_validation_folds", "nactive_vars" };
  if (!parameters.is_object() || parameters.size() != parameterKeys.size())
  {
    fail("its training parameters");
  }
  for (const auto & k : parameterKeys)
  {
    if (!parameters.contains(k))
    {
      fail("its training parameters");
    }
    finite(parameters[k], "a training parameter");
  }
  integer(parameters["max_depth"], 1, 64, "max_depth");
  const auto array = [&](const char * key, std::size_t size) -> const nlohmann::json & {
    const auto & a = forest[key];
    if (!a.is_array() || a.size() != size)
    {
      fail(std::string(key) + " is not an array of " + std::to_string(size));
    }
    return a;
  };
  const auto & index = array("var_idx", static_cast<std::size_t>(variables));
  for (std::size_t i = 0; i < index.size(); ++i)
  {
    if (integer(index[i], 0, variables - 1, "var_idx") != static_cast<long long>(i))
    {
      fail("var_idx is not 0, 1, 2, ...");
    }
  }
  for (const auto & t : array("var_type", static_cast<std::size_t>(variables + 1)))
  {
    integer(t, 0, 0, "var_type");
  }
  for (const auto & c : array("cat_ofs", static_cast<std::size_t>(2 * variables)))
  {
    integer(c, 0, 0, "cat_ofs");
  }
  for (const auto & m : array("missing_subst", static_cast<std::size_t>(variables + 1)))
  {
    finite(m, "missing_subst");
  }
  finite(forest["oob_error"], "oob_error");
  const auto   trees = integer(forest["ntrees"], 1, 1024, "ntrees");
  const auto & list = array("trees", static_cast<std::size_t>(trees));
  for (const auto & tree : list)
  {
    if (!tree.is_object() || tree.size() != 1 || !tree.contains("nodes") || !tree["nodes"].is_array() ||
        tree["nodes"].empty() || tree["nodes"].size() > 1u << 20)
    {
      fail("a tree without nodes");
    }
    const auto & nodes = tree["nodes"];
    // Preorder: node i at depth d; a split node's two subtrees follow it at depth d + 1.
    std::function<std::size_t(std::size_t, long long)> walk = [&](std::size_t i, long long depth) -> std::size_t {
      if (i >= nodes.size() || depth > 64)
      {
        fail("a tree cut short or deeper than 64");
      }
      const auto & node = nodes[i];
      const bool   split = node.is_object() && node.contains("splits");
      if (!node.is_object() || node.size() != (split ? 3u : 2u) || !node.contains("depth") || !node.contains("value"))
      {
        fail("a node that is not {depth, value[, splits]}");
      }
      integer(node["depth"], depth, depth, "a node's depth");
      finite(node["value"], "a node's value");
      if (!split)
      {
        return i + 1;
      }
      const auto & splits = node["splits"];
      if (!splits.is_array() || splits.size() != 1 || !splits[0].is_object() || splits[0].size() != 3 ||
          !splits[0].contains("var") || !splits[0].contains("quality") || !splits[0].contains("le"))
      {
        fail("a split that is not {var, quality, le}");
      }
      integer(splits[0]["var"], 0, variables - 1, "a split's variable");
      finite(splits[0]["quality"], "a split's quality");
      finite(splits[0]["le"], "a split's threshold");
      return walk(walk(i + 1, depth + 1), depth + 1);
    };
    if (walk(0, 0) != nodes.size())
    {
      fail("nodes beyond the tree");
    }
  }
}
} // namespace

PixelClassifier
PixelClassifier::FromJSON(const std::string & text)
{
  PixelClassifier classifier;
  try
  {
    const auto in = nlohmann::json::parse(text);
    if (in.at("kind").get<std::string>() != "scopsam-pixel-classifier" || in.at("version") != 1)
    {
      throw InputError("not a SCoP-SAM adaptation of a known version");
    }
    if (in.contains("constant"))
    {
      const auto value = in.at("constant").get<double>();
      const int  features = JSONInteger<int>(in.at("number_of_features"));
      if ((value != 0.0 && value != 1.0) || in.contains("forest") || features < 1)
      {
        throw InputError("the adaptation's constant head is malformed");
      }
      classifier.m_Impl->Flat = FlatForest::Constant(static_cast<float>(value));
      classifier.m_Impl->Signature = in.at("features").get<std::string>();
      classifier.m_Impl->NumberOfFeatures = features;
      return classifier;
    }
    const std::string forestText = in.at("forest").get<std::string>();
    CheckForestStructure(nlohmann::json::parse(forestText));
    cv::FileStorage storage(forestText, cv::FileStorage::READ | cv::FileStorage::MEMORY);
    auto            forest = cv::ml::RTrees::create();
    forest->read(storage.root());
    if (!forest->isTrained() || forest->getVarCount() != JSONInteger<int>(in.at("number_of_features")))
    {
      throw InputError("the adaptation's forest is empty or does not match its feature count");
    }
    classifier.m_Impl->Forest = forest;
    classifier.m_Impl->Flat = FlatForest::From(*forest, forest->getVarCount());
    classifier.m_Impl->Signature = in.at("features").get<std::string>();
    classifier.m_Impl->NumberOfFeatures = forest->getVarCount();
  }
  catch (const nlohmann::json::exception & e)
  {
    throw InputError(std::string("not a readable adaptation: ") + e.what());
  }
  catch (const cv::Exception & e)
  {
    throw InputError(std::string("not a readable adaptation: ") + e.what());
  }
  return classifier;
}

cv::Mat
LabelsFromClicks(const cv::Size & size, const std::vector<cv::Point> & positions, const std::vector<int> & labels,
                 int radius, const cv::Mat & scribbles)
{
  if (positions.size() != labels.size() || radius < 0 || radius > 64)
  {
    throw InputError("clicks: one label per position, and a radius in [0, 64]");
  }
  cv::Mat out = scribbles.empty() ? cv::Mat::zeros(size, CV_8U) : scribbles.clone();
  if (out.size() != size || out.type() != CV_8U)
  {
    throw InputError("the scribble label image must be 8-bit and of the micrograph's size");
  }
  for (std::size_t i = 0; i < positions.size(); ++i)
  {
    const auto value = static_cast<unsigned char>(labels[i] == 1 ? PromptLabel::Phase : PromptLabel::NotPhase);
    cv::circle(out, positions[i], radius, cv::Scalar(value), cv::FILLED);
  }
  return out;
}

} // namespace scopsam

namespace scopsam
{

cv::Mat
ClickLabels(const cv::Mat & image, const cv::Mat & prior, const std::vector<cv::Point> & positions,
            const std::vector<int> & labels, const ClickReach & reach, const cv::Mat & scribbles)
{
  cv::Mat out = LabelsFromClicks(image.size(), positions, labels, reach.DiscRadius, scribbles);
  if (prior.empty())
  {
    return out;
  }
  if (prior.size() != image.size() || prior.type() != CV_8U || image.type() != CV_32F)
  {
    throw InputError("click labels need the normalised image (float) and a prior mask (8-bit) of one size");
  }
  cv::Mat smooth;
  cv::GaussianBlur(image, smooth, cv::Size(5, 5), 1.0, 1.0, cv::BORDER_REFLECT_101);
  // The noise: the median absolute deviation of the image from its smoothed self, as a standard deviation.
  cv::Mat residual = cv::abs(image - smooth);
  std::vector<float> values(residual.begin<float>(), residual.end<float>());
  std::nth_element(values.begin(), values.begin() + values.size() / 2, values.end());
  const double noise = std::max(1e-3, 1.4826 * values[values.size() / 2]);
  const int largest = reach.MaximumParticlePixels;
  const cv::Rect inside(0, 0, image.cols, image.rows);
  for (std::size_t i = 0; i < positions.size(); ++i)
  {
    const cv::Point p = positions[i];
    if (!p.inside(inside) || (prior.at<unsigned char>(p) != 0) == (labels[i] == 1) ||
        !(labels[i] == 1 ? reach.GrowMissed : reach.GrowFalse))
    {
      continue; // outside (the caller's error to report) or agreeing with the prior: the disc says it all
    }
    // Whether the component or region is one particle is decided in a window around the click, not on the whole
    // image, so that a click costs the same on any micrograph: 8-connected, `largest` + 1 pixels of a component lie
    // within `largest` pixels of the click in each axis, so the window holds enough of any component to tell
    // "larger than `largest`" - and all of one that is not.
    const int      reachOfOne = largest + 1;
    const cv::Rect window =
      cv::Rect(p.x - reachOfOne, p.y - reachOfOne, 2 * reachOfOne + 1, 2 * reachOfOne + 1) & inside;
    const cv::Point at = p - window.tl();
    // A negative click in a false component of the prior that is one particle: that component. Otherwise (a
    // positive click, or a component too large to be one particle: a connected phase) the pixels of the clicked
    // gray level connected to it on the clicked side of the prior (flood fill of the lightly smoothed image).
    // (floodFill's mask has a border of one pixel, which it marks: the region is the mask's interior)
    cv::Mat       mask = cv::Mat::zeros(window.height + 2, window.width + 2, CV_8U);
    const cv::Mat region = mask(cv::Rect(1, 1, window.width, window.height));
    const cv::Mat priorHere = prior(window);
    if (labels[i] == 0)
    {
      cv::Mat component = priorHere != 0;
      cv::floodFill(component, mask, at, cv::Scalar(255), nullptr, cv::Scalar(0), cv::Scalar(0),
                    8 | cv::FLOODFILL_MASK_ONLY | (255 << 8));
    }
    if (labels[i] == 1 || cv::countNonZero(region) > largest)
    {
      mask.setTo(0);
      cv::Mat          patch = smooth(window).clone();
      const cv::Scalar tolerance(reach.Tolerance * noise);
      // The fill stays on the clicked side of the prior.
      patch.setTo(std::numeric_limits<float>::max(), labels[i] == 1 ? (priorHere != 0) : (priorHere == 0));
      cv::floodFill(patch, mask, at, cv::Scalar(0), nullptr, tolerance, tolerance,
                    8 | cv::FLOODFILL_MASK_ONLY | cv::FLOODFILL_FIXED_RANGE | (255 << 8));
    }
    if (cv::countNonZero(region) > largest)
    {
      continue; // not one particle (the matrix's or the phase's gray level all over): the disc says it all
    }
    cv::Mat disc = cv::Mat::zeros(window.size(), CV_8U);
    cv::circle(disc, at, reach.MaximumRadius, cv::Scalar(255), cv::FILLED);
    cv::Mat labelled = out(window);
    labelled.setTo(static_cast<unsigned char>(labels[i] == 1 ? PromptLabel::Phase : PromptLabel::NotPhase),
                   region & disc);
  }
  return out;
}

} // namespace scopsam
