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
// The pixel classifier of test-time adaptation on a two-phase image drawn here: prompts pick the phase, correct a
// prior where they say so, and survive a round trip through JSON.
#include "scopsamErrors.h"
#include "scopsamFeatureBank.h"
#include "scopsamPixelClassifier.h"
#include "scopsamPromptAdaptation.h"

#include <cstdio>
#include <filesystem>

#include <opencv2/imgproc.hpp>

#include "gtest/gtest.h"

namespace
{
/** A 192 x 192 matrix (0.5) with bright (0.7) and dark (0.3) discs of radius 6 on a grid, noise 0.03. */
struct TwoPhases
{
  cv::Mat                Image = cv::Mat(192, 192, CV_32F, cv::Scalar(0.5));
  cv::Mat                Bright = cv::Mat::zeros(192, 192, CV_8U), Dark = cv::Mat::zeros(192, 192, CV_8U);
  std::vector<cv::Point> BrightCentres, DarkCentres;

  TwoPhases()
  {
    for (int row = 0; row < 6; ++row)
    {
      for (int col = 0; col < 6; ++col)
      {
        const cv::Point centre(16 + 32 * col, 16 + 32 * row);
        const bool      bright = (row + col) % 2 == 0;
        cv::circle(bright ? Bright : Dark, centre, 6, cv::Scalar(255), cv::FILLED);
        (bright ? BrightCentres : DarkCentres).push_back(centre);
      }
    }
    Image.setTo(0.7, Bright);
    Image.setTo(0.3, Dark);
    cv::Mat noise(Image.size(), CV_32F);
    cv::theRNG().state = 7;
    cv::randn(noise, 0.0, 0.03);
    Image += noise;
  }
};

/** The fraction of `region`'s pixels where `probability` is at least 0.5. */
double
FractionOn(const cv::Mat & probability, const cv::Mat & region)
{
  const cv::Mat on = (probability >= 0.5) & region;
  return static_cast<double>(cv::countNonZero(on)) / cv::countNonZero(region);
}
} // namespace

TEST(PixelClassifier, ClicksAloneSwitchTheTargetBetweenTwoPhases)
{
  const TwoPhases             image;
  const scopsam::FeatureStack features = scopsam::ClassicalFeatures(image.Image);
  EXPECT_EQ(features.Planes.size(), 1 + 7 * scopsam::DefaultFeatureScales().size());
  for (const bool wantBright : { true, false })
  {
    const auto & positive = wantBright ? image.BrightCentres : image.DarkCentres;
    const auto & negative = wantBright ? image.DarkCentres : image.BrightCentres;
    // One click on one particle of each phase, and one on the matrix.
    const cv::Mat labels = scopsam::LabelsFromClicks(image.Image.size(), { positive[0], negative[0], { 32, 32 } },
                                                     { 1, 0, 0 });
    scopsam::PixelClassifier classifier;
    classifier.Fit(features, labels);
    const cv::Mat probability = classifier.PredictProbability(features);
    const cv::Mat wanted = wantBright ? image.Bright : image.Dark, other = wantBright ? image.Dark : image.Bright;
    EXPECT_GT(FractionOn(probability, wanted), 0.8) << (wantBright ? "bright" : "dark") << " phase wanted";
    EXPECT_LT(FractionOn(probability, other), 0.05) << (wantBright ? "bright" : "dark") << " phase wanted";
    EXPECT_LT(FractionOn(probability, ~(image.Bright | image.Dark)), 0.05) << "the matrix";
  }
}

TEST(PixelClassifier, ANegativeClickRemovesAFalsePhaseAndAPositiveOneAddsAMissedOneEverywhere)
{
  const TwoPhases             image;
  const scopsam::FeatureStack features = scopsam::ClassicalFeatures(image.Image);
  // A prior that marks both phases (an over-segmenting model): one negative click in a dark particle.
  {
    const cv::Mat prior = image.Bright | image.Dark;
    const cv::Mat labels = scopsam::ClickLabels(image.Image, prior, { image.DarkCentres[3] }, { 0 });
    EXPECT_GT(cv::countNonZero(labels), 100) << "the click labels the whole false particle";
    scopsam::PixelClassifier classifier;
    classifier.Fit(features, labels, prior);
    const cv::Mat probability = classifier.PredictProbability(features);
    EXPECT_LT(FractionOn(probability, image.Dark), 0.5) << "at least half of the false phase goes, everywhere";
    EXPECT_GT(FractionOn(probability, image.Bright), 0.8) << "the rest of the prior stays";
  }
  // A prior that misses the dark phase: one positive click in a dark particle adds it and the others like it.
  {
    const cv::Mat labels = scopsam::ClickLabels(image.Image, image.Bright, { image.DarkCentres[5] }, { 1 });
    EXPECT_GT(cv::countNonZero(labels), 60) << "the click labels the missed particle's pixels of its gray level";
    scopsam::PixelClassifier classifier;
    classifier.Fit(features, labels, image.Bright);
    const cv::Mat probability = classifier.PredictProbability(features);
    EXPECT_GT(FractionOn(probability, image.Dark), 0.8);
    EXPECT_GT(FractionOn(probability, image.Bright), 0.8);
  }
}

TEST(PixelClassifier, RoundTripsThroughJSONAndRefusesOtherFeatures)
{
  const TwoPhases             image;
  const scopsam::FeatureStack features = scopsam::ClassicalFeatures(image.Image);
  scopsam::PixelClassifier    classifier;
  EXPECT_THROW(classifier.PredictProbability(features), scopsam::InputError);
  EXPECT_THROW(classifier.Fit(features, cv::Mat::zeros(image.Image.size(), CV_8U)), scopsam::InputError);
  const cv::Mat onlyPositive = scopsam::LabelsFromClicks(image.Image.size(), { image.BrightCentres[0] }, { 1 });
  EXPECT_THROW(classifier.Fit(features, onlyPositive), scopsam::InputError) << "one class and no prior";
  classifier.Fit(features, scopsam::LabelsFromClicks(image.Image.size(), { image.BrightCentres[0], { 32, 32 } }, { 1, 0 }));
  const cv::Mat probability = classifier.PredictProbability(features);

  const auto copy = scopsam::PixelClassifier::FromJSON(classifier.ToJSON());
  EXPECT_EQ(copy.GetFeatureSignature(), classifier.GetFeatureSignature());
  EXPECT_EQ(cv::norm(copy.PredictProbability(features), probability, cv::NORM_INF), 0.0);

  const scopsam::FeatureStack other = scopsam::ClassicalFeatures(image.Image, { 1.0, 2.0 });
  EXPECT_THROW(copy.PredictProbability(other), scopsam::InputError);
  EXPECT_THROW(scopsam::PixelClassifier::FromJSON("{\"kind\": \"something else\"}"), scopsam::InputError);
  EXPECT_THROW(scopsam::PixelClassifier::FromJSON("not json"), scopsam::InputError);
}

TEST(PixelClassifier, TheFlatForestPredictsWhatOpenCVsForestPredicts)
{
  const TwoPhases             image;
  const scopsam::FeatureStack features = scopsam::ClassicalFeatures(image.Image);
  scopsam::PixelClassifier    classifier;
  const cv::Mat labels = scopsam::ClickLabels(image.Image, image.Bright, { image.DarkCentres[5] }, { 1 });
  classifier.Fit(features, labels, image.Bright);
  const cv::Range rows(5, 21);
  const cv::Mat   fast = classifier.PredictProbability(features, rows);
  const cv::Mat   reference = classifier.PredictWithOpenCV(features.Samples(rows)).reshape(1, rows.size());
  ASSERT_EQ(fast.size(), reference.size());
  cv::Mat clipped = cv::min(cv::max(reference, 0.0), 1.0);
  EXPECT_LT(cv::norm(fast, clipped, cv::NORM_INF), 1e-5);
  EXPECT_GT(cv::norm(fast, cv::NORM_INF), 0.5) << "the rows hold some phase, so the comparison says something";
}

namespace
{
/** A "network" that over-segments: probability 0.9 on both phases, 0.1 on the matrix. */
cv::Mat
OverSegmenting(const TwoPhases & image)
{
  cv::Mat probability(image.Image.size(), CV_32F, cv::Scalar(0.1));
  probability.setTo(0.9, image.Bright | image.Dark);
  return probability;
}
} // namespace

TEST(PromptAdaptation, ANegativeClickInAFalseComponentRemovesItAndKeepsTheRest)
{
  const TwoPhases                image;
  const scopsam::AdaptationImage view(image.Image, OverSegmenting(image), 0.5, cv::Mat(), "model-a", "two phases");
  EXPECT_GT(view.CachedBytes(), 0u);
  scopsam::PhasePrompts prompts;
  prompts.Positions = { image.DarkCentres[2] };
  prompts.Labels = { 0 };
  const auto    adaptation = scopsam::Adaptation::Fit(view, prompts);
  const cv::Mat probability = adaptation.Apply(view);
  cv::Mat       clicked = cv::Mat::zeros(image.Image.size(), CV_8U);
  cv::circle(clicked, image.DarkCentres[2], 6, cv::Scalar(255), cv::FILLED);
  EXPECT_LT(FractionOn(probability, clicked), 0.5) << "at least half of the clicked false component goes";
  EXPECT_GT(FractionOn(probability, image.Bright), 0.8) << "the right part of the automatic mask stays";
  // With the frozen defaults one click does not carry to the false phase's other particles (results.md); a second
  // negative click does more of it than one.
  prompts.Positions.push_back(image.DarkCentres[7]);
  prompts.Labels.push_back(0);
  const cv::Mat twice = scopsam::Adaptation::Fit(view, prompts).Apply(view);
  EXPECT_LE(FractionOn(twice, image.Dark), FractionOn(probability, image.Dark));
}

TEST(PromptAdaptation, ScribblesAloneSwitchTheTargetWithoutANetwork)
{
  const TwoPhases                image;
  const scopsam::AdaptationImage view(image.Image, cv::Mat(), 0.5, cv::Mat(), "", "two phases");
  for (const bool wantDark : { false, true })
  {
    scopsam::PhasePrompts prompts;
    prompts.Scribbles = cv::Mat::zeros(image.Image.size(), CV_8U);
    const auto & want = wantDark ? image.DarkCentres : image.BrightCentres;
    const auto & other = wantDark ? image.BrightCentres : image.DarkCentres;
    cv::line(prompts.Scribbles, want[0] - cv::Point(3, 0), want[0] + cv::Point(3, 0), cv::Scalar(1));
    cv::line(prompts.Scribbles, other[0] - cv::Point(3, 0), other[0] + cv::Point(3, 0), cv::Scalar(2));
    cv::line(prompts.Scribbles, { 30, 4 }, { 60, 4 }, cv::Scalar(2)); // the matrix
    const cv::Mat probability = scopsam::Adaptation::Fit(view, prompts).Apply(view);
    EXPECT_GT(FractionOn(probability, wantDark ? image.Dark : image.Bright), 0.8);
    EXPECT_LT(FractionOn(probability, wantDark ? image.Bright : image.Dark), 0.05);
  }
}

TEST(PromptAdaptation, PromptsAloneFindAPhaseThatTheNetworkDoesNotTarget)
{
  // A network sure of the bright phase (0.99 there, 0.01 elsewhere); the user is after the dark one.
  const TwoPhases image;
  cv::Mat         probability(image.Image.size(), CV_32F, cv::Scalar(0.01));
  probability.setTo(0.99, image.Bright);
  const scopsam::AdaptationImage view(image.Image, probability, 0.5, cv::Mat(), "model-a", "two phases");
  scopsam::PhasePrompts          prompts;
  prompts.Positions = { image.DarkCentres[0], image.DarkCentres[7], image.BrightCentres[0], { 32, 2 } };
  prompts.Labels = { 1, 1, 0, 0 };

  // By default the network's mask teaches beside the prompts: four clicks do not turn its target around.
  const auto guided = scopsam::Adaptation::Fit(view, prompts);
  EXPECT_FALSE(guided.GetPromptsAlone());
  EXPECT_GT(FractionOn(guided.Apply(view), image.Bright), 0.5) << "the network's phase stays where not clicked";
  EXPECT_TRUE(guided.GetWarnings().empty()) << "3 of 4 prompts against the network: no hint yet";

  // Three "not this" where the network is sure: a hint that the prompts alone may be what the user means (the head
  // itself is unchanged by it); two are not enough, and prompts given alone need no hint.
  scopsam::PhasePrompts against;
  against.Positions = { image.BrightCentres[0], image.BrightCentres[5] };
  against.Labels = { 0, 0 };
  EXPECT_TRUE(scopsam::Adaptation::Fit(view, against).GetWarnings().empty());
  against.Positions.push_back(image.BrightCentres[9]);
  against.Labels.push_back(0);
  const auto hinted = scopsam::Adaptation::Fit(view, against);
  ASSERT_EQ(hinted.GetWarnings().size(), 1u);
  EXPECT_NE(hinted.GetWarnings()[0].find("3 of 3 prompts contradict the network where it is sure"), std::string::npos)
    << hinted.GetWarnings()[0];
  against.Alone = true;
  const auto told = scopsam::Adaptation::Fit(view, against);
  ASSERT_EQ(told.GetWarnings().size(), 1u);
  EXPECT_EQ(told.GetWarnings()[0].find("contradict"), std::string::npos) << "only the one-class warning";

  // The user's word that the prompts alone define the phase: the dark phase everywhere, nothing else.
  prompts.Alone = true;
  const auto    alone = scopsam::Adaptation::Fit(view, prompts);
  const cv::Mat found = alone.Apply(view);
  EXPECT_TRUE(alone.GetPromptsAlone());
  EXPECT_TRUE(alone.GetWarnings().empty());
  EXPECT_GT(FractionOn(found, image.Dark), 0.8);
  EXPECT_LT(FractionOn(found, image.Bright), 0.05);
  EXPECT_LT(FractionOn(found, ~(image.Bright | image.Dark)), 0.05);
  const auto reread = scopsam::Adaptation::FromJSON(alone.ToJSON());
  EXPECT_TRUE(reread.GetPromptsAlone());
  EXPECT_EQ(cv::norm(reread.Apply(view), found, cv::NORM_INF), 0.0);

  // One class labelled and nothing to give the other: that class everywhere, said in a warning; a file of it reads
  // back, and a forged constant does not.
  scopsam::PhasePrompts notThis;
  notThis.Positions = { image.BrightCentres[0] };
  notThis.Labels = { 0 };
  notThis.Alone = true;
  const auto empty = scopsam::Adaptation::Fit(view, notThis);
  EXPECT_EQ(cv::countNonZero(empty.Apply(view) >= scopsam::Adaptation::Threshold), 0);
  ASSERT_EQ(empty.GetWarnings().size(), 1u);
  EXPECT_NE(empty.GetWarnings()[0].find("only \"not this phase\""), std::string::npos) << empty.GetWarnings()[0];
  EXPECT_EQ(cv::norm(scopsam::Adaptation::FromJSON(empty.ToJSON()).Apply(view), empty.Apply(view), cv::NORM_INF), 0.0);
  std::string forged = empty.ToJSON();
  const auto  at = forged.find("\"constant\": 0.0");
  ASSERT_NE(at, std::string::npos) << forged.substr(0, 400);
  forged.replace(at, std::string("\"constant\": 0.0").size(), "\"constant\": 0.5");
  EXPECT_THROW(scopsam::Adaptation::FromJSON(forged), scopsam::InputError) << "a constant head says 0 or 1";
  notThis.Labels = { 1 };
  EXPECT_EQ(cv::countNonZero(scopsam::Adaptation::Fit(view, notThis).Apply(view) < scopsam::Adaptation::Threshold), 0);
}

TEST(PromptAdaptation, FeaturesPerBandEqualTheCachedOnesAndTheFileRoundTrips)
{
  const TwoPhases                image;
  scopsam::AdaptationOptions     noCache;
  noCache.CachedPixels = 0;
  const scopsam::AdaptationImage cached(image.Image, OverSegmenting(image), 0.5, cv::Mat(), "model-a", "a");
  const scopsam::AdaptationImage perBand(image.Image, OverSegmenting(image), 0.5, cv::Mat(), "model-a", "a", noCache);
  EXPECT_EQ(perBand.CachedBytes(), 0u);
  scopsam::PhasePrompts prompts;
  prompts.Positions = { image.DarkCentres[1], image.BrightCentres[4] };
  prompts.Labels = { 0, 1 };
  const auto    adaptation = scopsam::Adaptation::Fit(cached, prompts);
  const cv::Mat probability = adaptation.Apply(cached);
  EXPECT_EQ(cv::norm(scopsam::Adaptation::Fit(perBand, prompts).Apply(perBand), probability, cv::NORM_INF), 0.0);

  const auto path = (std::filesystem::temp_directory_path() / "scopsam-adaptation-test.json").string();
  adaptation.Save(path);
  const auto copy = scopsam::Adaptation::Load(path);
  std::remove(path.c_str());
  EXPECT_EQ(copy.GetModel(), "model-a");
  EXPECT_EQ(copy.GetSource(), "a");
  EXPECT_EQ(cv::norm(copy.Apply(cached), probability, cv::NORM_INF), 0.0) << "the same mask again";

  const scopsam::AdaptationImage otherModel(image.Image, OverSegmenting(image), 0.5, cv::Mat(), "model-b", "a");
  EXPECT_THROW(copy.Apply(otherModel), scopsam::InputError) << "made with one model, applied with another";
  EXPECT_THROW(scopsam::Adaptation::FromJSON("{\"kind\": \"scopsam-adaptation\", \"version\": 9}"),
               scopsam::InputError);
  EXPECT_THROW(scopsam::Adaptation::Load("/nonexistent/adaptation.json"), scopsam::InputError);
}

TEST(PromptAdaptation, AnotherProbabilityGivesTheFeaturesOfAFreshImageWithIt)
{
  // The network's prompted probability replaces the automatic one without recomputing the classical bank: every
  // plane, the weak labels and the fitted head are those of an AdaptationImage made from that probability.
  const TwoPhases                image;
  cv::Mat                        exclusion = cv::Mat::zeros(image.Image.size(), CV_8U);
  exclusion(cv::Rect(0, 0, 40, 40)).setTo(255);
  cv::Mat prompted(image.Image.size(), CV_32F, cv::Scalar(0.1));
  prompted.setTo(0.9, image.Dark);
  scopsam::AdaptationOptions noCache;
  noCache.CachedPixels = 0;
  for (const auto & options : { scopsam::AdaptationOptions(), noCache })
  {
    const scopsam::AdaptationImage automatic(image.Image, OverSegmenting(image), 0.5, exclusion, "model-a", "a", options);
    const scopsam::AdaptationImage fresh(image.Image, prompted, 0.5, exclusion, "model-a", "a", options);
    const scopsam::AdaptationImage swapped = automatic.WithProbability(prompted);
    EXPECT_EQ(swapped.CachedBytes(), fresh.CachedBytes());
    EXPECT_EQ(swapped.Signature(), fresh.Signature());
    EXPECT_EQ(cv::countNonZero(swapped.GetAutomaticMask() != fresh.GetAutomaticMask()), 0) << "the weak labels";
    EXPECT_NE(cv::countNonZero(swapped.GetAutomaticMask() != automatic.GetAutomaticMask()), 0);
    const auto a = swapped.Features(cv::Range(30, 90)), b = fresh.Features(cv::Range(30, 90));
    ASSERT_EQ(a.Planes.size(), b.Planes.size());
    for (std::size_t i = 0; i < a.Planes.size(); ++i)
    {
      EXPECT_EQ(cv::norm(a.Planes[i], b.Planes[i], cv::NORM_INF), 0.0) << a.Names[i];
    }
    scopsam::PhasePrompts prompts;
    prompts.Positions = { image.DarkCentres[2], image.BrightCentres[3] };
    prompts.Labels = { 1, 0 };
    EXPECT_EQ(cv::norm(scopsam::Adaptation::Fit(swapped, prompts).Apply(swapped),
                       scopsam::Adaptation::Fit(fresh, prompts).Apply(fresh), cv::NORM_INF), 0.0);
    EXPECT_THROW(automatic.WithProbability(cv::Mat(10, 10, CV_32F, cv::Scalar(0.5))), scopsam::InputError);
  }
  const scopsam::AdaptationImage classical(image.Image, cv::Mat(), 0.5, cv::Mat(), "", "a");
  EXPECT_THROW(classical.WithProbability(prompted), scopsam::InputError);
}

TEST(PromptAdaptation, BadPromptsAreOneClearErrorAndScribblesOnExcludedPixelsAWarning)
{
  const TwoPhases image;
  cv::Mat         excluded = cv::Mat::zeros(image.Image.size(), CV_8U);
  excluded(cv::Rect(0, 0, 40, 40)).setTo(255);
  const scopsam::AdaptationImage view(image.Image, OverSegmenting(image), 0.5, excluded, "m", "a");
  const auto                     fit = [&](std::vector<cv::Point> p, std::vector<int> l, cv::Mat s = cv::Mat()) {
    scopsam::PhasePrompts prompts;
    prompts.Positions = std::move(p);
    prompts.Labels = std::move(l);
    prompts.Scribbles = std::move(s);
    return scopsam::Adaptation::Fit(view, prompts);
  };
  EXPECT_THROW(fit({ { 192, 10 } }, { 1 }), scopsam::InputError) << "outside";
  EXPECT_THROW(fit({ { -1, 100 } }, { 0 }), scopsam::InputError) << "outside";
  EXPECT_THROW(fit({ { 10, 10 } }, { 1 }), scopsam::InputError) << "on an excluded pixel";
  EXPECT_THROW(fit({ { 100, 100 } }, { 3 }), scopsam::InputError) << "a label that is neither 0 nor 1";
  EXPECT_THROW(fit({}, {}), scopsam::InputError) << "no prompt";
  cv::Mat scribbles = cv::Mat::zeros(image.Image.size(), CV_8U);
  scribbles(cv::Rect(90, 90, 20, 20)).setTo(2);
  EXPECT_THROW(fit({ { 100, 100 } }, { 1 }, scribbles), scopsam::InputError) << "the click contradicts its scribble";
  EXPECT_THROW(fit({}, {}, cv::Mat(10, 10, CV_8U, cv::Scalar(1))), scopsam::InputError) << "wrong size";
  cv::Mat three = scribbles.clone();
  three.at<unsigned char>(5, 100) = 3;
  EXPECT_THROW(fit({}, {}, three), scopsam::InputError) << "a value other than 0, 1, 2";
  scribbles(cv::Rect(0, 0, 10, 10)).setTo(1);
  const auto adaptation = fit({ { 100, 100 } }, { 0 }, scribbles);
  ASSERT_EQ(adaptation.GetWarnings().size(), 1u);
  EXPECT_NE(adaptation.GetWarnings()[0].find("100 scribble pixels on excluded pixels are ignored"), std::string::npos);
  const cv::Mat probability = adaptation.Apply(view);
  EXPECT_EQ(cv::countNonZero(probability(cv::Rect(0, 0, 40, 40))), 0) << "excluded pixels get 0";
}

TEST(PromptAdaptation, PromptsThatAgreeWithAOneClassAutomaticMaskKeepItWithAWarning)
{
  // A network that marks every pixel as phase (or none): clicks that agree with it are no error (a model that
  // over-segments a whole field met "1 click" of `scopsam bench` so); the head says that class everywhere.
  const TwoPhases image;
  for (const bool everything : { true, false })
  {
    const cv::Mat probability(image.Image.size(), CV_32F, cv::Scalar(everything ? 0.9 : 0.1));
    const scopsam::AdaptationImage view(image.Image, probability, 0.5, cv::Mat(), "m", "one class");
    scopsam::PhasePrompts          prompts;
    prompts.Positions = { image.BrightCentres[0], image.DarkCentres[0] };
    prompts.Labels = { everything ? 1 : 0, everything ? 1 : 0 };
    const auto adaptation = scopsam::Adaptation::Fit(view, prompts);
    const cv::Mat adapted = adaptation.Apply(view);
    EXPECT_EQ(cv::countNonZero(adapted >= scopsam::Adaptation::Threshold), everything ? int(adapted.total()) : 0);
    ASSERT_EQ(adaptation.GetWarnings().size(), 1u);
    EXPECT_NE(adaptation.GetWarnings()[0].find("the prompts and the automatic mask label only"), std::string::npos);
    // One click of the other class is heard: both classes, no warning.
    prompts.Labels[1] = everything ? 0 : 1;
    const auto corrected = scopsam::Adaptation::Fit(view, prompts);
    EXPECT_TRUE(corrected.GetWarnings().empty());
    const cv::Mat changed = corrected.Apply(view) >= scopsam::Adaptation::Threshold;
    EXPECT_GT(cv::countNonZero(changed != (adapted >= scopsam::Adaptation::Threshold)), 0);
  }
  // Without a network (the classical baseline) one class labelled is still an error: nothing gives the other.
  const scopsam::AdaptationImage classical(image.Image, cv::Mat(), 0.5, cv::Mat(), "", "no network");
  scopsam::PhasePrompts          positive;
  positive.Positions = { image.BrightCentres[0] };
  positive.Labels = { 1 };
  EXPECT_THROW(scopsam::Adaptation::Fit(classical, positive), scopsam::InputError);
}

TEST(StepFromPrevious, MovesThePreviousMaskOnlyWhereTheHeadIsSureAndAsThePromptsAsk)
{
  // A 4 x 3 head probability against a previous mask: the left half phase, the right half not.
  const cv::Mat head = (cv::Mat_<float>(3, 4) << 0.95f, 0.05f, 0.95f, 0.05f, //
                        0.60f, 0.40f, 0.60f, 0.40f,                              //
                        0.75f, 0.25f, 0.75f, 0.25f);
  cv::Mat       previous = cv::Mat::zeros(3, 4, CV_8U);
  previous.colRange(0, 2).setTo(255);
  const double threshold = 0.5, margin = 0.2;
  const auto   maskOf = [&](const scopsam::PhasePrompts & prompts) {
    cv::Mat q = scopsam::StepFromPrevious(previous, head, prompts, threshold, margin);
    EXPECT_EQ(q.type(), CV_32F);
    return cv::Mat(q >= threshold);
  };
  const auto expect = [](const cv::Mat & mask, const std::vector<unsigned char> & rowMajor) {
    ASSERT_EQ(mask.total(), rowMajor.size());
    for (int i = 0; i < static_cast<int>(rowMajor.size()); ++i)
    {
      EXPECT_EQ(mask.at<unsigned char>(i / mask.cols, i % mask.cols) != 0, rowMajor[i] != 0) << "pixel " << i;
    }
  };

  // A positive click outside the mask adds the pixels the head is sure of (>= 0.7), removes nothing.
  scopsam::PhasePrompts add;
  add.Positions = { { 2, 0 } };
  add.Labels = { 1 };
  expect(maskOf(add), { 1, 1, 1, 0, //
                        1, 1, 0, 0, //
                        1, 1, 1, 0 });
  // A negative click inside the mask removes the pixels the head is sure are not phase (< 0.3), adds nothing.
  scopsam::PhasePrompts remove;
  remove.Positions = { { 1, 0 } };
  remove.Labels = { 0 };
  expect(maskOf(remove), { 1, 0, 0, 0, //
                           1, 1, 0, 0, //
                           1, 0, 0, 0 });
  // Both directions from scribbles; unsure pixels (0.4, 0.6) keep their side either way.
  scopsam::PhasePrompts both;
  both.Scribbles = cv::Mat::zeros(3, 4, CV_8U);
  both.Scribbles.at<unsigned char>(0, 2) = 1;
  both.Scribbles.at<unsigned char>(0, 1) = 2;
  expect(maskOf(both), { 1, 0, 1, 0, //
                         1, 1, 0, 0, //
                         1, 0, 1, 0 });
  // Prompts the previous mask already honours ask for nothing: the mask stays as it was.
  scopsam::PhasePrompts honoured;
  honoured.Positions = { { 0, 0 }, { 3, 0 } };
  honoured.Labels = { 1, 0 };
  expect(maskOf(honoured), { 1, 1, 0, 0, //
                             1, 1, 0, 0, //
                             1, 1, 0, 0 });
  // Where the mask moves, the probability is the head's; where it holds, the head's held at the threshold.
  const cv::Mat q = scopsam::StepFromPrevious(previous, head, add, threshold, margin);
  EXPECT_FLOAT_EQ(q.at<float>(0, 2), 0.95f);
  EXPECT_FLOAT_EQ(q.at<float>(0, 1), 0.5f);
  EXPECT_LT(q.at<float>(1, 2), 0.5f);
  EXPECT_FLOAT_EQ(q.at<float>(0, 0), 0.95f);

  EXPECT_THROW(scopsam::StepFromPrevious(cv::Mat::zeros(2, 4, CV_8U), head, add, threshold, margin),
               scopsam::InputError);
}

TEST(StepFromPrevious, WithinItsReachAPromptMovesTheMaskWithoutTheMargin)
{
  // One row of 40 pixels: the previous mask is the left half; the head is unsure everywhere (0.6 on the right
  // half, 0.4 on the left), so with the margin alone nothing would move.
  cv::Mat head(1, 40, CV_32F, cv::Scalar(0.6f));
  head.colRange(0, 20).setTo(0.4f);
  cv::Mat previous = cv::Mat::zeros(1, 40, CV_8U);
  previous.colRange(0, 20).setTo(255);
  const double threshold = 0.5, margin = 0.2;
  const auto   moved = [&](const scopsam::PhasePrompts & prompts, int reach) {
    return cv::Mat((scopsam::StepFromPrevious(previous, head, prompts, threshold, margin, reach) >= threshold) !=
                   previous);
  };

  scopsam::PhasePrompts add; // a positive click at x = 30, outside the mask
  add.Positions = { { 30, 0 } };
  add.Labels = { 1 };
  EXPECT_EQ(cv::countNonZero(moved(add, 0)), 0) << "no reach: the margin holds every unsure pixel";
  const cv::Mat added = moved(add, 4);
  EXPECT_EQ(cv::countNonZero(added), 9) << "x = 26..34 join the mask";
  EXPECT_EQ(cv::countNonZero(added.colRange(26, 35)), 9);

  scopsam::PhasePrompts remove; // a negative click at x = 2, inside the mask: its reach is clipped by the border
  remove.Positions = { { 2, 0 } };
  remove.Labels = { 0 };
  const cv::Mat removed = moved(remove, 4);
  EXPECT_EQ(cv::countNonZero(removed), 7) << "x = 0..6 leave the mask";
  EXPECT_EQ(cv::countNonZero(removed.colRange(0, 7)), 7);

  // A reach serves its own direction only: the positive click's neighbourhood removes nothing, and a prompt the
  // previous mask honours (a positive click inside it) reaches nothing.
  scopsam::PhasePrompts honoured;
  honoured.Positions = { { 10, 0 } };
  honoured.Labels = { 1 };
  EXPECT_EQ(cv::countNonZero(moved(honoured, 4)), 0);

  // Scribble pixels reach like clicks: a "not this phase" stroke over x = 12..13.
  scopsam::PhasePrompts stroke;
  stroke.Scribbles = cv::Mat::zeros(1, 40, CV_8U);
  stroke.Scribbles.colRange(12, 14).setTo(2);
  const cv::Mat stroked = moved(stroke, 2);
  EXPECT_EQ(cv::countNonZero(stroked), 6) << "x = 10..15 leave the mask";
}

TEST(StepFromPrevious, ItsReachIsADiscAroundEveryPromptAsADilationGivesIt)
{
  // On an unsure head (0.6) over an empty previous mask, positive prompts add exactly their reach: the prompts'
  // pixels dilated by OpenCV's elliptic disc - for a few clicks (worked out around each) and for scribble speckles
  // all over the field (one pass over the image).
  const cv::Size size(200, 150);
  const int      reach = 9;
  const cv::Mat  head(size, CV_32F, cv::Scalar(0.6f)), previous = cv::Mat::zeros(size, CV_8U);
  const cv::Mat  disc = cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * reach + 1, 2 * reach + 1));
  cv::RNG        random(7);

  scopsam::PhasePrompts clicks;
  cv::Mat               clicked = cv::Mat::zeros(size, CV_8U);
  for (const cv::Point p : { cv::Point(0, 0), cv::Point(199, 149), cv::Point(5, 140), cv::Point(100, 75),
                             cv::Point(104, 80), cv::Point(190, 3) })
  {
    clicks.Positions.push_back(p);
    clicks.Labels.push_back(1);
    clicked.at<unsigned char>(p) = 255;
  }
  cv::Mat expected;
  cv::dilate(clicked, expected, disc);
  cv::Mat added = scopsam::StepFromPrevious(previous, head, clicks, 0.5, 0.2, reach) >= 0.5;
  EXPECT_EQ(cv::countNonZero(added != expected), 0) << "a few clicks";

  scopsam::PhasePrompts speckles;
  speckles.Scribbles = cv::Mat::zeros(size, CV_8U);
  for (int i = 0; i < 400; ++i)
  {
    speckles.Scribbles.at<unsigned char>(random.uniform(0, size.height), random.uniform(0, size.width)) = 1;
  }
  cv::dilate(speckles.Scribbles != 0, expected, disc);
  added = scopsam::StepFromPrevious(previous, head, speckles, 0.5, 0.2, reach) >= 0.5;
  EXPECT_EQ(cv::countNonZero(added != expected), 0) << "speckles all over the field";
}
