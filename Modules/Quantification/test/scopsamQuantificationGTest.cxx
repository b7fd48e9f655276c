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
// Measurements on shapes whose answers are known, border and exclusion handling, empty and full masks, the report
// formats through parsers, the VTK files through VTK's readers, the plots and the overlay picture.
#include "itkPhaseQuantificationImageFilter.h"
#include "scopsamOpenCVBridge.h"
#include "scopsamPictures.h"
#include "scopsamQuantificationOutputs.h"
#include "scopsamSyntheticMicrograph.h"

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>
#include <vtkCellData.h>
#include <vtkDataArray.h>
#include <vtkImageData.h>
#include <vtkPointData.h>
#include <vtkPolyData.h>
#include <vtkSmartPointer.h>
#include <vtkXMLImageDataReader.h>
#include <vtkXMLPolyDataReader.h>

#include "gtest/gtest.h"

#include <cmath>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

namespace
{

using MaskImage = itk::Image<unsigned char, 2>;
using FeatureImage = itk::Image<float, 2>;
using Filter = itk::PhaseQuantificationImageFilter<MaskImage>;
constexpr double Pi = 3.14159265358979323846;

MaskImage::Pointer
Blank(int width, int height, double spacing = 1.0)
{
  auto image = MaskImage::New();
  image->SetRegions(MaskImage::SizeType{ { static_cast<itk::SizeValueType>(width), static_cast<itk::SizeValueType>(height) } });
  image->Allocate(true);
  image->SetSpacing(spacing);
  return image;
}

/** Pixels whose centres lie inside the ellipse with semi-axes a, b (pixels), major axis at `degrees` on screen. */
void
DrawEllipse(MaskImage * image, double cx, double cy, double a, double b, double degrees)
{
  const double t = degrees * Pi / 180.0, c = std::cos(t), s = std::sin(t);
  const auto   size = image->GetLargestPossibleRegion().GetSize();
  for (itk::IndexValueType y = 0; y < static_cast<itk::IndexValueType>(size[1]); ++y)
  {
    for (itk::IndexValueType x = 0; x < static_cast<itk::IndexValueType>(size[0]); ++x)
    {
      // On screen y points down: counter-clockwise by t means the major axis points to (cos t, -sin t).
      const double dx = x - cx, dy = y - cy;
      const double u = dx * c - dy * s, v = dx * s + dy * c;
      if ((u * u) / (a * a) + (v * v) / (b * b) <= 1.0)
      {
        image->SetPixel({ { x, y } }, 255);
      }
    }
  }
}

scopsam::FieldMeasurements
Measure(const MaskImage * mask, const std::function<void(Filter *)> & configure = {})
{
  auto filter = Filter::New();
  filter->SetInput(mask);
  filter->SetLengthUnit("um");
  if (configure)
  {
    configure(filter);
  }
  filter->Update();
  return filter->GetFieldMeasurements();
}

/** The particle whose centroid is nearest to (x, y) (physical): particles are numbered in scan order. */
const scopsam::ParticleMeasurement &
ParticleAt(const scopsam::FieldMeasurements & field, double x, double y)
{
  return *std::min_element(field.Particles.begin(), field.Particles.end(), [&](const auto & a, const auto & b) {
    return std::hypot(a.CentroidX - x, a.CentroidY - y) < std::hypot(b.CentroidX - x, b.CentroidY - y);
  });
}

std::string
Slurp(const std::string & path)
{
  std::ifstream     in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string
OutputPath(const std::string & name)
{
  return std::string(SCoPSAM_BINARY_DIR) + "/Testing/Output/quantification_" + name;
}

} // namespace

TEST(PhaseQuantification, DiscsOfKnownRadiiOnAKnownSpacing)
{
  const double spacing = 0.25; // micrometres per pixel
  auto         mask = Blank(200, 120, spacing);
  const double radii[] = { 6, 12, 20 }, xs[] = { 30, 80, 150 }, ys[] = { 50, 50, 60 };
  for (int i = 0; i < 3; ++i)
  {
    DrawEllipse(mask, xs[i], ys[i], radii[i], radii[i], 0);
  }
  const auto field = Measure(mask);
  ASSERT_EQ(field.ParticleCount, 3u);
  EXPECT_EQ(field.Unit, "um");
  EXPECT_EQ(field.BorderParticleCount, 0u);
  for (std::size_t i = 0; i < 3; ++i)
  {
    const auto & p = ParticleAt(field, xs[i] * spacing, ys[i] * spacing);
    const double r = radii[i] * spacing;
    SCOPED_TRACE("radius " + std::to_string(radii[i]) + " px");
    EXPECT_NEAR(p.Area, Pi * r * r, 0.04 * Pi * r * r);              // digitised discs: area within 4 %
    EXPECT_NEAR(p.EquivalentDiameter, 2 * r, 0.02 * 2 * r + 1e-9);   // and the diameter within 2 %
    EXPECT_NEAR(p.FeretMaximum, 2 * r + spacing, 1.0 * spacing);     // on pixel corners: 2r + 1 px, +-1 px
    EXPECT_NEAR(p.FeretMinimum, 2 * r + spacing, 1.0 * spacing);
    EXPECT_NEAR(p.AspectRatio, 1.0, 0.06);
    EXPECT_GT(p.Circularity, 0.85);
    EXPECT_LE(p.Circularity, 1.0);
    EXPECT_FALSE(p.TouchesBorder);
  }
  // Centroids in physical units, nearest neighbours between them.
  EXPECT_NEAR(ParticleAt(field, 0, 0).CentroidX, 30 * spacing, 1e-9);
  EXPECT_NEAR(ParticleAt(field, 0, 0).NearestNeighbourDistance, 50 * spacing, 1e-9);
  EXPECT_NEAR(ParticleAt(field, 1000, 0).NearestNeighbourDistance, std::hypot(70, 10) * spacing, 1e-9);
  EXPECT_NEAR(field.FieldArea, 200 * 120 * spacing * spacing, 1e-9);
  EXPECT_NEAR(field.NumberDensity, 3 / field.FieldArea, 1e-12);
}

TEST(PhaseQuantification, EllipsesGiveTheirAxesAspectAndOrientation)
{
  auto mask = Blank(240, 240);
  const double xs[] = { 60, 170, 120 }, ys[] = { 60, 60, 170 };
  const double a[] = { 30, 30, 40 }, b[] = { 10, 10, 8 }, angle[] = { 30, -60, 90 };
  for (int i = 0; i < 3; ++i)
  {
    DrawEllipse(mask, xs[i], ys[i], a[i], b[i], angle[i]);
  }
  const auto field = Measure(mask);
  ASSERT_EQ(field.ParticleCount, 3u);
  for (std::size_t i = 0; i < 3; ++i)
  {
    const auto & p = ParticleAt(field, xs[i], ys[i]);
    SCOPED_TRACE("ellipse " + std::to_string(i));
    EXPECT_NEAR(p.Area, Pi * a[i] * b[i], 0.03 * Pi * a[i] * b[i]);
    EXPECT_NEAR(p.FeretMaximum, 2 * a[i] + 1, 1.5);
    EXPECT_NEAR(p.FeretMinimum, 2 * b[i] + 1, 1.5);
    EXPECT_NEAR(p.AspectRatio, (2 * a[i] + 1) / (2 * b[i] + 1), 0.08 * a[i] / b[i]);
    EXPECT_NEAR(p.Orientation, angle[i], 1.0);
    EXPECT_GT(p.Orientation, -90.0);
    EXPECT_LE(p.Orientation, 90.0);
  }
}

TEST(PhaseQuantification, FeretDiametersOfExactPolygons)
{
  // A 10 x 4 rectangle: widths 4 and the diagonal.
  const auto rectangle = scopsam::ComputeFeretDiameters({ { 0, 0 }, { 10, 0 }, { 10, 4 }, { 0, 4 }, { 5, 2 } });
  EXPECT_DOUBLE_EQ(rectangle.Maximum, std::hypot(10, 4));
  EXPECT_DOUBLE_EQ(rectangle.Minimum, 4);
  // A single pixel's corners: side 1, diagonal sqrt 2.
  const auto pixel = scopsam::ComputeFeretDiameters({ { 0, 0 }, { 1, 0 }, { 0, 1 }, { 1, 1 } });
  EXPECT_DOUBLE_EQ(pixel.Maximum, std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(pixel.Minimum, 1.0);
  // Collinear points have no width.
  EXPECT_DOUBLE_EQ(scopsam::ComputeFeretDiameters({ { 0, 0 }, { 1, 1 }, { 2, 2 } }).Minimum, 0.0);
}

TEST(PhaseQuantification, NearestNeighboursOnAGrid)
{
  std::vector<std::array<double, 2>> points;
  for (int y = 0; y < 5; ++y)
  {
    for (int x = 0; x < 7; ++x)
    {
      points.push_back({ 3.0 * x, 2.0 * y });
    }
  }
  for (const double d : scopsam::NearestNeighbourDistances(points))
  {
    EXPECT_DOUBLE_EQ(d, 2.0);
  }
  EXPECT_TRUE(std::isnan(scopsam::NearestNeighbourDistances({ { 1, 1 } })[0]));
}

TEST(PhaseQuantification, StatisticsFollowStudentT)
{
  const auto s = scopsam::Describe({ 2, 4, 4, 4, 5, 5, 7, 9 });
  EXPECT_EQ(s.Count, 8u);
  EXPECT_DOUBLE_EQ(s.Mean, 5.0);
  EXPECT_NEAR(s.StandardDeviation, std::sqrt(32.0 / 7.0), 1e-12);
  EXPECT_NEAR(s.ConfidenceInterval95, 2.365 * std::sqrt(32.0 / 7.0) / std::sqrt(8.0), 1e-12);
  EXPECT_NEAR(s.RelativeAccuracyPercent, 100 * s.ConfidenceInterval95 / 5.0, 1e-12);
  EXPECT_DOUBLE_EQ(scopsam::StudentT95(1), 12.706);
  EXPECT_NEAR(scopsam::StudentT95(1000000), 1.960, 1e-3);
  EXPECT_TRUE(std::isnan(scopsam::Describe({ 3.0 }).StandardDeviation));
  EXPECT_EQ(scopsam::Describe({}).Count, 0u);
}

TEST(PhaseQuantification, AreaFractionOfASyntheticMicrographIsItsMaskFraction)
{
  scopsam::SyntheticParameters parameters;
  parameters.Width = 256;
  parameters.Height = 192;
  parameters.Level = 2;
  parameters.Seed = 11;
  const auto micrograph = scopsam::GenerateSyntheticMicrograph(parameters);
  auto       mask = scopsam::ImageFromMat<unsigned char>(micrograph.Mask);
  const auto field = Measure(mask, [](Filter * f) { f->SetMinimumParticlePixels(0); });
  EXPECT_DOUBLE_EQ(field.AreaFraction, cv::countNonZero(micrograph.Mask) / (256.0 * 192.0));
  // Connected components agree with OpenCV's (8-connectivity).
  cv::Mat labels;
  EXPECT_EQ(field.ParticleCount, static_cast<std::size_t>(cv::connectedComponents(micrograph.Mask, labels, 8) - 1));
}

TEST(PhaseQuantification, SpecksBorderParticlesAndExcludedRegions)
{
  auto mask = Blank(100, 60);
  DrawEllipse(mask, 50, 30, 8, 8, 0);  // inside
  DrawEllipse(mask, 2, 30, 6, 6, 0);   // cut by the left edge
  DrawEllipse(mask, 80, 45, 5, 5, 0);  // next to the excluded bar
  mask->SetPixel({ { 20, 10 } }, 255); // a one-pixel speck
  auto exclusion = Blank(100, 60);
  for (itk::IndexValueType x = 0; x < 100; ++x)
  {
    for (itk::IndexValueType y = 51; y < 60; ++y)
    {
      exclusion->SetPixel({ { x, y } }, 1);
    }
  }
  const auto kept = Measure(mask, [&](Filter * f) { f->SetExclusionMask(exclusion); });
  EXPECT_EQ(kept.RemovedSpecks, 1u);
  EXPECT_EQ(kept.ParticleCount, 3u);
  EXPECT_EQ(kept.BorderParticleCount, 2u);
  EXPECT_DOUBLE_EQ(kept.FieldArea, 100.0 * 51.0);
  EXPECT_FALSE(ParticleAt(kept, 50, 30).TouchesBorder);
  EXPECT_TRUE(ParticleAt(kept, 2, 30).TouchesBorder);  // the image edge
  EXPECT_TRUE(ParticleAt(kept, 80, 45).TouchesBorder); // the excluded bar

  const auto interior = Measure(mask, [&](Filter * f) {
    f->SetExclusionMask(exclusion);
    f->ExcludeBorderParticlesOn();
  });
  EXPECT_EQ(interior.ParticleCount, 1u);
  EXPECT_EQ(interior.ExcludedBorderParticles, 2u);
  EXPECT_EQ(interior.BorderParticleCount, 0u);
  EXPECT_DOUBLE_EQ(interior.AreaFraction, kept.AreaFraction); // border particles still count as phase
  EXPECT_NEAR(interior.Particles[0].CentroidX, 50.0, 1e-9);
}

TEST(PhaseQuantification, EmptyAndFullMasks)
{
  const auto empty = Measure(Blank(40, 30));
  EXPECT_EQ(empty.ParticleCount, 0u);
  EXPECT_DOUBLE_EQ(empty.AreaFraction, 0.0);
  EXPECT_TRUE(std::isnan(empty.MeanFreePath));
  auto full = Blank(40, 30);
  full->FillBuffer(1);
  const auto whole = Measure(full);
  EXPECT_EQ(whole.ParticleCount, 1u);
  EXPECT_DOUBLE_EQ(whole.AreaFraction, 1.0);
  EXPECT_TRUE(whole.Particles[0].TouchesBorder);
  EXPECT_DOUBLE_EQ(whole.MeanFreePath, 0.0);
  // Reports of both are valid JSON with nulls where a figure does not exist.
  const auto report = nlohmann::json::parse(scopsam::MeasurementsToJSON({ empty, whole }, {}));
  EXPECT_TRUE(report["fields"][0]["mean_free_path"].is_null());
  EXPECT_EQ(report["over_fields"]["fields"], 2);
}

TEST(PhaseQuantification, MasksOnePixelHighOrWideAreMeasured)
{
  // A line of pixels (a profile, a cropped strip): ITK's label-map filters see a 1-pixel extent in one axis.
  for (const bool wide : { true, false })
  {
    auto line = wide ? Blank(40, 1) : Blank(1, 40);
    for (itk::IndexValueType i : { 3, 4, 5, 6, 7, 20, 21, 22, 23, 24, 25 })
    {
      line->SetPixel(wide ? MaskImage::IndexType{ { i, 0 } } : MaskImage::IndexType{ { 0, i } }, 255);
    }
    const auto field = Measure(line);
    EXPECT_EQ(field.ParticleCount, 2u) << (wide ? "1 pixel high" : "1 pixel wide");
    EXPECT_DOUBLE_EQ(field.AreaFraction, 11.0 / 40.0);
    ASSERT_EQ(field.Particles.size(), 2u);
    EXPECT_EQ(field.Particles[0].Pixels + field.Particles[1].Pixels, 11u);
  }
  auto single = Blank(1, 1);
  single->FillBuffer(255);
  EXPECT_EQ(Measure(single, [](Filter * f) { f->SetMinimumParticlePixels(1); }).ParticleCount, 1u);
}

TEST(PhaseQuantification, PixelSizesOutsideTheirRangeAreRefused)
{
  // ITK's SetSpacing() refuses 0 itself (and its matrix inverse aborts on NaN or infinity: the readers refuse
  // those, scopsam::InspectImageFile()); it takes these, which the filter refuses before it measures.
  for (const double spacing : { -1.0, 2.0 * scopsam::MaximumPixelSize, 1e300 })
  {
    auto mask = Blank(8, 8);
    mask->SetPixel({ { 2, 2 } }, 255);
    MaskImage::SpacingType bad;
    bad.Fill(spacing);
    bad[1] = 1.0;
    mask->SetSpacing(bad);
    EXPECT_THROW(Measure(mask), itk::ExceptionObject) << spacing;
  }
  EXPECT_EQ(Measure(Blank(8, 8, scopsam::MaximumPixelSize)).ParticleCount, 0u);
}

TEST(PhaseQuantification, MeanFreePathOfEvenStripes)
{
  // Vertical stripes 4 px wide every 10 px: rows cross a stripe every 10 px, columns enter each stripe once.
  auto mask = Blank(100, 50);
  for (itk::IndexValueType x = 0; x < 100; ++x)
  {
    for (itk::IndexValueType y = 0; y < 50; ++y)
    {
      mask->SetPixel({ { x, y } }, (x % 10) < 4 ? 1 : 0);
    }
  }
  const auto field = Measure(mask);
  EXPECT_DOUBLE_EQ(field.AreaFraction, 0.4);
  const double intercepts = 10 * 50 /* rows */ + 40 /* columns */;
  EXPECT_DOUBLE_EQ(field.InterceptsPerLength, intercepts / (2.0 * 100 * 50));
  EXPECT_DOUBLE_EQ(field.MeanFreePath, 0.6 / field.InterceptsPerLength);
}

TEST(PhaseQuantification, MeanIntensityComesFromTheFeatureImage)
{
  auto mask = Blank(50, 50);
  DrawEllipse(mask, 25, 25, 6, 6, 0);
  auto feature = FeatureImage::New();
  feature->SetRegions(mask->GetLargestPossibleRegion());
  feature->Allocate();
  feature->FillBuffer(0.75f);
  const auto field = Measure(mask, [&](Filter * f) { f->SetFeatureImage(feature); });
  ASSERT_EQ(field.ParticleCount, 1u);
  EXPECT_FLOAT_EQ(field.Particles[0].MeanIntensity, 0.75f);

  auto wrongSize = FeatureImage::New();
  wrongSize->SetRegions(FeatureImage::SizeType{ { 10, 10 } });
  wrongSize->Allocate();
  auto filter = Filter::New();
  filter->SetInput(mask);
  filter->SetFeatureImage(wrongSize);
  EXPECT_THROW(filter->Update(), itk::ExceptionObject);
}

TEST(PhaseQuantification, LabelImageNumbersTheMeasuredParticles)
{
  auto mask = Blank(80, 40);
  DrawEllipse(mask, 20, 20, 5, 5, 0);
  DrawEllipse(mask, 60, 20, 7, 7, 0);
  auto filter = Filter::New();
  filter->SetInput(mask);
  filter->Update();
  const auto & field = filter->GetFieldMeasurements();
  ASSERT_EQ(field.ParticleCount, 2u);
  EXPECT_EQ(filter->GetOutput()->GetPixel({ { 20, 20 } }), ParticleAt(field, 20, 20).Label);
  EXPECT_EQ(filter->GetOutput()->GetPixel({ { 60, 20 } }), ParticleAt(field, 60, 20).Label);
  EXPECT_NE(ParticleAt(field, 20, 20).Label, ParticleAt(field, 60, 20).Label);
  EXPECT_EQ(filter->GetOutput()->GetPixel({ { 40, 20 } }), 0u);
  EXPECT_EQ(filter->GetNumberOfParticles(), 2u);
  EXPECT_EQ(nlohmann::json::parse(filter->GetMeasurementsAsJSON())["fields"][0]["particle_count"], 2);
}

TEST(PhaseQuantification, CSVAndJSONRoundTripThroughParsers)
{
  auto mask = Blank(120, 80, 0.5);
  DrawEllipse(mask, 30, 40, 10, 5, 0);
  DrawEllipse(mask, 80, 40, 8, 8, 0);
  const auto field = Measure(mask);
  const auto csv = scopsam::ParticlesToCSV({ field });
  std::istringstream lines(csv);
  std::string        header, row;
  std::getline(lines, header);
  EXPECT_NE(header.find("equivalent_diameter_um"), std::string::npos);
  std::size_t rows = 0;
  while (std::getline(lines, row))
  {
    std::vector<std::string> cells;
    std::stringstream        split(row);
    for (std::string cell; std::getline(split, cell, ',');)
    {
      cells.push_back(cell);
    }
    ASSERT_EQ(cells.size(), 16u);
    EXPECT_NEAR(std::stod(cells[6]), field.Particles[rows].EquivalentDiameter, 1e-6);
    ++rows;
  }
  EXPECT_EQ(rows, 2u);

  scopsam::QuantificationSettings settings;
  settings.PixelSizeSource = "--pixel-size";
  const auto report = nlohmann::json::parse(scopsam::MeasurementsToJSON({ field, field }, settings));
  EXPECT_EQ(report["units"]["length"], "um");
  EXPECT_EQ(report["units"]["number_density"], "1/mm^2");
  EXPECT_EQ(report["settings"]["pixel_size_source"], "--pixel-size");
  EXPECT_EQ(report["fields"][0]["particle_count"], 2);
  EXPECT_NEAR(report["fields"][0]["number_density"].get<double>(), 2 / field.FieldArea * 1e6, 1e-6);
  EXPECT_NEAR(report["fields"][0]["particles"]["equivalent_diameter"]["mean"].get<double>(),
              (field.Particles[0].EquivalentDiameter + field.Particles[1].EquivalentDiameter) / 2, 1e-9);
  EXPECT_DOUBLE_EQ(report["over_fields"]["area_fraction"]["sd"].get<double>(), 0.0);
}

TEST(PhaseQuantification, VTKFilesReadBackWithTheParticles)
{
  auto mask = Blank(120, 80, 0.5);
  MaskImage::PointType origin;
  origin[0] = 10.0;
  origin[1] = 20.0;
  mask->SetOrigin(origin);
  DrawEllipse(mask, 30, 40, 10, 5, 0);
  DrawEllipse(mask, 80, 40, 12, 12, 0);
  DrawEllipse(mask, 80, 40, 4, 4, 0); // hole in the second particle
  for (itk::IndexValueType y = 36; y <= 44; ++y)
  {
    for (itk::IndexValueType x = 76; x <= 84; ++x)
    {
      if (std::hypot(x - 80, y - 40) <= 4)
      {
        mask->SetPixel({ { x, y } }, 0);
      }
    }
  }
  auto filter = Filter::New();
  filter->SetInput(mask);
  filter->Update();
  const auto & field = filter->GetFieldMeasurements();
  ASSERT_EQ(field.ParticleCount, 2u);

  const auto outlines = OutputPath("outlines.vtp");
  scopsam::WriteParticleOutlinesVTP(filter->GetOutput(), field, outlines);
  auto reader = vtkSmartPointer<vtkXMLPolyDataReader>::New();
  reader->SetFileName(outlines.c_str());
  reader->Update();
  vtkPolyData * polyData = reader->GetOutput();
  ASSERT_EQ(polyData->GetNumberOfLines(), 3); // two outer outlines and one hole
  auto *        labels = polyData->GetCellData()->GetArray("Label");
  auto *        holes = polyData->GetCellData()->GetArray("IsHole");
  auto *        diameters = polyData->GetCellData()->GetArray("EquivalentDiameter");
  std::set<int> distinct;
  int           holeCount = 0;
  for (vtkIdType c = 0; c < polyData->GetNumberOfLines(); ++c)
  {
    distinct.insert(static_cast<int>(labels->GetTuple1(c)));
    holeCount += static_cast<int>(holes->GetTuple1(c));
    EXPECT_DOUBLE_EQ(diameters->GetTuple1(c), field.Particles[static_cast<int>(labels->GetTuple1(c)) - 1].EquivalentDiameter);
  }
  EXPECT_EQ(distinct.size(), field.ParticleCount);
  EXPECT_EQ(holeCount, 1);
  // Points are physical: inside the image's physical extent.
  double bounds[6];
  polyData->GetBounds(bounds);
  EXPECT_GE(bounds[0], 10.0);
  EXPECT_LE(bounds[1], 10.0 + 119 * 0.5);
  EXPECT_NEAR(bounds[2], 20.0 + (40 - 12) * 0.5, 0.5 + 1e-9);

  const auto image = OutputPath("mask.vti");
  scopsam::WriteImageVTI(mask.GetPointer(), "mask", image);
  auto imageReader = vtkSmartPointer<vtkXMLImageDataReader>::New();
  imageReader->SetFileName(image.c_str());
  imageReader->Update();
  int dimensions[3];
  imageReader->GetOutput()->GetDimensions(dimensions);
  EXPECT_EQ(dimensions[0], 120);
  EXPECT_EQ(dimensions[1], 80);
  EXPECT_DOUBLE_EQ(imageReader->GetOutput()->GetSpacing()[0], 0.5);
  EXPECT_DOUBLE_EQ(imageReader->GetOutput()->GetOrigin()[1], 20.0);
  auto * values = imageReader->GetOutput()->GetPointData()->GetArray("mask");
  ASSERT_NE(values, nullptr);
  EXPECT_EQ(values->GetTuple1(40 * 120 + 30), 255.0);
}

TEST(PhaseQuantification, SizeDistributionPlotsHaveAxesAndEveryParticle)
{
  auto mask = Blank(200, 100, 0.5);
  for (int i = 0; i < 6; ++i)
  {
    DrawEllipse(mask, 20 + 30 * i, 50, 2 + 2 * i, 2 + 2 * i, 0);
  }
  const auto field = Measure(mask);
  ASSERT_EQ(field.ParticleCount, 6u);
  const auto histogram = scopsam::SizeDistributionSVG({ field }, scopsam::SizePlot::Histogram);
  EXPECT_EQ(histogram.rfind("<svg", 0), 0u);
  EXPECT_NE(histogram.find("Equivalent circular diameter (\u00b5m)"), std::string::npos);
  EXPECT_NE(histogram.find("(n = 6)"), std::string::npos);
  EXPECT_NE(histogram.find(">Particles<"), std::string::npos);
  const auto cumulative = scopsam::SizeDistributionSVG({ field }, scopsam::SizePlot::Cumulative);
  EXPECT_NE(cumulative.find("<polyline"), std::string::npos);
  EXPECT_NE(cumulative.find(">100<"), std::string::npos);
  EXPECT_NE(scopsam::SizeDistributionSVG({}, scopsam::SizePlot::Histogram).find("no particles"), std::string::npos);
}

TEST(PhaseQuantification, OverlayOutlinesSitOnMaskBoundaries)
{
  scopsam::SyntheticParameters parameters;
  parameters.Width = 160;
  parameters.Height = 120;
  parameters.Seed = 3;
  const auto micrograph = scopsam::GenerateSyntheticMicrograph(parameters);
  cv::Mat    normalized;
  micrograph.Image.convertTo(normalized, CV_32F, 1.0 / 255.0);
  const cv::Mat overlay = scopsam::PhaseOverlay(normalized, micrograph.Mask);
  ASSERT_EQ(overlay.size(), micrograph.Mask.size());
  ASSERT_EQ(overlay.type(), CV_8UC3);
  cv::Mat inner;
  cv::erode(micrograph.Mask, inner, cv::getStructuringElement(cv::MORPH_CROSS, cv::Size(3, 3)), cv::Point(-1, -1), 1,
            cv::BORDER_REPLICATE);
  int outline = 0;
  for (int y = 0; y < overlay.rows; ++y)
  {
    for (int x = 0; x < overlay.cols; ++x)
    {
      const bool boundary = micrograph.Mask.at<unsigned char>(y, x) && !inner.at<unsigned char>(y, x);
      const bool drawn = overlay.at<cv::Vec3b>(y, x) == cv::Vec3b(255, 40, 200);
      EXPECT_EQ(drawn, boundary) << "at " << x << "," << y;
      outline += drawn;
      if (!micrograph.Mask.at<unsigned char>(y, x)) // outside the phase the micrograph is shown unchanged, in gray
      {
        const auto & p = overlay.at<cv::Vec3b>(y, x);
        ASSERT_TRUE(p[0] == p[1] && p[1] == p[2]);
      }
    }
  }
  EXPECT_GT(outline, 0);
}

TEST(PhaseQuantification, LabelTypeTooNarrowIsAnError)
{
  // 600 separate one-pixel particles (4-connectivity) cannot be numbered in unsigned char labels.
  auto mask = Blank(60, 40);
  for (itk::IndexValueType y = 0; y < 40; y += 2)
  {
    for (itk::IndexValueType x = 0; x < 60; x += 2)
    {
      mask->SetPixel({ { x, y } }, 1);
    }
  }
  auto filter = itk::PhaseQuantificationImageFilter<MaskImage, FeatureImage, itk::Image<unsigned char, 2>>::New();
  filter->SetInput(mask);
  filter->SetMinimumParticlePixels(1);
  filter->FullyConnectedOff();
  EXPECT_THROW(filter->Update(), itk::ExceptionObject);
  auto wide = Filter::New();
  wide->SetInput(mask);
  wide->SetMinimumParticlePixels(1);
  wide->FullyConnectedOff();
  wide->Update();
  EXPECT_EQ(wide->GetNumberOfParticles(), 600u);
}

// Touching discs of a known count: pairs and chains joined at necks are one component each, and the watershed of
// the distance map counts every disc; a lone ellipse and a needle (one distance maximum each) stay whole; every
// pixel stays phase, so the area fraction does not move.
TEST(PhaseQuantification, SeparationCountsTouchingDiscsAndLeavesSingleParticlesWhole)
{
  auto mask = Blank(400, 300);
  int  discs = 0;
  for (int pair = 0; pair < 4; ++pair) // four pairs, centres 17 px apart (radius 10: a neck of about 10 px)
  {
    DrawEllipse(mask, 30 + 90 * pair, 30, 10, 10, 0);
    DrawEllipse(mask, 47 + 90 * pair, 30, 10, 10, 0);
    discs += 2;
  }
  for (int chain = 0; chain < 2; ++chain) // two chains of three, radius 12, centres 21 px apart
  {
    for (int k = 0; k < 3; ++k)
    {
      DrawEllipse(mask, 40 + 150 * chain + 21 * k, 100, 12, 12, 0);
      ++discs;
    }
  }
  for (int k = 0; k < 3; ++k) // three lone discs
  {
    DrawEllipse(mask, 60 + 120 * k, 170, 8, 8, 0);
    ++discs;
  }
  DrawEllipse(mask, 100, 240, 30, 9, 20);   // an ellipse
  DrawEllipse(mask, 280, 240, 70, 2.5, -10); // a needle
  const auto joined = Measure(mask);
  EXPECT_EQ(joined.ParticleCount, 4u + 2u + 3u + 2u);
  const auto separated = Measure(mask, [](Filter * f) { f->SetSeparateTouchingParticles(true); });
  EXPECT_EQ(separated.ParticleCount, static_cast<std::size_t>(discs) + 2u);
  EXPECT_DOUBLE_EQ(separated.AreaFraction, joined.AreaFraction);
  EXPECT_EQ(separated.RemovedSpecks, 0u);
  // The two halves of a pair are discs of about pi r^2 each, not one particle of twice that.
  const auto & half = ParticleAt(separated, 30, 30);
  EXPECT_NEAR(half.Area, Pi * 100, 0.15 * Pi * 100);
  EXPECT_NEAR(ParticleAt(separated, 280, 240).AspectRatio, ParticleAt(joined, 280, 240).AspectRatio, 1e-9)
    << "the needle is not cut";
  // A deeper threshold than the necks leaves the pairs joined.
  const auto deep = Measure(mask, [](Filter * f) {
    f->SetSeparateTouchingParticles(true);
    f->SetSeparationDepth(20.0);
  });
  EXPECT_EQ(deep.ParticleCount, joined.ParticleCount);
}
