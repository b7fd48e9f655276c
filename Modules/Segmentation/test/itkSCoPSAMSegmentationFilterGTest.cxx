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
// itk::SCoPSAMSegmentationFilter in ITK pipelines: outputs, streaming, given priors, prompts, scale, exclusion, errors,
// abort.
#include "itkCommand.h"
#include "itkComposeImageFilter.h"
#include "itkGradientPriorFilter.h"
#include "itkGrayscalePriorFilter.h"
#include "itkImageFileReader.h"
#include "itkImageFileWriter.h"
#include "itkImageRegionConstIteratorWithIndex.h"
#include "itkImageRegionSplitterMultidimensional.h"
#include "itkSCoPSAMSegmentationFilter.h"
#include "itkStreamingImageFilter.h"
#include "itkVectorIndexSelectionCastImageFilter.h"
#include "scopsamOpenCVBridge.h"
#include "scopsamSegmentationSupport.h"
#include "scopsamSyntheticMicrograph.h"
#include "scopsamThreadSettings.h"
#include "scopsamTestConfigurations.h"

#include <opencv2/imgproc.hpp>

#include "gtest/gtest.h"
#include "scopsamTestScratch.h"

#include <algorithm>
#include <array>
#include <filesystem>

namespace fs = std::filesystem;
using U16Image = itk::Image<unsigned short, 2>;
using FloatImage = itk::Image<float, 2>;
using Filter = itk::SCoPSAMSegmentationFilter<U16Image>;

namespace
{

/** A small network saved once for all tests: 64-pixel tiles, fresh seeded weights. */
const std::string &
TinyModel()
{
  static const std::string path = [] {
    const scopsam::ModelConfig c = scopsam::TinyTestConfiguration();
    const std::string file = (scopsam::TestScratchFolder("model") / "tiny.pt").string();
    scopsam::SegmentationEngine::Create(c, 11)->Save(file);
    return file;
  }();
  return path;
}

U16Image::Pointer
Micrograph(int width, int height)
{
  scopsam::SyntheticParameters p;
  p.Width = width;
  p.Height = height;
  p.Level = 2;
  p.BitDepth = 16;
  p.Seed = 99;
  return scopsam::ImageFromMat<unsigned short>(scopsam::GenerateSyntheticMicrograph(p).Image);
}

/** The filter with its resampling path forced at any scale, scale 1 included. */
class ResamplingFilter : public itk::SCoPSAMSegmentationFilter<FloatImage>
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(ResamplingFilter);
  using Self = ResamplingFilter;
  using Pointer = itk::SmartPointer<Self>;
  itkNewMacro(Self);

protected:
  ResamplingFilter() = default;
  bool
  UsesResampling() const override
  {
    return true;
  }
};

/** Probability of `filter` streamed in `divisions` pieces (multidimensional splits) through a StreamingImageFilter. */
FloatImage::Pointer
Streamed(Filter * filter, unsigned int divisions)
{
  auto streamer = itk::StreamingImageFilter<FloatImage, FloatImage>::New();
  streamer->SetInput(filter->GetOutput());
  streamer->SetNumberOfStreamDivisions(divisions);
  streamer->SetRegionSplitter(itk::ImageRegionSplitterMultidimensional::New());
  streamer->Update();
  FloatImage::Pointer result = streamer->GetOutput();
  result->DisconnectPipeline();
  return result;
}

template <typename TImage>
double
MaxDifference(const TImage * a, const TImage * b)
{
  double worst = 0;
  for (std::size_t i = 0; i < a->GetLargestPossibleRegion().GetNumberOfPixels(); ++i)
  {
    worst = std::max(worst, std::abs(static_cast<double>(a->GetBufferPointer()[i]) - b->GetBufferPointer()[i]));
  }
  return worst;
}

} // namespace

TEST(SCoPSAMSegmentationFilter, ProbabilityAndMaskOfAWholeImage)
{
  auto filter = Filter::New();
  filter->SetInput(Micrograph(150, 110));
  filter->SetModelFileName(TinyModel());
  filter->SetThreshold(0.5);
  filter->Update();
  const auto * probability = filter->GetProbabilityOutput();
  const auto * mask = filter->GetMaskOutput();
  ASSERT_EQ(probability->GetLargestPossibleRegion().GetSize()[0], 150u);
  ASSERT_EQ(mask->GetLargestPossibleRegion().GetSize()[1], 110u);
  float lowest = 1.0f, highest = 0.0f;
  for (std::size_t i = 0; i < 150 * 110; ++i)
  {
    const float p = probability->GetBufferPointer()[i];
    lowest = std::min(lowest, p);
    highest = std::max(highest, p);
    ASSERT_EQ(mask->GetBufferPointer()[i], p >= 0.5f ? 255 : 0);
  }
  EXPECT_GT(highest - lowest, 1e-3f) << "the probability follows the image, it is not one value";
  std::ostringstream os;
  filter->Print(os);
  EXPECT_NE(os.str().find("tiny.pt"), std::string::npos);
}

TEST(SCoPSAMSegmentationFilter, TheMaskUsesTheModelsStoredThresholdUnlessOneIsSet)
{
  // The same weights saved with a stored threshold: the median of the probability, so that the masks must differ.
  auto filter = Filter::New();
  filter->SetInput(Micrograph(150, 110));
  filter->SetModelFileName(TinyModel());
  filter->Update();
  EXPECT_TRUE(filter->GetUseModelThreshold());
  EXPECT_DOUBLE_EQ(filter->GetEffectiveThreshold(), 0.5) << "a model saved without a chosen threshold: 0.5";
  std::vector<float> p(filter->GetProbabilityOutput()->GetBufferPointer(),
                       filter->GetProbabilityOutput()->GetBufferPointer() + 150 * 110);
  std::nth_element(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(p.size() / 2), p.end());
  const double median = p[p.size() / 2];
  auto         engine = scopsam::SegmentationEngine::Load(TinyModel());
  engine->SetThreshold(median);
  const std::string stored = (fs::path(TinyModel()).parent_path() / "tiny-threshold.pt").string();
  engine->Save(stored);
  EXPECT_THROW(engine->SetThreshold(1.5), scopsam::ModelError);

  filter->SetModelFileName(stored);
  filter->Update();
  EXPECT_NEAR(filter->GetEffectiveThreshold(), median, 1e-9);
  const auto * probability = filter->GetProbabilityOutput();
  const auto * mask = filter->GetMaskOutput();
  for (std::size_t i = 0; i < 150 * 110; ++i)
  {
    ASSERT_EQ(mask->GetBufferPointer()[i], probability->GetBufferPointer()[i] >= static_cast<float>(median) ? 255 : 0);
  }
  filter->SetThreshold(0.5); // an explicit threshold wins over the model's
  EXPECT_FALSE(filter->GetUseModelThreshold());
  filter->Update();
  for (std::size_t i = 0; i < 150 * 110; ++i)
  {
    ASSERT_EQ(filter->GetMaskOutput()->GetBufferPointer()[i], probability->GetBufferPointer()[i] >= 0.5f ? 255 : 0);
  }
  filter->UseModelThresholdOn();
  EXPECT_NEAR(filter->GetEffectiveThreshold(), median, 1e-9);
}

TEST(SCoPSAMSegmentationFilter, StreamedEqualsWholeAndFileToFileStreams)
{
  const auto image = Micrograph(173, 141);
  auto       whole = Filter::New();
  whole->SetInput(image);
  whole->SetModelFileName(TinyModel());
  whole->Update();
  for (unsigned divisions : { 2u, 5u, 9u })
  {
    auto filter = Filter::New();
    filter->SetInput(image);
    filter->SetModelFileName(TinyModel());
    EXPECT_EQ(MaxDifference<FloatImage>(Streamed(filter, divisions), whole->GetOutput()), 0.0) << divisions;
  }
  // reader -> filter -> writer, streamed: an ITK pipeline of files.
  const fs::path folder = fs::path(TinyModel()).parent_path();
  {
    auto writer = itk::ImageFileWriter<U16Image>::New();
    writer->SetInput(image);
    writer->SetFileName((folder / "micrograph.mha").string());
    writer->Update();
  }
  auto reader = itk::ImageFileReader<U16Image>::New();
  reader->SetFileName((folder / "micrograph.mha").string());
  auto filter = Filter::New();
  filter->SetInput(reader->GetOutput());
  filter->SetModelFileName(TinyModel());
  auto writer = itk::ImageFileWriter<Filter::MaskImageType>::New();
  writer->SetInput(filter->GetMaskOutput());
  writer->SetFileName((folder / "mask.mha").string());
  writer->SetNumberOfStreamDivisions(4);
  writer->Update();
  auto maskReader = itk::ImageFileReader<Filter::MaskImageType>::New();
  maskReader->SetFileName((folder / "mask.mha").string());
  maskReader->Update();
  EXPECT_EQ(MaxDifference<Filter::MaskImageType>(maskReader->GetOutput(), whole->GetMaskOutput()), 0.0);
}

TEST(SCoPSAMSegmentationFilter, GivenPriorsEqualComputedPriors)
{
  const auto image = Micrograph(100, 90);
  auto       computed = Filter::New();
  computed->SetInput(image);
  computed->SetModelFileName(TinyModel());
  computed->Update();

  // The same priors from the prior filters, composed into a four-channel image.
  using TwoChannels = itk::Image<itk::Vector<float, 2>, 2>;
  auto gradient = itk::GradientPriorFilter<U16Image, TwoChannels>::New();
  auto grayscale = itk::GrayscalePriorFilter<U16Image, TwoChannels>::New();
  gradient->SetInput(image);
  grayscale->SetInput(image);
  auto compose = itk::ComposeImageFilter<FloatImage, Filter::PriorImageType>::New();
  std::vector<itk::VectorIndexSelectionCastImageFilter<TwoChannels, FloatImage>::Pointer> channels;
  for (auto * prior : { static_cast<itk::ImageSource<TwoChannels> *>(gradient.GetPointer()),
                        static_cast<itk::ImageSource<TwoChannels> *>(grayscale.GetPointer()) })
  {
    for (unsigned c = 0; c < 2; ++c)
    {
      channels.push_back(itk::VectorIndexSelectionCastImageFilter<TwoChannels, FloatImage>::New());
      channels.back()->SetInput(prior->GetOutput());
      channels.back()->SetIndex(c);
      compose->SetInput(static_cast<unsigned>(channels.size() - 1), channels.back()->GetOutput());
    }
  }
  compose->Update();
  auto given = Filter::New();
  given->SetInput(image);
  given->SetPriorImage(compose->GetOutput());
  given->SetModelFileName(TinyModel());
  given->Update();
  EXPECT_LT(MaxDifference<FloatImage>(given->GetOutput(), computed->GetOutput()), 1e-6);
}

TEST(SCoPSAMSegmentationFilter, ClicksAloneChangeTheOutput)
{
  // A wiring test: clicks reach the output (through the adaptation; that they act in the right direction is tested
  // below and in the adaptation's own tests).
  const auto image = Micrograph(120, 100);
  auto       automatic = Filter::New();
  automatic->SetInput(image);
  automatic->SetModelFileName(TinyModel());
  automatic->Update();
  auto prompted = Filter::New();
  prompted->SetInput(image);
  prompted->SetModelFileName(TinyModel());
  prompted->AddClick({ { 30, 40 } }, 1);
  U16Image::PointType point;
  point[0] = 90.0;
  point[1] = 20.0;
  prompted->AddPhysicalClick(point, 0);
  prompted->Update();
  EXPECT_GT(MaxDifference<FloatImage>(prompted->GetOutput(), automatic->GetOutput()), 1e-4);
  // A click far from a pixel changes it too: a click means "this phase, everywhere".
  EXPECT_NE(prompted->GetOutput()->GetPixel({ { 110, 90 } }), automatic->GetOutput()->GetPixel({ { 110, 90 } }));
  prompted->ClearClicks();
  prompted->Update();
  EXPECT_EQ(MaxDifference<FloatImage>(prompted->GetOutput(), automatic->GetOutput()), 0.0) << "cleared";
}

TEST(SCoPSAMSegmentationFilter, ClicksReachTheNetworkWhenAskedAndKeptEmbeddingsChangeNothing)
{
  const auto image = Micrograph(150, 130); // 3 x 3 tiles of 64 pixels
  auto       make = [&image](bool network, const std::vector<std::array<int, 3>> & clicks) {
    auto filter = Filter::New();
    filter->SetInput(image);
    filter->SetModelFileName(TinyModel());
    filter->SetNetworkClicks(network);
    for (const auto & c : clicks)
    {
      filter->AddClick({ { c[0], c[1] } }, c[2]);
    }
    filter->Update();
    return filter;
  };
  const std::vector<std::array<int, 3>> two{ { 30, 40, 1 }, { 100, 90, 0 } };
  auto head = make(false, two);
  auto both = make(true, two);
  EXPECT_FALSE(head->UsesNetworkClicks());
  EXPECT_TRUE(both->UsesNetworkClicks());
  EXPECT_GT(MaxDifference<FloatImage>(both->GetOutput(), head->GetOutput()), 1e-4)
    << "the network's answer to the clicks is the head's prior";
  EXPECT_EQ(head->GetEmbeddingCacheBytes(), 0u);
  EXPECT_GT(both->GetEmbeddingCacheBytes(), 0u) << "the tiles' embeddings are kept for the next clicks";

  // Prompt many: one more click on the kept embeddings gives what a fresh filter with all three clicks gives.
  both->AddClick({ { 60, 20 } }, 1);
  both->Update();
  const auto fresh = make(true, { two[0], two[1], { 60, 20, 1 } });
  EXPECT_EQ(MaxDifference<FloatImage>(both->GetOutput(), fresh->GetOutput()), 0.0);

  // No prompt: the automatic result, unchanged.
  const auto automatic = make(false, {});
  both->ClearClicks();
  both->Update();
  EXPECT_EQ(MaxDifference<FloatImage>(both->GetOutput(), automatic->GetOutput()), 0.0);

  // The prompts alone, as clicks: the network alone answers them - no head, the mask its probability at the
  // model's threshold, not the head's. A scribble brings the head back.
  std::shared_ptr<scopsam::SegmentationEngine> lowered = scopsam::SegmentationEngine::Load(TinyModel());
  lowered->SetThreshold(0.3); // a stored threshold that is not the head's 0.5
  auto alone = make(true, two);
  alone->SetEngine(lowered);
  alone->PromptsOnlyOn();
  alone->Update();
  EXPECT_TRUE(alone->UsesNetworkAlone());
  EXPECT_EQ(alone->GetAdaptation(), nullptr);
  const double modelThreshold = alone->GetEngine()->GetConfig().Threshold;
  EXPECT_EQ(modelThreshold, 0.3);
  EXPECT_EQ(alone->GetEffectiveThreshold(), modelThreshold);
  std::size_t disagreements = 0;
  for (itk::ImageRegionConstIteratorWithIndex<FloatImage> it(alone->GetOutput(), alone->GetOutput()->GetBufferedRegion());
       !it.IsAtEnd(); ++it)
  {
    disagreements += (it.Get() >= modelThreshold) != (alone->GetMaskOutput()->GetPixel(it.GetIndex()) != 0);
  }
  EXPECT_EQ(disagreements, 0u);
  auto headAlone = make(false, two);
  headAlone->PromptsOnlyOn();
  headAlone->Update();
  EXPECT_GT(MaxDifference<FloatImage>(alone->GetOutput(), headAlone->GetOutput()), 1e-4);
  auto scribbles = Filter::MaskImageType::New();
  scribbles->CopyInformation(image);
  scribbles->SetRegions(image->GetLargestPossibleRegion());
  scribbles->Allocate(true);
  scribbles->SetPixel({ { 5, 5 } }, 2);
  alone->SetScribbleImage(scribbles);
  alone->Update();
  EXPECT_FALSE(alone->UsesNetworkAlone());
  EXPECT_NE(alone->GetAdaptation(), nullptr);

  // Turned off, the filter lets go of what it kept, and its clicks go to the head alone again.
  both->NetworkClicksOff();
  for (const auto & c : two)
  {
    both->AddClick({ { c[0], c[1] } }, c[2]);
  }
  both->Update();
  EXPECT_EQ(both->GetEmbeddingCacheBytes(), 0u);
  EXPECT_EQ(MaxDifference<FloatImage>(both->GetOutput(), head->GetOutput()), 0.0);

  // Off by default; at another scale the clicks go to the head alone.
  auto filter = Filter::New();
  filter->SetInput(image);
  filter->SetModelFileName(TinyModel());
  EXPECT_FALSE(filter->GetNetworkClicks());
  filter->NetworkClicksOn();
  EXPECT_TRUE(filter->UsesNetworkClicks());
  filter->SetScale(2.0);
  EXPECT_FALSE(filter->UsesNetworkClicks());
}

TEST(SCoPSAMSegmentationFilter, RegionOfInterestAndBadPrompts)
{
  const auto image = Micrograph(120, 100);
  auto       automatic = Filter::New();
  automatic->SetInput(image);
  automatic->SetModelFileName(TinyModel());
  automatic->Update();
  auto boxed = Filter::New();
  boxed->SetInput(image);
  boxed->SetModelFileName(TinyModel());
  U16Image::RegionType roi({ { 10, 10 } }, { { 60, 50 } });
  boxed->SetRegionOfInterest(roi);
  boxed->Update();
  double outside = 0.0, inside = 0.0;
  for (itk::ImageRegionConstIteratorWithIndex<FloatImage> it(boxed->GetOutput(), image->GetLargestPossibleRegion());
       !it.IsAtEnd(); ++it)
  {
    (roi.IsInside(it.GetIndex()) ? inside : outside) = std::max(roi.IsInside(it.GetIndex()) ? inside : outside,
                                                               static_cast<double>(it.Get()));
  }
  EXPECT_EQ(outside, 0.0) << "nothing outside the region of interest";
  EXPECT_GT(inside, 0.0);
  EXPECT_GT(MaxDifference<FloatImage>(boxed->GetOutput(), automatic->GetOutput()), 1e-4);

  EXPECT_THROW(boxed->AddClick({ { 1, 1 } }, 3), itk::ExceptionObject);
  boxed->AddClick({ { 500, 1 } }, 1);
  EXPECT_THROW(boxed->Update(), itk::InvalidArgumentError) << "a click outside the image";
  boxed->ClearClicks();
  boxed->SetRegionOfInterest(U16Image::RegionType({ { 100, 10 } }, { { 60, 50 } }));
  EXPECT_THROW(boxed->Update(), itk::InvalidArgumentError) << "a region of interest beyond the image";
}

TEST(SCoPSAMSegmentationFilter, ScaleOneThroughTheResamplingPathIsThePlainPath)
{
  // Float gray levels, as the command line reads them: the resampled image is float, and a float image's robust
  // range comes from another histogram than an integer image's.
  const auto image = scopsam::ImageFromMat<float>([] {
    cv::Mat m;
    scopsam::MatFromImage(Micrograph(130, 110).GetPointer()).convertTo(m, CV_32F);
    return m;
  }());
  auto plain = itk::SCoPSAMSegmentationFilter<FloatImage>::New();
  plain->SetInput(image);
  plain->SetModelFileName(TinyModel());
  plain->AddClick({ { 40, 30 } }, 1);
  plain->SetRegionOfInterest(FloatImage::RegionType({ { 5, 8 } }, { { 100, 90 } }));
  plain->Update();
  auto resampled = ResamplingFilter::New();
  resampled->SetInput(image);
  resampled->SetModelFileName(TinyModel());
  resampled->AddClick({ { 40, 30 } }, 1);
  resampled->SetRegionOfInterest(FloatImage::RegionType({ { 5, 8 } }, { { 100, 90 } }));
  resampled->Update();
  EXPECT_LE(MaxDifference<FloatImage>(resampled->GetOutput(), plain->GetOutput()), 1e-6);
}

TEST(SCoPSAMSegmentationFilter, ScaleResamplesStreamsAndComesBackOnTheInputGrid)
{
  const auto image = Micrograph(150, 120);
  auto       plain = Filter::New();
  plain->SetInput(image);
  plain->SetModelFileName(TinyModel());
  plain->Update();
  const U16Image::RegionType roi({ { 20, 15 } }, { { 61, 51 } });
  for (const double scale : { 0.5, 1.5, 2.0 })
  {
    auto filter = Filter::New();
    filter->SetInput(image);
    filter->SetModelFileName(TinyModel());
    filter->SetScale(scale);
    filter->Update();
    EXPECT_EQ(filter->GetOutput()->GetLargestPossibleRegion(), image->GetLargestPossibleRegion()) << scale;
    EXPECT_EQ(filter->GetMaskOutput()->GetLargestPossibleRegion(), image->GetLargestPossibleRegion()) << scale;
    EXPECT_GT(MaxDifference<FloatImage>(filter->GetOutput(), plain->GetOutput()), 1e-4)
      << "the network saw another grid at scale " << scale;
    // Stream pieces change no pixel, with a region of interest in the input's indices. (Not with clicks yet: the
    // engine pads a batch's point tokens to the batch's largest count, so a tile with a click near a piece border
    // depends on its batch; reported with the engine's work.)
    filter->SetRegionOfInterest(roi);
    filter->Update();
    FloatImage::Pointer whole = filter->GetOutput();
    whole->DisconnectPipeline();
    for (const unsigned int divisions : { 3u, 7u })
    {
      EXPECT_EQ(MaxDifference<FloatImage>(Streamed(filter, divisions), whole), 0.0) << scale << " " << divisions;
    }
    for (itk::ImageRegionConstIteratorWithIndex<FloatImage> it(whole, whole->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it)
    {
      if (!roi.IsInside(it.GetIndex()))
      {
        ASSERT_EQ(it.Get(), 0.0f) << "outside the region of interest at scale " << scale;
      }
    }
  }
  auto filter = Filter::New();
  EXPECT_THROW(filter->SetScale(0.0), itk::ExceptionObject);
  EXPECT_THROW(filter->SetScale(11.0), itk::ExceptionObject);
  EXPECT_NO_THROW(filter->SetScale(0.1));
  EXPECT_EQ(filter->GetScale(), 0.1);
}

TEST(SCoPSAMSegmentationFilter, ExclusionZeroesExcludedPixelsOnly)
{
  const auto image = Micrograph(140, 100);
  auto       exclusion = Filter::MaskImageType::New();
  exclusion->SetRegions(image->GetLargestPossibleRegion());
  exclusion->Allocate(true);
  const Filter::MaskImageType::RegionType bar({ { 0, 85 } }, { { 140, 15 } }); // a data bar in the bottom rows
  for (itk::ImageRegionIterator<Filter::MaskImageType> it(exclusion, bar); !it.IsAtEnd(); ++it)
  {
    it.Set(1);
  }
  for (const double scale : { 1.0, 0.5 })
  {
    auto plain = Filter::New();
    plain->SetInput(image);
    plain->SetModelFileName(TinyModel());
    plain->SetScale(scale);
    plain->SetThreshold(0.0); // every pixel is phase unless excluded
    plain->Update();
    auto excluded = Filter::New();
    excluded->SetInput(image);
    excluded->SetModelFileName(TinyModel());
    excluded->SetScale(scale);
    excluded->SetThreshold(0.0);
    excluded->SetExclusionMask(exclusion);
    const auto streamed = Streamed(excluded, 4);
    excluded->UpdateLargestPossibleRegion();
    EXPECT_EQ(MaxDifference<FloatImage>(streamed, excluded->GetOutput()), 0.0) << scale;
    for (itk::ImageRegionConstIteratorWithIndex<FloatImage> it(excluded->GetOutput(), image->GetLargestPossibleRegion());
         !it.IsAtEnd(); ++it)
    {
      const bool out = bar.IsInside(it.GetIndex());
      ASSERT_EQ(it.Get(), out ? 0.0f : plain->GetOutput()->GetPixel(it.GetIndex())) << it.GetIndex() << " " << scale;
      ASSERT_EQ(excluded->GetMaskOutput()->GetPixel(it.GetIndex()), out ? 0 : 255) << it.GetIndex() << " " << scale;
    }
  }
  auto wrong = Filter::MaskImageType::New();
  wrong->SetRegions(Filter::MaskImageType::RegionType({ { 0, 0 } }, { { 20, 20 } }));
  wrong->Allocate(true);
  auto filter = Filter::New();
  filter->SetInput(image);
  filter->SetModelFileName(TinyModel());
  filter->SetExclusionMask(wrong);
  EXPECT_THROW(filter->Update(), itk::InvalidArgumentError);
}

TEST(SCoPSAMSegmentationFilter, DeviceAndPrecisionChangesLoadASeparateEngine)
{
  auto filter = Filter::New();
  filter->SetInput(Micrograph(80, 80));
  filter->SetModelFileName(TinyModel());
  const auto first = filter->GetEngine();
  filter->SetDevice("auto");
  const auto second = filter->GetEngine();
  EXPECT_NE(first.get(), second.get()) << "a device change loads a separate engine";
  filter->SetDevice("cpu");
  filter->SetUseHalfPrecision(true);
  EXPECT_NE(filter->GetEngine().get(), second.get()) << "a precision change loads a separate engine";
  auto given = Filter::New();
  given->SetEngine(first);
  EXPECT_THROW(given->SetDevice("cuda"), itk::ExceptionObject) << "a given engine runs where it was loaded";
  EXPECT_EQ(given->GetEngine().get(), first.get());
}

TEST(SCoPSAMSegmentationFilter, ErrorsAndAbort)
{
  const auto image = Micrograph(80, 80);
  auto       filter = Filter::New();
  filter->SetInput(image);
  if (scopsam::HasDefaultModel())
  {
    EXPECT_NO_THROW(filter->Update()) << "no model file: the embedded default model";
    EXPECT_NE(filter->GetEngine()->GetIdentity().find("embedded"), std::string::npos);
  }
  else
  {
    EXPECT_THROW(filter->Update(), itk::ExceptionObject) << "no model";
  }
  filter->SetModelFileName("/no/such/model.pt");
  EXPECT_THROW(filter->Update(), itk::ExceptionObject);
  filter->SetModelFileName(TinyModel());
  EXPECT_THROW(filter->SetBatchSize(0), itk::ExceptionObject);
  EXPECT_THROW(filter->SetThreshold(2.0), itk::ExceptionObject);
  EXPECT_THROW(filter->SetDevice("tpu"), itk::ExceptionObject);
  filter->SetTileSize(100);
  EXPECT_THROW(filter->Update(), itk::ExceptionObject) << "a tile size the network cannot take";
  filter->SetTileSize(0);
  // Abort between tiles from a progress observer.
  auto abortOnProgress = itk::CStyleCommand::New();
  abortOnProgress->SetClientData(filter.GetPointer());
  abortOnProgress->SetCallback([](itk::Object *, const itk::EventObject &, void * data) {
    static_cast<Filter *>(data)->AbortGenerateDataOn();
  });
  filter->AddObserver(itk::ProgressEvent(), abortOnProgress);
  filter->SetBatchSize(1);
  EXPECT_THROW(filter->Update(), itk::ProcessAborted);
}

TEST(SCoPSAMSegmentationFilter, ThreadSettingsAreRestoredAfterAnUpdate)
{
  // A caller's settings (held by a guard on this thread; the filter's own guard nests in it) survive the update.
  const scopsam::ScopedThreadSettings caller(2, 2);
  const int                           threads = scopsam::ScopedThreadSettings::GetIntraOpThreads();
  const int                           blas = scopsam::ScopedThreadSettings::GetBLASThreads();
  auto                                filter = Filter::New();
  filter->SetInput(Micrograph(90, 70));
  filter->SetModelFileName(TinyModel());
  filter->SetNumberOfWorkUnits(1);
  filter->Update();
  EXPECT_EQ(scopsam::ScopedThreadSettings::GetIntraOpThreads(), threads);
  EXPECT_EQ(scopsam::ScopedThreadSettings::GetBLASThreads(), blas);
}

TEST(SCoPSAMSegmentationFilter, PredictedIoUOfTheCurrentResult)
{
  // The embedded default model's IoU head (trained since stage 3); the tiny test network's gives none.
  const std::string model = scopsam::HasDefaultModel() ? std::string() : TinyModel();
  const auto        image = Micrograph(420, 300);
  auto              whole = Filter::New();
  whole->SetInput(image);
  whole->SetModelFileName(model);
  EXPECT_EQ(whole->GetPredictedIoU(), -1.0) << "before a run";
  whole->Update();
  const double iou = whole->GetPredictedIoU();
  if (scopsam::HasDefaultModel())
  {
    EXPECT_GE(iou, 0.0) << "the network's IoU head ran";
  }
  // Streamed: a mean over every piece's tiles. A new result starts afresh instead of adding to the old one.
  auto streamed = Filter::New();
  streamed->SetInput(image);
  streamed->SetModelFileName(model);
  Streamed(streamed, 4);
  EXPECT_EQ(streamed->GetPredictedIoU() >= 0.0, iou >= 0.0);
  streamed->SetThreshold(0.4);
  streamed->UpdateLargestPossibleRegion();
  EXPECT_EQ(streamed->GetPredictedIoU(), iou);
  EXPECT_EQ(streamed->GetTileGrid().ImageWidth, 420);
  EXPECT_EQ(streamed->GetTileGrid().Tiles.size(), whole->GetTileGrid().Tiles.size());
}

namespace
{
/** A 160 x 128 matrix (gray 30000) with bright (45000) and dark (15000) discs of radius 6 on a grid, some noise. */
struct TwoPhaseMicrograph
{
  U16Image::Pointer      Image;
  cv::Mat                Bright = cv::Mat::zeros(128, 160, CV_8U), Dark = cv::Mat::zeros(128, 160, CV_8U);
  std::vector<cv::Point> BrightCentres, DarkCentres;
  TwoPhaseMicrograph()
  {
    cv::Mat gray(128, 160, CV_32F, cv::Scalar(30000));
    for (int row = 0; row < 4; ++row)
    {
      for (int col = 0; col < 5; ++col)
      {
        const cv::Point centre(16 + 32 * col, 16 + 32 * row);
        const bool      bright = (row + col) % 2 == 0;
        cv::circle(bright ? Bright : Dark, centre, 6, cv::Scalar(255), cv::FILLED);
        (bright ? BrightCentres : DarkCentres).push_back(centre);
      }
    }
    gray.setTo(45000, Bright);
    gray.setTo(15000, Dark);
    cv::Mat noise(gray.size(), CV_32F);
    cv::theRNG().state = 5;
    cv::randn(noise, 0.0, 1500.0);
    gray += noise;
    cv::Mat u16;
    gray.convertTo(u16, CV_16U);
    Image = scopsam::ImageFromMat<unsigned short>(u16);
  }
};

/** A mask image of `image`'s grid, all 0: scribbles or a previous mask to paint. */
Filter::MaskImageType::Pointer
BlankMask(const U16Image * image)
{
  auto mask = Filter::MaskImageType::New();
  mask->SetRegions(image->GetLargestPossibleRegion());
  mask->Allocate(true);
  return mask;
}

double
MaskFraction(const Filter::MaskImageType * mask, const cv::Mat & region)
{
  std::size_t on = 0, all = 0;
  for (int y = 0; y < region.rows; ++y)
  {
    for (int x = 0; x < region.cols; ++x)
    {
      if (region.at<unsigned char>(y, x) != 0)
      {
        ++all;
        on += mask->GetPixel({ { x, y } }) != 0;
      }
    }
  }
  return static_cast<double>(on) / static_cast<double>(std::max<std::size_t>(1, all));
}
} // namespace

TEST(SCoPSAMSegmentationFilter, ScribblesSwitchThePhaseAndTheAdaptationCarriesToAnotherFilter)
{
  const TwoPhaseMicrograph sample;
  auto                     filter = Filter::New();
  filter->SetInput(sample.Image);
  filter->SetModelFileName(TinyModel()); // untrained: the head alone must pick the phase
  filter->SetSourceName("two phases");
  Filter::MaskImageType::Pointer darkWanted;
  for (const bool wantDark : { false, true })
  {
    auto scribbles = BlankMask(sample.Image);
    darkWanted = scribbles;
    const auto paint = [&](const cv::Point & c, unsigned char label) { // a particle painted over (radius 5)
      for (int dy = -5; dy <= 5; ++dy)
      {
        for (int dx = -5; dx <= 5; ++dx)
        {
          if (dx * dx + dy * dy <= 25)
          {
            scribbles->SetPixel({ { c.x + dx, c.y + dy } }, label);
          }
        }
      }
    };
    // A user who paints three particles of the phase, three of the other and some matrix.
    paint({ 32, 6 }, 2);
    for (const int i : { 0, 3, 6 })
    {
      paint((wantDark ? sample.DarkCentres : sample.BrightCentres)[i], 1);
      paint((wantDark ? sample.BrightCentres : sample.DarkCentres)[i], 2);
    }
    filter->SetScribbleImage(scribbles);
    filter->Update();
    const auto * mask = filter->GetMaskOutput();
    // Most of the painted phase, little of the other: the untrained network's mask, which the head keeps where the
    // scribbles say nothing, is noise here (the adaptation's own tests switch cleanly without a network).
    EXPECT_GT(MaskFraction(mask, wantDark ? sample.Dark : sample.Bright), 0.6) << (wantDark ? "dark" : "bright");
    EXPECT_LT(MaskFraction(mask, wantDark ? sample.Bright : sample.Dark), 0.25) << (wantDark ? "dark" : "bright");
    EXPECT_GT(filter->GetAdaptationCacheBytes(), 0u);
  }
  // With Scale != 1 the head sees the micrograph normalised as the network saw it (the resampled image's range),
  // not the untouched default [0, 1], and the scribbles act as at Scale 1.
  auto scaled = Filter::New();
  scaled->SetInput(sample.Image);
  scaled->SetModelFileName(TinyModel());
  scaled->SetScale(2.0);
  scaled->SetScribbleImage(darkWanted);
  scaled->Update();
  EXPECT_LT(scaled->GetIntensityRangeUsed()[0], 20000.0);
  EXPECT_GT(scaled->GetIntensityRangeUsed()[1], 40000.0);
  EXPECT_GT(MaskFraction(scaled->GetMaskOutput(), sample.Dark), 0.6);
  EXPECT_LT(MaskFraction(scaled->GetMaskOutput(), sample.Bright), 0.25);
  const auto adaptation = filter->GetAdaptation();
  ASSERT_NE(adaptation, nullptr);
  EXPECT_EQ(adaptation->GetSource(), "two phases");

  // Through a file, to another filter with no prompts: the same masks.
  const auto path = (scopsam::TestScratchFolder("adaptation") / "adaptation.json").string();
  adaptation->Save(path);
  auto applied = Filter::New();
  applied->SetInput(sample.Image);
  applied->SetModelFileName(TinyModel());
  applied->SetAdaptation(std::make_shared<const scopsam::Adaptation>(scopsam::Adaptation::Load(path)));
  applied->Update();
  fs::remove(path);
  EXPECT_EQ(MaxDifference<Filter::MaskImageType>(applied->GetMaskOutput(), filter->GetMaskOutput()), 0.0);

  // Made with one model, applied with another: bad input.
  const std::string other = (fs::path(TinyModel()).parent_path() / "other.pt").string();
  scopsam::SegmentationEngine::Create(scopsam::TinyTestConfiguration(), 12)->Save(other);
  auto mismatched = Filter::New();
  mismatched->SetInput(sample.Image);
  mismatched->SetModelFileName(other);
  mismatched->SetAdaptation(adaptation);
  EXPECT_THROW(mismatched->Update(), itk::InvalidArgumentError);
  // An adaptation and prompts together: bad input.
  applied->AddClick({ { 5, 5 } }, 1);
  EXPECT_THROW(applied->Update(), itk::InvalidArgumentError);
}

TEST(SCoPSAMSegmentationFilter, ANegativeClickRemovesAFalseComponentAndPromptsDoNotRerunTheNetwork)
{
  const TwoPhaseMicrograph sample;
  auto                     filter = Filter::New();
  filter->SetInput(sample.Image);
  filter->SetModelFileName(TinyModel());
  // A scribble that makes both phases "this phase" (an over-segmenting start), then a negative click on one dark disc.
  auto scribbles = BlankMask(sample.Image);
  for (const auto & c : { sample.DarkCentres[0], sample.BrightCentres[0] })
  {
    scribbles->SetPixel({ { c.x, c.y } }, 1);
  }
  scribbles->SetPixel({ { 32, 4 } }, 2);
  filter->SetScribbleImage(scribbles);
  filter->Update();
  const double darkBefore = MaskFraction(filter->GetMaskOutput(), sample.Dark);
  std::size_t  progressEvents = 0;
  filter->AddObserver(itk::ProgressEvent(), [&progressEvents](const itk::EventObject &) { ++progressEvents; });
  filter->AddClick({ { sample.DarkCentres[3].x, sample.DarkCentres[3].y } }, 0);
  filter->Update();
  cv::Mat clicked = cv::Mat::zeros(sample.Dark.size(), CV_8U);
  cv::circle(clicked, sample.DarkCentres[3], 6, cv::Scalar(255), cv::FILLED);
  EXPECT_LT(MaskFraction(filter->GetMaskOutput(), clicked), 0.5) << "at least half of the clicked component goes";
  EXPECT_LE(MaskFraction(filter->GetMaskOutput(), sample.Dark), darkBefore);
  EXPECT_LE(progressEvents, 3u) << "only the head ran again, not the network's tiles";
}

TEST(SCoPSAMSegmentationFilter, APreviousMaskMovesOnlyInTheDirectionsThePromptsAsk)
{
  const TwoPhaseMicrograph sample;
  auto                     filter = Filter::New();
  filter->SetInput(sample.Image);
  filter->SetModelFileName(TinyModel());
  // "Not this" on three bright particles, "this" on three dark ones: first the head's own probability.
  auto scribbles = BlankMask(sample.Image);
  for (const int i : { 0, 3, 6 })
  {
    scribbles->SetPixel({ { sample.DarkCentres[i].x, sample.DarkCentres[i].y } }, 1);
    scribbles->SetPixel({ { sample.BrightCentres[i].x, sample.BrightCentres[i].y } }, 2);
  }
  filter->SetScribbleImage(scribbles);
  filter->Update();
  Filter::OutputImageType::Pointer head = filter->GetOutput();
  head->DisconnectPipeline();

  // Then the same prompts on a previous mask holding both phases: the dark scribbles lie inside it (they ask for
  // nothing), the bright ones ask to remove. So the mask is the previous one less the pixels where the head says
  // "not this phase" - within the step's reach of a bright scribble at the threshold, elsewhere by the margin - and
  // nothing is added.
  auto previous = BlankMask(sample.Image);
  const cv::Mat both = sample.Dark | sample.Bright;
  for (int y = 0; y < both.rows; ++y)
  {
    for (int x = 0; x < both.cols; ++x)
    {
      previous->SetPixel({ { x, y } }, both.at<unsigned char>(y, x));
    }
  }
  filter->SetPreviousMask(previous);
  filter->Update();
  const scopsam::AdaptationOptions step;
  cv::Mat                          nearRemoval = cv::Mat::zeros(both.size(), CV_8U);
  for (const int i : { 0, 3, 6 })
  {
    nearRemoval.at<unsigned char>(sample.BrightCentres[i]) = 255;
  }
  cv::dilate(nearRemoval, nearRemoval,
             cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * step.StepReach + 1, 2 * step.StepReach + 1)));
  std::size_t wrong = 0, removed = 0, removedByTheReach = 0;
  for (int y = 0; y < both.rows; ++y)
  {
    for (int x = 0; x < both.cols; ++x)
    {
      const bool   was = both.at<unsigned char>(y, x) != 0;
      const bool   near = nearRemoval.at<unsigned char>(y, x) != 0;
      const double p = head->GetPixel({ { x, y } });
      const bool   sureNot = p < scopsam::Adaptation::Threshold - (near ? 0.0 : step.StepMargin);
      removedByTheReach += was && near && p < scopsam::Adaptation::Threshold &&
                           p >= scopsam::Adaptation::Threshold - step.StepMargin;
      const bool is = filter->GetMaskOutput()->GetPixel({ { x, y } }) != 0;
      wrong += is != (was && !sureNot);
      removed += was && !is;
    }
  }
  EXPECT_EQ(wrong, 0u) << "the previous mask less the pixels the head says are not phase";
  EXPECT_GT(removed, 0u);
  EXPECT_GT(removedByTheReach, 0u) << "pixels near a bright scribble that the margin alone would have held";

  // Excluded pixels stay out of the mask, whatever the previous mask says there: a previous mask of one pixel of a
  // dark particle, which is excluded, and prompts that ask only to add (the "this phase" scribbles lie outside it).
  auto         excluded = BlankMask(sample.Image), onePixel = BlankMask(sample.Image);
  const auto & particle = sample.DarkCentres[5];
  excluded->SetPixel({ { particle.x, particle.y } }, 1);
  onePixel->SetPixel({ { particle.x, particle.y } }, 1);
  filter->SetExclusionMask(excluded);
  filter->SetPreviousMask(onePixel);
  filter->Update();
  EXPECT_EQ(filter->GetMaskOutput()->GetPixel({ { particle.x, particle.y } }), 0);
  EXPECT_EQ(filter->GetOutput()->GetPixel({ { particle.x, particle.y } }), 0.0f);
  filter->SetExclusionMask(nullptr);

  // A previous mask of another size is bad input.
  auto small = Filter::MaskImageType::New();
  small->SetRegions(Filter::MaskImageType::SizeType{ { 8, 8 } });
  small->Allocate(true);
  filter->SetPreviousMask(small);
  EXPECT_THROW(filter->Update(), itk::InvalidArgumentError);
}

// ITK's idiom for keeping a result while the filter runs again: DisconnectPipeline() on either output.
TEST(SCoPSAMSegmentationFilter, OutputsDisconnectedFromThePipelineAreReplaced)
{
  const TwoPhaseMicrograph sample;
  auto                     filter = Filter::New();
  filter->SetInput(sample.Image);
  filter->SetModelFileName(TinyModel());
  filter->AddClick({ { sample.DarkCentres[0].x, sample.DarkCentres[0].y } }, 1);
  filter->Update();
  Filter::MaskImageType::Pointer   kept = filter->GetMaskOutput();
  Filter::OutputImageType::Pointer keptProbability = filter->GetOutput();
  kept->DisconnectPipeline();
  keptProbability->DisconnectPipeline();
  ASSERT_NE(filter->GetMaskOutput(), nullptr);
  ASSERT_NE(filter->GetOutput(), nullptr);
  filter->AddClick({ { sample.BrightCentres[0].x, sample.BrightCentres[0].y } }, 0);
  filter->Update();
  ASSERT_NE(filter->GetMaskOutput(), nullptr);
  EXPECT_NE(filter->GetMaskOutput(), kept.GetPointer());
  EXPECT_EQ(filter->GetMaskOutput()->GetLargestPossibleRegion(), kept->GetLargestPossibleRegion());
  EXPECT_EQ(filter->GetMaskOutput()->GetBufferedRegion(), kept->GetBufferedRegion());
}
