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
#ifndef scopsamPixelClassifier_h
#define scopsamPixelClassifier_h

#include "SCoPSAMAdaptationExport.h"
#include "scopsamFeatureBank.h"

#include <opencv2/core.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

/** \file scopsamPixelClassifier.h
 * \brief What prompts teach about a micrograph: a random forest on per-pixel features, fitted at test time.
 *
 * Prompts arrive as a label image (CV_8U: 1 "this phase", 2 "not this phase", 0 unlabelled): scribbles as painted,
 * clicks as small discs (LabelsFromClicks()). A prompt says "this phase, everywhere" (DESIGN section 2), which is
 * what a pixel classifier does with it: the forest learns the labelled pixels' features and then labels every pixel
 * of this and of other micrographs. Where a prior mask is given (the network's automatic result, or a threshold),
 * PriorSamples unlabelled pixels drawn from it (seeded) join the training set as weak labels, so that a single
 * click corrects the prior where it is wrong instead of replacing it; the labelled pixels carry a sample weight so
 * that together they weigh at least LabelledWeight times as much as the prior's samples. The forest is a regression
 * forest on 0/1 targets: its output, the mean over trees, is a probability in [0, 1].
 * \ingroup SCoPSAMAdaptation
 */
namespace scopsam
{

/** The label values of a prompt label image. */
enum class PromptLabel : unsigned char
{
  Unlabelled = 0,
  Phase = 1,
  NotPhase = 2,
  Excluded = 3 // not specimen: neither labelled nor a prior sample
};

struct PixelClassifierOptions
{
  int           Trees{ 32 };
  int           MaximumDepth{ 10 };
  int           MinimumSamplesPerLeaf{ 2 };
  int           PriorSamples{ 2000 };
  double        LabelledWeight{ 2.0 }; // the labelled pixels together weigh this many times the prior samples
  double        LabelledPixelWeight{ 0.0 }; // and each at least this many prior samples (0: no such floor)
  bool          RelabelPriorSamples{ true }; // prior samples like the labelled pixels take their label
  int           RelabelMinimumPixels{ 1 };   // ... of a class with at least this many labelled pixels
  double        RelabelWithin{ 4.0 };        // ... within this mean squared z-score of its pixels' features
  int           AppearanceFeatures{ 0 }; // prior samples like the labelled pixels in these first features take their label (0: all)
  bool          OneClassEverywhere{ false }; // one labelled class and no other: that class everywhere (not an error)
  std::uint64_t Seed{ 1 };
};

/** The pixels a classifier is fitted on: the labelled ones with their targets (1 phase, 0 not), and prior samples
 * (weak labels) with theirs. */
struct TrainingPixels
{
  std::vector<cv::Point> Labelled;
  std::vector<float>     LabelledTarget;
  std::vector<cv::Point> Weak;
  std::vector<float>     WeakTarget;
};

/** Every labelled pixel of `labels`, and options.PriorSamples pixels drawn from `prior` (seeded; those that fall on
 * labelled pixels are dropped). Throws InputError when no pixel is labelled. */
SCoPSAMAdaptation_EXPORT TrainingPixels
ChooseTrainingPixels(const cv::Mat & labels, const cv::Mat & prior, const PixelClassifierOptions & options);

class SCoPSAMAdaptation_EXPORT PixelClassifier
{
public:
  PixelClassifier();
  ~PixelClassifier();
  PixelClassifier(PixelClassifier &&) noexcept;
  PixelClassifier &
  operator=(PixelClassifier &&) noexcept;

  /** Fits the forest on `features` at the labelled pixels of `labels` (and prior samples from `prior`, CV_8U
   * non-zero = phase, optional). Throws InputError when no pixel is labelled, or when only one class is labelled
   * and no prior gives the other (unless options.OneClassEverywhere: then the forest says that class everywhere). */
  void
  Fit(const FeatureStack & features, const cv::Mat & labels, const cv::Mat & prior = cv::Mat(),
      const PixelClassifierOptions & options = {});

  /** The same from feature vectors already gathered (rows of `labelled` and `weak`, in the order of their
   * targets) of features whose signature is `signature`: for features computed band by band. */
  void
  FitSamples(const cv::Mat & labelled, const std::vector<float> & labelledTarget, const cv::Mat & weak,
             std::vector<float> weakTarget, const std::string & signature, const PixelClassifierOptions & options = {});

  bool
  IsFitted() const;
  /** The class a fit on one class only says everywhere (options.OneClassEverywhere): 1 or 0; empty for a forest. */
  std::optional<float>
  GetConstantValue() const;

  /** Probability of the phase at every pixel (CV_32F), computed in bands of rows on OpenCV's threads, from
   * the forest laid out flat (the same values as OpenCV's RTrees::predict(), much faster). Throws InputError when the features are not of the kind the forest was fitted on. */
  cv::Mat
  PredictProbability(const FeatureStack & features) const;
  /** The same for `rows` of the features only (a band of the image). */
  cv::Mat
  PredictProbability(const FeatureStack & features, const cv::Range & rows) const;
  /** OpenCV's own prediction (RTrees::predict) of the same forest, for the tests that check the fast path. */
  cv::Mat
  PredictWithOpenCV(const cv::Mat & samples) const;

  /** The features' signature the forest was fitted on. */
  const std::string &
  GetFeatureSignature() const;

  /** The forest and its feature signature as JSON text; FromJSON() reads it back (InputError when it cannot). */
  std::string
  ToJSON() const;
  static PixelClassifier
  FromJSON(const std::string & text);

private:
  struct Impl;
  std::unique_ptr<Impl> m_Impl;
};

/** A label image of `size` with a disc of `radius` pixels around each click (label 1 -> Phase, 0 -> NotPhase),
 * painted over `scribbles` (CV_8U PromptLabel values, optional); a later click overwrites an earlier one. */
SCoPSAMAdaptation_EXPORT cv::Mat
LabelsFromClicks(const cv::Size & size, const std::vector<cv::Point> & positions, const std::vector<int> & labels,
                 int radius = 2, const cv::Mat & scribbles = cv::Mat());

/** How far a click that contradicts the prior reaches (ClickLabels()). */
struct ClickReach
{
  int    DiscRadius{ 2 };         // every click labels at least this disc
  int    MaximumRadius{ 24 };     // a region a click labels stays within this distance of it
  int    MaximumParticlePixels{ 512 }; // a component or region larger than this is not one particle
  double Tolerance{ 3.0 };        // region growing: gray levels within this many noise standard deviations
  bool   GrowFalse{ true };       // a negative click grows into its false component (or region)
  bool   GrowMissed{ true };      // a positive click grows into its missed region
};

/** Click labels that say what a user means by a click that contradicts the prior mask (`prior`, CV_8U, non-zero =
 * phase; `image`, the normalised micrograph, CV_32F): a negative click inside a predicted component labels that
 * component (within MaximumRadius) "not this phase"; a positive click on an unpredicted pixel labels the region of
 * similar gray level around it (flood fill on the lightly smoothed image, within Tolerance noise standard deviations
 * of the clicked gray level, within MaximumRadius) "this phase". Where the component or region is larger than
 * MaximumParticlePixels, or the click agrees with the prior, it labels its disc only. */
SCoPSAMAdaptation_EXPORT cv::Mat
ClickLabels(const cv::Mat & image, const cv::Mat & prior, const std::vector<cv::Point> & positions,
            const std::vector<int> & labels, const ClickReach & reach = {}, const cv::Mat & scribbles = cv::Mat());

} // namespace scopsam

#endif
