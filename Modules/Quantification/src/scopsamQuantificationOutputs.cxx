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
#include "scopsamQuantificationOutputs.h"

#include "scopsamErrors.h"
#include "scopsamImageIO.h"

#include <opencv2/imgproc.hpp>
#include <vtkCellArray.h>
#include <vtkCellData.h>
#include <vtkDoubleArray.h>
#include <vtkFieldData.h>
#include <vtkFloatArray.h>
#include <vtkImageData.h>
#include <vtkIntArray.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkSmartPointer.h>
#include <vtkStringArray.h>
#include <vtkUnsignedCharArray.h>
#include <vtkXMLImageDataWriter.h>
#include <vtkXMLPolyDataWriter.h>

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <map>
#include <sstream>

namespace scopsam
{
namespace
{

/** The smallest of 1, 2, 2.5, 5 (times a power of ten) that is at least `x`. */
double
NiceCeiling(double x)
{
  if (!(x > 0))
  {
    return 1.0;
  }
  const double magnitude = std::pow(10.0, std::floor(std::log10(x)));
  for (const double f : { 1.0, 2.0, 2.5, 5.0, 10.0 })
  {
    if (f * magnitude >= x * (1 - 1e-12))
    {
      return f * magnitude;
    }
  }
  return 10.0 * magnitude;
}

std::string
UnitLabel(const std::string & unit)
{
  return unit == "um" ? "\u00b5m" : unit;
}

std::string
Number(double value)
{
  std::ostringstream text;
  text << std::setprecision(4) << value;
  return text.str();
}

/** Plot frame: maps data to SVG coordinates and draws axes with ticks and labels. */
class SVGPlot
{
public:
  SVGPlot(double xMax, double xStep, double yMax, double yStep)
    : m_XMax(xMax)
    , m_XStep(xStep)
    , m_YMax(yMax)
    , m_YStep(yStep)
  {}

  double
  X(double x) const
  {
    return Left + (Width - Left - Right) * x / m_XMax;
  }
  double
  Y(double y) const
  {
    return Height - Bottom - (Height - Top - Bottom) * y / m_YMax;
  }

  std::string
  Frame(const std::string & title, const std::string & xLabel, const std::string & yLabel) const
  {
    std::ostringstream svg;
    svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << Width << "\" height=\"" << Height
        << "\" viewBox=\"0 0 " << Width << ' ' << Height << "\" font-family=\"sans-serif\" font-size=\"13\">\n"
        << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        << "<text x=\"" << Width / 2 << "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">" << title << "</text>\n";
    for (double x = 0; x <= m_XMax + 1e-9 * m_XMax; x += m_XStep)
    {
      svg << "<line x1=\"" << X(x) << "\" y1=\"" << Y(0) << "\" x2=\"" << X(x) << "\" y2=\"" << Y(0) + 5
          << "\" stroke=\"black\"/><text x=\"" << X(x) << "\" y=\"" << Y(0) + 20 << "\" text-anchor=\"middle\">"
          << Number(x) << "</text>\n";
    }
    for (double y = 0; y <= m_YMax + 1e-9 * m_YMax; y += m_YStep)
    {
      svg << "<line x1=\"" << X(0) - 5 << "\" y1=\"" << Y(y) << "\" x2=\"" << X(m_XMax) << "\" y2=\"" << Y(y)
          << "\" stroke=\"" << (y == 0 ? "black" : "#dddddd") << "\"/><text x=\"" << X(0) - 8 << "\" y=\"" << Y(y) + 4
          << "\" text-anchor=\"end\">" << Number(y) << "</text>\n";
    }
    svg << "<line x1=\"" << X(0) << "\" y1=\"" << Y(0) << "\" x2=\"" << X(0) << "\" y2=\"" << Y(m_YMax)
        << "\" stroke=\"black\"/>\n"
        << "<text x=\"" << (X(0) + X(m_XMax)) / 2 << "\" y=\"" << Height - 15 << "\" text-anchor=\"middle\">" << xLabel
        << "</text>\n"
        << "<text transform=\"translate(18," << (Y(0) + Y(m_YMax)) / 2 << ") rotate(-90)\" text-anchor=\"middle\">"
        << yLabel << "</text>\n";
    return svg.str();
  }

  static constexpr double Width = 640, Height = 420, Left = 70, Right = 25, Top = 40, Bottom = 60;

private:
  double m_XMax, m_XStep, m_YMax, m_YStep;
};

template <typename TPixel, typename TArray>
void
WriteImageVTIImpl(const itk::Image<TPixel, 2> * image, const std::string & name, const std::string & path)
{
  const auto size = image->GetLargestPossibleRegion().GetSize();
  if (image->GetBufferedRegion() != image->GetLargestPossibleRegion())
  {
    throw InputError("an image written as .vti must be buffered whole");
  }
  auto data = vtkSmartPointer<vtkImageData>::New();
  data->SetDimensions(static_cast<int>(size[0]), static_cast<int>(size[1]), 1);
  data->SetSpacing(image->GetSpacing()[0], image->GetSpacing()[1], 1.0);
  data->SetOrigin(image->GetOrigin()[0], image->GetOrigin()[1], 0.0);
  auto values = vtkSmartPointer<TArray>::New();
  values->SetName(name.c_str());
  values->SetNumberOfComponents(1);
  values->SetNumberOfTuples(static_cast<vtkIdType>(size[0] * size[1]));
  std::copy(image->GetBufferPointer(), image->GetBufferPointer() + size[0] * size[1], values->GetPointer(0));
  data->GetPointData()->SetScalars(values);
  WriteAtomically(path, [&](const std::string & temporary) {
    auto writer = vtkSmartPointer<vtkXMLImageDataWriter>::New();
    writer->SetFileName(temporary.c_str());
    writer->SetInputData(data);
    writer->SetDataModeToAppended();
    writer->SetCompressorTypeToZLib();
    if (writer->Write() != 1)
    {
      throw std::runtime_error("VTK could not write " + path);
    }
  });
}

} // namespace

std::string
SizeDistributionSVG(const std::vector<FieldMeasurements> & fields, SizePlot plot)
{
  std::vector<double> diameters;
  std::string         unit = fields.empty() ? "px" : fields.front().Unit;
  for (const auto & field : fields)
  {
    for (const auto & particle : field.Particles)
    {
      diameters.push_back(particle.EquivalentDiameter);
    }
  }
  std::sort(diameters.begin(), diameters.end());
  const std::size_t n = diameters.size();
  const double      largest = n ? diameters.back() : 1.0;
  const double      target = std::clamp(std::round(std::sqrt(static_cast<double>(n))), 5.0, 30.0);
  const double      binWidth = NiceCeiling(largest / target);
  const auto        bins = std::max<std::size_t>(1, static_cast<std::size_t>(std::floor(largest / binWidth)) + 1);
  const double      xMax = binWidth * static_cast<double>(bins);
  const double      xStep = NiceCeiling(xMax / 8.0);
  const std::string xLabel = "Equivalent circular diameter (" + UnitLabel(unit) + ")";
  const std::string title = std::string(plot == SizePlot::Histogram ? "Particle size distribution"
                                                                    : "Cumulative particle size distribution") +
                            " (n = " + std::to_string(n) + ")";
  std::ostringstream svg;
  if (plot == SizePlot::Histogram)
  {
    std::vector<std::size_t> counts(bins, 0);
    for (const double d : diameters)
    {
      ++counts[std::min(bins - 1, static_cast<std::size_t>(std::floor(d / binWidth)))];
    }
    const double  highest = static_cast<double>(n ? *std::max_element(counts.begin(), counts.end()) : 1);
    const double  yStep = std::max(1.0, NiceCeiling(highest / 5.0));
    const SVGPlot frame(xMax, xStep, yStep * std::ceil(highest / yStep), yStep);
    svg << frame.Frame(title, xLabel, "Particles");
    for (std::size_t b = 0; b < bins; ++b)
    {
      const double x0 = frame.X(binWidth * static_cast<double>(b)), x1 = frame.X(binWidth * static_cast<double>(b + 1));
      const double y = frame.Y(static_cast<double>(counts[b]));
      svg << "<rect x=\"" << x0 << "\" y=\"" << y << "\" width=\"" << x1 - x0 << "\" height=\"" << frame.Y(0) - y
          << "\" fill=\"#e0a000\" stroke=\"#7a5700\"/>\n";
    }
  }
  else
  {
    const SVGPlot frame(xMax, xStep, 100.0, 20.0);
    svg << frame.Frame(title, xLabel, "Particles at or below (%)");
    svg << "<polyline fill=\"none\" stroke=\"#c02080\" stroke-width=\"2\" points=\"" << frame.X(0) << ',' << frame.Y(0);
    for (std::size_t i = 0; i < n; ++i)
    {
      const double previous = 100.0 * static_cast<double>(i) / static_cast<double>(n);
      const double current = 100.0 * static_cast<double>(i + 1) / static_cast<double>(n);
      svg << ' ' << frame.X(diameters[i]) << ',' << frame.Y(previous) << ' ' << frame.X(diameters[i]) << ','
          << frame.Y(current);
    }
    svg << ' ' << frame.X(xMax) << ',' << frame.Y(n ? 100.0 : 0.0) << "\"/>\n";
  }
  if (n == 0)
  {
    svg << "<text x=\"" << SVGPlot::Width / 2 << "\" y=\"" << SVGPlot::Height / 2
        << "\" text-anchor=\"middle\" font-size=\"16\">no particles</text>\n";
  }
  svg << "</svg>\n";
  return svg.str();
}

void
WriteParticleOutlinesVTP(const itk::Image<unsigned int, 2> * labels, const FieldMeasurements & field,
                         const std::string & path)
{
  const auto size = labels->GetLargestPossibleRegion().GetSize();
  // Bounding box of every label, so that each outline is traced on a small crop.
  std::vector<cv::Rect> boxes(field.Particles.size());
  const auto *          buffer = labels->GetBufferPointer();
  for (std::size_t y = 0; y < size[1]; ++y)
  {
    for (std::size_t x = 0; x < size[0]; ++x)
    {
      const unsigned int label = buffer[y * size[0] + x];
      if (label == 0)
      {
        continue;
      }
      if (label > boxes.size())
      {
        throw InputError("the label image does not belong to these measurements (label " + std::to_string(label) + ")");
      }
      auto & box = boxes[label - 1];
      box = box.area() == 0 ? cv::Rect(static_cast<int>(x), static_cast<int>(y), 1, 1)
                            : (box | cv::Rect(static_cast<int>(x), static_cast<int>(y), 1, 1));
    }
  }

  auto points = vtkSmartPointer<vtkPoints>::New();
  auto lines = vtkSmartPointer<vtkCellArray>::New();
  std::map<std::string, vtkSmartPointer<vtkDoubleArray>> columns;
  for (const char * name : { "Area", "EquivalentDiameter", "Perimeter", "FeretMaximum", "FeretMinimum", "AspectRatio",
                             "Circularity", "Orientation", "MeanIntensity", "NearestNeighbourDistance" })
  {
    columns[name] = vtkSmartPointer<vtkDoubleArray>::New();
    columns[name]->SetName(name);
  }
  auto label = vtkSmartPointer<vtkIntArray>::New();
  label->SetName("Label");
  auto touches = vtkSmartPointer<vtkIntArray>::New();
  touches->SetName("TouchesBorder");
  auto hole = vtkSmartPointer<vtkIntArray>::New();
  hole->SetName("IsHole");

  const cv::Mat all(static_cast<int>(size[1]), static_cast<int>(size[0]), CV_32S,
                    const_cast<unsigned int *>(buffer)); // labels fit in int for any image OpenCV can hold
  for (std::size_t i = 0; i < field.Particles.size(); ++i)
  {
    const auto & particle = field.Particles[i];
    if (boxes[i].area() == 0)
    {
      continue;
    }
    const cv::Rect padded(boxes[i].x - 1, boxes[i].y - 1, boxes[i].width + 2, boxes[i].height + 2);
    cv::Mat        crop = cv::Mat::zeros(padded.size(), CV_8U);
    const cv::Rect inside = padded & cv::Rect(0, 0, all.cols, all.rows);
    cv::Mat        region = all(inside) == static_cast<int>(particle.Label);
    region.copyTo(crop(cv::Rect(inside.x - padded.x, inside.y - padded.y, inside.width, inside.height)));
    std::vector<std::vector<cv::Point>> contours;
    std::vector<cv::Vec4i>              hierarchy;
    cv::findContours(crop, contours, hierarchy, cv::RETR_CCOMP, cv::CHAIN_APPROX_SIMPLE);
    for (std::size_t c = 0; c < contours.size(); ++c)
    {
      const auto & contour = contours[c];
      lines->InsertNextCell(static_cast<vtkIdType>(contour.size() + 1));
      for (std::size_t k = 0; k <= contour.size(); ++k)
      {
        const auto &                     p = contour[k % contour.size()]; // closed: back to the first point
        itk::Image<unsigned int, 2>::IndexType index{ { p.x + padded.x, p.y + padded.y } };
        itk::Image<unsigned int, 2>::PointType physical;
        labels->TransformIndexToPhysicalPoint(index, physical);
        lines->InsertCellPoint(points->InsertNextPoint(physical[0], physical[1], 0.0));
      }
      label->InsertNextValue(static_cast<int>(particle.Label));
      touches->InsertNextValue(particle.TouchesBorder ? 1 : 0);
      hole->InsertNextValue(hierarchy[c][3] >= 0 ? 1 : 0);
      columns["Area"]->InsertNextValue(particle.Area);
      columns["EquivalentDiameter"]->InsertNextValue(particle.EquivalentDiameter);
      columns["Perimeter"]->InsertNextValue(particle.Perimeter);
      columns["FeretMaximum"]->InsertNextValue(particle.FeretMaximum);
      columns["FeretMinimum"]->InsertNextValue(particle.FeretMinimum);
      columns["AspectRatio"]->InsertNextValue(particle.AspectRatio);
      columns["Circularity"]->InsertNextValue(particle.Circularity);
      columns["Orientation"]->InsertNextValue(particle.Orientation);
      columns["MeanIntensity"]->InsertNextValue(particle.MeanIntensity);
      columns["NearestNeighbourDistance"]->InsertNextValue(particle.NearestNeighbourDistance);
    }
  }
  auto outlines = vtkSmartPointer<vtkPolyData>::New();
  outlines->SetPoints(points);
  outlines->SetLines(lines);
  outlines->GetCellData()->AddArray(label);
  outlines->GetCellData()->AddArray(touches);
  outlines->GetCellData()->AddArray(hole);
  for (auto & column : columns)
  {
    outlines->GetCellData()->AddArray(column.second);
  }
  auto unit = vtkSmartPointer<vtkStringArray>::New();
  unit->SetName("LengthUnit");
  unit->InsertNextValue(field.Unit);
  outlines->GetFieldData()->AddArray(unit);
  WriteAtomically(path, [&](const std::string & temporary) {
    auto writer = vtkSmartPointer<vtkXMLPolyDataWriter>::New();
    writer->SetFileName(temporary.c_str());
    writer->SetInputData(outlines);
    if (writer->Write() != 1)
    {
      throw std::runtime_error("VTK could not write " + path);
    }
  });
}

void
WriteImageVTI(const itk::Image<float, 2> * image, const std::string & name, const std::string & path)
{
  WriteImageVTIImpl<float, vtkFloatArray>(image, name, path);
}

void
WriteImageVTI(const itk::Image<unsigned char, 2> * image, const std::string & name, const std::string & path)
{
  WriteImageVTIImpl<unsigned char, vtkUnsignedCharArray>(image, name, path);
}

} // namespace scopsam
