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
// Tests of the two prior filters on images whose answer is known analytically, and of the properties that
// SCoP-SAM's tiling relies on: streaming, threading and pixel types do not change the result.
#include "itkGradientPriorFilter.h"
#include "itkGrayscalePriorFilter.h"
#include "itkImageRegionIterator.h"
#include "itkImageRegionSplitterMultidimensional.h"
#include "itkStreamingImageFilter.h"
#include "itkVector.h"

#include "gtest/gtest.h"

#include <cmath>
#include <functional>
#include <utility>

namespace
{

template <typename TImage>
typename TImage::Pointer
MakeImage(const typename TImage::SizeType & size, const std::function<double(const typename TImage::IndexType &)> & f)
{
  auto image = TImage::New();
  image->SetRegions(typename TImage::RegionType(size));
  image->Allocate();
  for (itk::ImageRegionIterator<TImage> it(image, image->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it)
  {
    it.Set(static_cast<typename TImage::PixelType>(f(it.GetIndex())));
  }
  return image;
}

using Image2F = itk::Image<float, 2>;
using Image2U8 = itk::Image<unsigned char, 2>;
using Image2U16 = itk::Image<unsigned short, 2>;
using Image3U8 = itk::Image<unsigned char, 3>;
using Vector2Image = itk::Image<itk::Vector<float, 2>, 2>;

// A textured image with particles, edges and noise: something every prior answers to.
template <typename TImage>
typename TImage::Pointer
MakeTexture(const typename TImage::SizeType & size, double scale)
{
  return MakeImage<TImage>(size, [scale](const typename TImage::IndexType & i) {
    double v = 0.4 + 0.1 * std::sin(0.11 * i[0]) * std::cos(0.07 * i[1]);
    for (unsigned d = 2; d < TImage::ImageDimension; ++d)
    {
      v += 0.05 * std::sin(0.3 * i[d]);
    }
    const double dx = std::fmod(i[0], 17.0) - 8.0, dy = std::fmod(i[1], 23.0) - 11.0;
    if (dx * dx + dy * dy < 9.0)
    {
      v += 0.3;
    }
    v += 0.03 * std::sin(12.9898 * i[0] + 78.233 * i[1]);
    return scale * std::max(0.0, std::min(1.0, v));
  });
}

template <typename TImage>
double
MaxAbsDifference(const TImage * a, const TImage * b)
{
  double                                      worst = 0.0;
  itk::ImageRegionConstIterator<TImage>       ia(a, a->GetLargestPossibleRegion());
  itk::ImageRegionConstIterator<TImage>       ib(b, b->GetLargestPossibleRegion());
  using Traits = itk::DefaultConvertPixelTraits<typename TImage::PixelType>;
  for (; !ia.IsAtEnd(); ++ia, ++ib)
  {
    for (unsigned c = 0; c < Traits::GetNumberOfComponents(); ++c)
    {
      worst = std::max(worst, std::abs(double(Traits::GetNthComponent(c, ia.Get())) - Traits::GetNthComponent(c, ib.Get())));
    }
  }
  return worst;
}

} // namespace

TEST(GradientPriorFilter, FlatImageGivesZero)
{
  auto image = MakeImage<Image2U8>({ { 40, 30 } }, [](auto &) { return 100; });
  auto filter = itk::GradientPriorFilter<Image2U8, Vector2Image>::New();
  filter->SetInput(image);
  filter->Update();
  for (itk::ImageRegionConstIterator<Vector2Image> it(filter->GetOutput(), image->GetLargestPossibleRegion());
       !it.IsAtEnd();
       ++it)
  {
    EXPECT_EQ(it.Get()[0], 0.0f);
    EXPECT_EQ(it.Get()[1], 0.0f);
  }
}

TEST(GradientPriorFilter, LinearRampGivesConstantMagnitudeAwayFromBorders)
{
  auto image = MakeImage<Image2F>({ { 96, 64 } }, [](auto & i) { return 0.5 * i[0] + 0.25 * i[1]; });
  auto filter = itk::GradientPriorFilter<Image2F>::New();
  filter->SetInput(image);
  // Fix the normalisation so that the expected slope is known: 1 normalised unit per 100 gray levels.
  filter->SetIntensityRange(-1000.0, 1000.0);
  filter->SetMagnitudeScale(0.05);
  filter->Update();
  // Scale-normalised: sigma |grad|, largest at the largest scale (4).
  const double slope = std::sqrt(0.5 * 0.5 + 0.25 * 0.25) / 2000.0;
  const double expected = 1.0 - std::exp(-4.0 * slope / 0.05);
  const int    reach = static_cast<int>(filter->GetReach());
  for (int y = reach; y < 64 - reach; ++y)
  {
    for (int x = reach; x < 96 - reach; ++x)
    {
      ASSERT_NEAR(filter->GetOutput()->GetPixel({ { x, y } }), expected, 1e-5) << "at " << x << "," << y;
    }
  }
}

TEST(GradientPriorFilter, StepEdgePeaksAtTheEdgeAndIsCoherent)
{
  auto image = MakeImage<Image2U8>({ { 64, 48 } }, [](auto & i) { return i[0] < 32 ? 50 : 150; });
  auto filter = itk::GradientPriorFilter<Image2U8, Vector2Image>::New();
  filter->SetInput(image);
  filter->Update();
  const auto * out = filter->GetOutput();
  for (int y = 0; y < 48; ++y)
  {
    // The edge lies between columns 31 and 32: the magnitude is largest there and falls off on both sides.
    const float atEdge = out->GetPixel({ { 31, y } })[0];
    EXPECT_FLOAT_EQ(atEdge, out->GetPixel({ { 32, y } })[0]);
    for (int x = 0; x < 64; ++x)
    {
      EXPECT_LE(out->GetPixel({ { x, y } })[0], atEdge + 1e-6f);
    }
    EXPECT_GT(atEdge, 0.9f);
    EXPECT_LT(out->GetPixel({ { 10, y } })[0], 1e-3f);
    EXPECT_GT(out->GetPixel({ { 31, y } })[1], 0.99f) << "an isolated straight edge is fully coherent";
  }
}

TEST(GrayscalePriorFilter, DiscsLightUpUnderTheirPolarity)
{
  // Mid-gray matrix, a bright disc at (20, 20) and a dark disc at (60, 20).
  auto image = MakeImage<Image2U8>({ { 80, 40 } }, [](auto & i) {
    const double b = std::hypot(i[0] - 20.0, i[1] - 20.0), d = std::hypot(i[0] - 60.0, i[1] - 20.0);
    return b < 4 ? 200 : (d < 4 ? 40 : 120);
  });
  using Filter = itk::GrayscalePriorFilter<Image2U8>;
  auto run = [&](Filter::PolarityEnum polarity) {
    auto filter = Filter::New();
    filter->SetInput(image);
    filter->SetPolarity(polarity);
    filter->Update();
    return Image2F::Pointer(filter->GetOutput());
  };
  const auto bright = run(Filter::PolarityEnum::Bright);
  const auto dark = run(Filter::PolarityEnum::Dark);
  const auto both = run(Filter::PolarityEnum::Both);
  const Image2F::IndexType brightCentre{ { 20, 20 } }, darkCentre{ { 60, 20 } }, matrix{ { 40, 5 } };
  EXPECT_GT(bright->GetPixel(brightCentre), 0.7f);
  EXPECT_EQ(bright->GetPixel(darkCentre), 0.0f);
  EXPECT_GT(dark->GetPixel(darkCentre), 0.7f);
  EXPECT_EQ(dark->GetPixel(brightCentre), 0.0f);
  EXPECT_FLOAT_EQ(both->GetPixel(brightCentre), bright->GetPixel(brightCentre));
  EXPECT_FLOAT_EQ(both->GetPixel(darkCentre), dark->GetPixel(darkCentre));
  EXPECT_LT(both->GetPixel(matrix), 0.35f);
}

TEST(GrayscalePriorFilter, FlatImageGivesZeroAndGlobalTermUsesTheMode)
{
  auto flat = MakeImage<Image2U16>({ { 30, 30 } }, [](auto &) { return 1000; });
  auto filter = itk::GrayscalePriorFilter<Image2U16, Vector2Image>::New();
  filter->SetInput(flat);
  filter->Update();
  for (itk::ImageRegionConstIterator<Vector2Image> it(filter->GetOutput(), flat->GetLargestPossibleRegion());
       !it.IsAtEnd();
       ++it)
  {
    EXPECT_EQ(it.Get()[0], 0.0f);
  }
  // 90 % of the pixels at the matrix level, 10 % far above: the global term is 0 on the matrix, high elsewhere.
  auto twoLevels = MakeImage<Image2U16>({ { 100, 10 } }, [](auto & i) { return i[0] < 90 ? 1000 : 5000; });
  filter->SetInput(twoLevels);
  filter->SetLowerPercentile(0.0);
  filter->SetUpperPercentile(1.0);
  filter->UpdateLargestPossibleRegion();
  EXPECT_LT(filter->GetOutput()->GetPixel({ { 10, 5 } })[1], 0.05f);
  EXPECT_GT(filter->GetOutput()->GetPixel({ { 95, 5 } })[1], 0.99f);
}

TEST(PriorFilters, StreamedEqualsWholeImage)
{
  auto image = MakeTexture<Image2U16>({ { 131, 97 } }, 4000.0);
  auto check = [&](auto filter) {
    filter->SetInput(image);
    filter->Update();
    using OutputType = typename std::remove_pointer<decltype(filter->GetOutput())>::type;
    for (unsigned divisions : { 3u, 7u, 16u })
    {
      filter->Modified();
      auto streamer = itk::StreamingImageFilter<OutputType, OutputType>::New();
      streamer->SetInput(filter->GetOutput());
      streamer->SetNumberOfStreamDivisions(divisions);
      streamer->SetRegionSplitter(itk::ImageRegionSplitterMultidimensional::New());
      streamer->Update();
      auto again = decltype(filter)::ObjectType::New();
      again->SetInput(image);
      again->Update();
      EXPECT_EQ(MaxAbsDifference<OutputType>(streamer->GetOutput(), again->GetOutput()), 0.0) << divisions;
    }
  };
  check(itk::GradientPriorFilter<Image2U16, Vector2Image>::New());
  check(itk::GrayscalePriorFilter<Image2U16, Vector2Image>::New());
}

TEST(PriorFilters, OneThreadEqualsManyThreads)
{
  auto image = MakeTexture<Image3U8>({ { 45, 38, 21 } }, 255.0);
  auto run = [&](auto filter, unsigned threads) {
    filter->SetInput(image);
    filter->SetNumberOfWorkUnits(threads);
    filter->Update();
    return filter;
  };
  using G = itk::GradientPriorFilter<Image3U8, itk::Image<itk::Vector<float, 2>, 3>>;
  using S = itk::GrayscalePriorFilter<Image3U8, itk::Image<itk::Vector<float, 2>, 3>>;
  auto g1 = run(G::New(), 1), g8 = run(G::New(), 8);
  auto s1 = run(S::New(), 1), s8 = run(S::New(), 8);
  EXPECT_EQ(MaxAbsDifference(g1->GetOutput(), g8->GetOutput()), 0.0);
  EXPECT_EQ(MaxAbsDifference(s1->GetOutput(), s8->GetOutput()), 0.0);
}

TEST(PriorFilters, PixelTypesAgreeAfterNormalisation)
{
  // The same picture stored as uint8, uint16 (x 257) and float (/ 255) normalises to the same [0, 1] image.
  auto u8 = MakeTexture<Image2U8>({ { 64, 64 } }, 255.0);
  auto u16 = MakeImage<Image2U16>({ { 64, 64 } }, [&](auto & i) { return 257.0 * u8->GetPixel(i); });
  auto f = MakeImage<Image2F>({ { 64, 64 } }, [&](auto & i) { return u8->GetPixel(i) / 255.0; });
  auto g8 = itk::GradientPriorFilter<Image2U8>::New();
  auto g16 = itk::GradientPriorFilter<Image2U16>::New();
  auto gf = itk::GradientPriorFilter<Image2F>::New();
  g8->SetInput(u8);
  g16->SetInput(u16);
  gf->SetInput(f);
  g8->Update();
  g16->Update();
  gf->Update();
  EXPECT_NEAR(g8->GetIntensityStatistics().Lower * 257.0, g16->GetIntensityStatistics().Lower, 1e-9);
  EXPECT_LT(MaxAbsDifference<Image2F>(g8->GetOutput(), g16->GetOutput()), 1e-5);
  EXPECT_LT(MaxAbsDifference<Image2F>(g8->GetOutput(), gf->GetOutput()), 2e-3);
}

TEST(PriorFilters, ThreeDimensionalImagesWork)
{
  auto image = MakeImage<Image3U8>({ { 32, 32, 32 } }, [](auto & i) { return i[2] < 16 ? 60 : 180; });
  auto filter = itk::GradientPriorFilter<Image3U8, itk::Image<itk::Vector<float, 2>, 3>>::New();
  filter->SetInput(image);
  filter->Update();
  EXPECT_GT((filter->GetOutput()->GetPixel({ { 16, 16, 15 } })[0]), 0.9f);
  EXPECT_GT((filter->GetOutput()->GetPixel({ { 16, 16, 15 } })[1]), 0.99f);
  EXPECT_LT((filter->GetOutput()->GetPixel({ { 16, 16, 3 } })[0]), 1e-3f);
  auto gray = itk::GrayscalePriorFilter<Image3U8>::New();
  gray->SetInput(image);
  gray->SetWindowRadius(4);
  gray->Update();
  EXPECT_EQ(gray->GetOutput()->GetPixel({ { 16, 16, 3 } }), 0.0f);
}

TEST(PriorFilters, ParametersOutsideTheirRangeThrow)
{
  auto g = itk::GradientPriorFilter<Image2U8>::New();
  EXPECT_THROW(g->SetScales({}), itk::ExceptionObject);
  EXPECT_THROW(g->SetScales({ 1.0, 0.1 }), itk::ExceptionObject);
  EXPECT_THROW(g->SetIntegrationScale(0.0), itk::ExceptionObject);
  EXPECT_THROW(g->SetMagnitudeScale(-1.0), itk::ExceptionObject);
  EXPECT_THROW(g->SetIntensityRange(5.0, 5.0), itk::ExceptionObject);
  EXPECT_THROW(g->SetLowerPercentile(0.7), itk::ExceptionObject);
  EXPECT_THROW(g->SetUpperPercentile(1.5), itk::ExceptionObject);
  auto s = itk::GrayscalePriorFilter<Image2U8>::New();
  EXPECT_THROW(s->SetWindowRadius(0), itk::ExceptionObject);
  EXPECT_THROW(s->SetEpsilon(0.0), itk::ExceptionObject);
  EXPECT_THROW(s->SetMatrixMode(1.5), itk::ExceptionObject);
  EXPECT_THROW(s->SetPolarity(static_cast<decltype(s)::ObjectType::PolarityEnum>(7)), itk::ExceptionObject);
  // A valid value is kept, and PrintSelf names it.
  s->SetWindowRadius(7);
  std::ostringstream os;
  s->Print(os);
  EXPECT_NE(os.str().find("WindowRadius: 7"), std::string::npos);
}

// Every number of the table: a new filter holds its default; the ends of its range are taken; a value just outside
// either end is refused with a message that names the parameter and the range.
TEST(PriorFilters, DefaultsAndRangesAreThoseOfTheTable)
{
  namespace P = scopsam::PriorParameters;
  auto g = itk::GradientPriorFilter<Image2U8>::New();
  auto s = itk::GrayscalePriorFilter<Image2U8>::New();
  EXPECT_EQ(g->GetScales(), std::vector<double>(P::DefaultScales.begin(), P::DefaultScales.end()));
  EXPECT_EQ(g->GetIntegrationScale(), P::IntegrationScale.Default);
  EXPECT_EQ(g->GetMagnitudeScale(), P::MagnitudeScale.Default);
  EXPECT_EQ(s->GetWindowRadius(), P::WindowRadius.Default);
  EXPECT_EQ(s->GetEpsilon(), P::Epsilon.Default);
  EXPECT_EQ(s->GetContrastScale(), P::ContrastScale.Default);
  EXPECT_EQ(s->GetGlobalScale(), P::GlobalScale.Default);
  EXPECT_EQ(s->GetPolarity(), P::DefaultPolarity);

  using Setter = std::function<void(double)>;
  const std::vector<std::pair<scopsam::PriorParameter, Setter>> setters{
    { P::IntegrationScale, [&](double v) { g->SetIntegrationScale(v); } },
    { P::MagnitudeScale, [&](double v) { g->SetMagnitudeScale(v); } },
    { P::WindowRadius, [&](double v) { s->SetWindowRadius(static_cast<unsigned int>(v)); } },
    { P::Epsilon, [&](double v) { s->SetEpsilon(v); } },
    { P::ContrastScale, [&](double v) { s->SetContrastScale(v); } },
    { P::GlobalScale, [&](double v) { s->SetGlobalScale(v); } },
  };
  ASSERT_EQ(setters.size(), P::Gradient.size() + P::Grayscale.size());
  for (const auto & [parameter, set] : setters)
  {
    const auto & r = parameter.Range;
    EXPECT_NO_THROW(set(r.Minimum)) << parameter.Name;
    EXPECT_NO_THROW(set(r.Maximum)) << parameter.Name;
    // Integers step by one; real numbers by a thousandth of the end.
    const bool integer = std::string(parameter.Name) == "WindowRadius";
    for (const double outside : { integer ? r.Minimum - 1 : r.Minimum * 0.999, integer ? r.Maximum + 1 : r.Maximum * 1.001 })
    {
      try
      {
        set(outside);
        ADD_FAILURE() << parameter.Name << " took " << outside << ", outside " << r.Requirement();
      }
      catch (const itk::ExceptionObject & e)
      {
        const std::string message = e.GetDescription();
        EXPECT_NE(message.find(parameter.Name), std::string::npos) << message;
        EXPECT_NE(message.find(r.Requirement()), std::string::npos) << message;
      }
    }
  }
  EXPECT_NO_THROW(g->SetScales({ P::ScaleRange.Minimum, P::ScaleRange.Maximum }));
  EXPECT_THROW(g->SetScales({ P::ScaleRange.Maximum * 1.001 }), itk::ExceptionObject);
  EXPECT_THROW(g->SetScales(std::vector<double>(P::MaximumNumberOfScales + 1, 1.0)), itk::ExceptionObject);
}

// The one polarity parser: the three names both ways, anything else refused (no silent Both).
TEST(PriorParameters, PolarityNamesParseBackAndUnknownNamesAreRefused)
{
  for (const auto polarity : { scopsam::Polarity::Bright, scopsam::Polarity::Dark, scopsam::Polarity::Both })
  {
    EXPECT_EQ(scopsam::ParsePolarity(scopsam::PolarityName(polarity)), polarity);
  }
  EXPECT_EQ(scopsam::PolarityName(scopsam::Polarity::Dark), "dark");
  for (const char * unknown : { "sideways", "", "Both", "bright " })
  {
    EXPECT_THROW(scopsam::ParsePolarity(unknown), std::invalid_argument) << "'" << unknown << "'";
  }
  EXPECT_THROW(scopsam::PolarityName(static_cast<scopsam::Polarity>(7)), std::invalid_argument);
}

TEST(RobustIntensityRangeCalculator, PercentilesOfAKnownHistogram)
{
  // Values 0..99, each on one column of 10 rows: the 5 % and 95 % percentiles are 5 and 94.
  auto image = MakeImage<Image2U8>({ { 100, 10 } }, [](auto & i) { return i[0]; });
  auto calculator = itk::RobustIntensityRangeCalculator<Image2U8>::New();
  calculator->SetImage(image);
  calculator->SetLowerPercentile(0.05);
  calculator->SetUpperPercentile(0.95);
  calculator->Compute();
  EXPECT_DOUBLE_EQ(calculator->GetStatistics().Lower, 5.0);
  EXPECT_DOUBLE_EQ(calculator->GetStatistics().Upper, 94.0);

  auto empty = Image2U8::New();
  calculator->SetImage(empty);
  EXPECT_THROW(calculator->Compute(), itk::ExceptionObject);
}
