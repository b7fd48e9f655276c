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
#ifndef scopsamPromptAdaptation_h
#define scopsamPromptAdaptation_h

#include "SCoPSAMAdaptationExport.h"
#include "scopsamFeatureBank.h"
#include "scopsamPixelClassifier.h"

#include <opencv2/core.hpp>

#include <memory>
#include <string>
#include <vector>

/** \file scopsamPromptAdaptation.h
 * \brief Prompts that act by construction: the one module that turns clicks and scribbles into a phase probability,
 * for the segmentation filter, the command line, Python, Slicer and the benchmarks.
 *
 * A prompt means "this phase, everywhere" (DESIGN section 2). The network's automatic probability is computed once
 * per micrograph; so are the features the adaptation sees (AdaptationImage, SamPredictor.set_image's counterpart):
 * the classical filter bank of the normalised micrograph and the network's probability at three smoothings. A set of
 * prompts then fits a light head on those features (Adaptation::Fit(): a random forest, PixelClassifier) with
 *  - the prompts' labels: scribbles as painted, a click as a disc, a negative click inside a false particle of the
 *    automatic mask as that particle (ClickLabels(); growing positive clicks into the missed region of their gray
 *    level, measured, lowered the protocol's IoU, so the default does not);
 *  - the automatic mask as weak labels (PixelClassifierOptions::PriorSamples pixels), outweighed by the prompts
 *    where they disagree, so that a click corrects the network where it is wrong and keeps it elsewhere - unless
 *    the user says the prompts alone define the phase (PhasePrompts::Alone);
 * and predicts every pixel (Adaptation::Apply()), a function of the head and the image alone, so that a saved
 * adaptation gives the same mask again. The network's own prompt path (appearance and point tokens) is not
 * run again per prompt: retraining showed that it moves IoU by less than 0.006 (Documentation/ModelCard.md), and it
 * would cost a full network pass per click.
 *
 * Memory: an AdaptationImage keeps its feature planes (FeaturePlanes() x 4 bytes per pixel) when the micrograph has
 * at most AdaptationOptions::CachedPixels pixels; above that it keeps the image and the probability only, and
 * computes the features of bands of rows when fitting and predicting (the same values, slower).
 *
 * An Adaptation carries its provenance (model, source image, prompts) and is saved as JSON; applied to another
 * micrograph (ilastik's batch mode) it must see features of the same kind, from the same model: otherwise an
 * InputError (exit status 2 in the front ends).
 * \ingroup SCoPSAMAdaptation
 */
namespace scopsam
{

/** A user's prompts on one micrograph, in pixel indices of it: clicks (x the column, y the row) and scribbles. */
struct SCoPSAMAdaptation_EXPORT PhasePrompts
{
  std::vector<cv::Point> Positions;
  std::vector<int>       Labels;    // per click: 1 "this phase", 0 "not this phase"
  cv::Mat                Scribbles; // CV_8U PromptLabel values (0 unlabelled, 1 this phase, 2 not this), optional
  /** The user's word that the prompts alone define the phase: the automatic mask gives no weak labels (the
   * network's probability stays among the features). For a phase that is not the network's target (nasa_super1's
   * fine tertiary gamma-prime) or a micrograph unlike those it learnt from; where the prompts then label one class
   * only, the head says that class everywhere until the other is labelled. Off by default: where the network's
   * target is the user's, its mask is what a few clicks correct (Documentation/results.md). */
  bool                   Alone{ false };

  bool
  Empty() const;
};

/** The adaptation's settings. The defaults were chosen on the val splits of nasa_super1 and uhcs_cementite with the
 * click protocol of `scopsam bench --clicks` (Documentation/results.md, "Choosing the adaptation"), then frozen:
 * a positive click labels its disc, a negative click inside a false particle of the automatic mask (a component of
 * at most 512 px, within 24 px of the click) labels that particle, prior samples are not relabelled by the prompts'
 * appearance, and the labelled pixels together weigh twice the prior samples (no per-pixel floor). */
struct AdaptationOptions
{
  PixelClassifierOptions Classifier = [] {
    PixelClassifierOptions o;
    o.RelabelPriorSamples = false;
    return o;
  }();
  ClickReach             Reach = [] {
    ClickReach r;
    r.GrowMissed = false; // a positive click labels its disc; a negative one its false particle (up to 512 px)
    return r;
  }();
  std::size_t            CachedPixels{ std::size_t(16) << 20 }; // micrographs up to this size keep their features
  /** StepFromPrevious(): away from the prompts, the head moves a pixel of the previous mask only where its
   * probability lies at least this far beyond the threshold; within StepReach pixels of a prompt that asks for a
   * direction, with no margin. The pair chosen by the rule declared on the val splits with the click protocol
   * (Documentation/results.md, "Steady steps", third part); used where a front end gives a previous mask. */
  double                 StepMargin{ 0.3 };
  int                    StepReach{ 24 };
};

/** One step of an interactive session: the head's probability moves the mask the prompts were given on, as Segment
 * Anything's predictor takes the previous mask (`mask_input`) with each new set of prompts.
 *
 * A prompt asks for a direction where it contradicts `previous` (CV_8U, non-zero = phase): a positive click or a
 * "this phase" scribble pixel outside the mask asks to add, a negative click or a "not this phase" scribble pixel
 * inside it asks to remove. A pixel takes the head's side where that side is asked for and the head's probability
 * (`probability`, CV_32F) lies at least `margin` beyond `threshold`; every other pixel keeps its side of `previous`.
 * So a click adds or removes pixels like the ones it labels, everywhere, and the refit's other changes (pixels near
 * the head's threshold, and those moved against the click) do not reach the mask; prompts that `previous` already
 * honours change nothing. Within `reach` pixels of a prompt that asks for a direction (a click, or a scribble pixel,
 * contradicting `previous`), that direction needs no margin: the head's side of the threshold decides there, so
 * a click moves its own neighbourhood as the head says and the rest of the field only where the head is sure.
 * Returns the head's probability held at `threshold` (or just below it) where a pixel keeps its side: cut at
 * `threshold`, it is the new mask. Throws InputError when `previous` is not CV_8U of the probability's size. */
SCoPSAMAdaptation_EXPORT cv::Mat
StepFromPrevious(const cv::Mat & previous, const cv::Mat & probability, const PhasePrompts & prompts,
                 double threshold, double margin, int reach = 0);

/** One micrograph as the adaptation sees it, made once and prompted many times. */
class SCoPSAMAdaptation_EXPORT AdaptationImage
{
public:
  /** `image`: the normalised micrograph (one channel, converted to CV_32F), as the network saw it; `probability`:
   * the network's automatic probability (CV_32F, same size) or empty (the classical baseline: features of the image
   * alone, no weak labels); `threshold`: automatic mode's threshold; `excluded`: CV_8U, non-zero where excluded,
   * optional; `model`: the identity of the model that made the probability ("" without one); `name`: the image's
   * name for provenance. Throws InputError on mismatched sizes or types. */
  AdaptationImage(const cv::Mat & image, const cv::Mat & probability, double threshold, const cv::Mat & excluded,
                  const std::string & model, const std::string & name, const AdaptationOptions & options = {});

  cv::Size
  Size() const
  {
    return m_Image.size();
  }
  const std::string &
  GetModel() const
  {
    return m_Model;
  }
  const std::string &
  GetName() const
  {
    return m_Name;
  }
  /** The normalised micrograph (CV_32F). */
  const cv::Mat &
  GetImage() const
  {
    return m_Image;
  }
  const cv::Mat &
  GetProbability() const
  {
    return m_Probability;
  }
  double
  GetThreshold() const
  {
    return m_Threshold;
  }
  const cv::Mat &
  GetExcluded() const
  {
    return m_Excluded;
  }
  /** The automatic mask (probability >= threshold, CV_8U 255/0, 0 where excluded); empty without a probability. */
  const cv::Mat &
  GetAutomaticMask() const
  {
    return m_AutomaticMask;
  }
  /** The same micrograph with another network probability (CV_32F, the image's size): the network's answer to the
   * prompts where its own click path reads them. The classical planes are shared, the probability's planes, the
   * automatic mask (the head's weak labels) and nothing else made again. Throws InputError on a mismatched
   * probability, or where this image has none (the classical baseline). */
  AdaptationImage
  WithProbability(const cv::Mat & probability) const;
  /** The features of `rows` (all planes, those rows only): from the cache, or computed on the rows and their
   * reach. */
  FeatureStack
  Features(const cv::Range & rows) const;
  /** The feature vectors of `pixels`, one row each (from the cache, or band by band). */
  cv::Mat
  Gather(const std::vector<cv::Point> & pixels) const;
  /** The features' names joined (FeatureStack::Signature()). */
  const std::string &
  Signature() const;
  /** How many feature planes a pixel has; bytes the cache holds (0 when the features are computed per band). */
  std::size_t
  FeaturePlanes() const;
  std::size_t
  CachedBytes() const;

private:
  FeatureStack
  Compute(const cv::Range & rows) const;
  /** The probability and its smoothings, the network's planes. */
  static void
  AppendNetworkFeatures(const cv::Mat & probability, FeatureStack & features);

  cv::Mat      m_Image, m_Probability, m_Excluded, m_AutomaticMask;
  double       m_Threshold{ 0.5 };
  std::string  m_Model, m_Name, m_Signature;
  FeatureStack m_Cache; // the whole image's features, or empty
  std::size_t  m_Planes{ 0 };
};

/** What one micrograph's prompts taught: the fitted head and its provenance. */
class SCoPSAMAdaptation_EXPORT Adaptation
{
public:
  Adaptation();
  ~Adaptation();
  Adaptation(Adaptation &&) noexcept;
  Adaptation &
  operator=(Adaptation &&) noexcept;

  /** Fits the head on `image`'s features with `prompts`. Throws InputError when a click lies outside the image or
   * on an excluded pixel, when a click's label contradicts the scribble under it, when a scribble holds a value
   * other than 0, 1, 2 or is not of the image's size, when no prompt is given, or when only one class is labelled
   * and the image has no automatic mask (the classical baseline). Where the prompts are given Alone and label one
   * class, or where they and the automatic mask give one class only (prompts that agree with a mask of every pixel,
   * or of none), the head says that class everywhere, with a warning. Scribble pixels on excluded pixels are
   * ignored, with a warning (GetWarnings()).
   * Prompts that keep contradicting a sure network (at least 3, 9 in 10 of them where it gave the other class at
   * least 0.95) are fitted as any others, with a warning that suggests PhasePrompts::Alone: a hint only. */
  static Adaptation
  Fit(const AdaptationImage & image, const PhasePrompts & prompts, const AdaptationOptions & options = {});

  /** The adapted probability of every pixel of `image` (CV_32F in [0, 1], 0 where excluded). Throws InputError when `image` comes from another model or
   * has other features. */
  cv::Mat
  Apply(const AdaptationImage & image) const;

  /** The probability at which the adapted probability is cut into a mask (the head's 0/1 targets). */
  static constexpr double Threshold = 0.5;

  const std::string &
  GetModel() const;
  const std::string &
  GetSource() const;
  const std::vector<std::string> &
  GetWarnings() const;
  /** Whether the head was taught by the prompts alone (PhasePrompts::Alone). */
  bool
  GetPromptsAlone() const;

  /** JSON text: kind, version, the model and the source image, the prompts (clicks; scribble pixel counts), the
   * head. FromJSON() reads it back (InputError when it cannot). Save() writes it atomically, Load() reads a file. */
  std::string
  ToJSON() const;
  static Adaptation
  FromJSON(const std::string & text);
  void
  Save(const std::string & path) const;
  static Adaptation
  Load(const std::string & path);

private:
  struct Impl;
  std::unique_ptr<Impl> m_Impl;
};

} // namespace scopsam

#endif
