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
// itk::SCoPSAMSegmentationFilter in ITK pipelines: outputs, streaming, given priors, prompts, errors, abort.
#include "itkCommand.h"
#include "itkComposeImageFilter.h"
#include "itkGradientPriorFilter.h"
#include "itkGrayscalePriorFilter.h"
#include "itkImageFileReader.h"
#include "itkImageFileWriter.h"
#include "itkImageRegionSplitterMultidimensional.h"
#include "itkSCoPSAMSegmentationFilter.h"
#include "itkStreamingImageFilter.h"
#include "itkVectorIndexSelectionCastImageFilter.h"
#include "scopsamOpenCVBridge.h"
#include "scopsamSegmentationSupport.h"
#include "scopsamSyntheticMicrograph.h"
#include "scopsamTestConfigurations.h"

#include "gtest/gtest.h"

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
    const fs::path folder = fs::temp_directory_path() / ("scopsam-filter-test-" + std::to_string(::getpid()));
    fs::create_directories(folder);
    const std::string file = (folder / "tiny.pt").string();
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
  for (std::size_t i = 0; i < 150 * 110; ++i)
  {
    const float p = probability->GetBufferPointer()[i];
    ASSERT_TRUE(p >= 0.0f && p <= 1.0f);
    ASSERT_EQ(mask->GetBufferPointer()[i], p >= 0.5f ? 255 : 0);
  }
  std::ostringstream os;
  filter->Print(os);
  EXPECT_NE(os.str().find("tiny.pt"), std::string::npos);
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
    auto streamer = itk::StreamingImageFilter<FloatImage, FloatImage>::New();
    streamer->SetInput(filter->GetOutput());
    streamer->SetNumberOfStreamDivisions(divisions);
    streamer->SetRegionSplitter(itk::ImageRegionSplitterMultidimensional::New());
    streamer->Update();
    EXPECT_EQ(MaxDifference<FloatImage>(streamer->GetOutput(), whole->GetOutput()), 0.0) << divisions;
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

TEST(SCoPSAMSegmentationFilter, PromptsAndRegionOfInterest)
{
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
  U16Image::RegionType roi({ { 10, 10 } }, { { 60, 50 } });
  prompted->SetRegionOfInterest(roi);
  prompted->Update();
  EXPECT_GT(MaxDifference<FloatImage>(prompted->GetOutput(), automatic->GetOutput()), 1e-4);
  EXPECT_EQ(prompted->GetOutput()->GetPixel({ { 100, 80 } }), 0.0f) << "outside the region of interest";
  EXPECT_THROW(prompted->AddClick({ { 1, 1 } }, 3), itk::ExceptionObject);
  prompted->AddClick({ { 500, 1 } }, 1);
  EXPECT_THROW(prompted->Update(), itk::ExceptionObject);
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
