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
#include "scopsamPhaseMeasurements.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

namespace scopsam
{
namespace
{

using Point = std::array<double, 2>;

double
Cross(const Point & o, const Point & a, const Point & b)
{
  return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

/** Convex hull, counter-clockwise, without collinear points (Andrew's monotone chain). */
std::vector<Point>
ConvexHull(std::vector<Point> points)
{
  std::sort(points.begin(), points.end());
  points.erase(std::unique(points.begin(), points.end()), points.end());
  if (points.size() < 3)
  {
    return points;
  }
  std::vector<Point> hull(2 * points.size());
  std::size_t        k = 0;
  for (const auto & p : points) // lower chain
  {
    while (k >= 2 && Cross(hull[k - 2], hull[k - 1], p) <= 0)
    {
      --k;
    }
    hull[k++] = p;
  }
  for (std::size_t i = points.size() - 1, lower = k + 1; i-- > 0;) // upper chain
  {
    while (k >= lower && Cross(hull[k - 2], hull[k - 1], points[i]) <= 0)
    {
      --k;
    }
    hull[k++] = points[i];
  }
  hull.resize(k - 1);
  return hull;
}

nlohmann::json
ToJSON(const SampleStatistics & s)
{
  return { { "n", s.Count },
           { "mean", s.Mean },
           { "sd", s.StandardDeviation },
           { "ci95", s.ConfidenceInterval95 },
           { "relative_accuracy_percent", s.RelativeAccuracyPercent },
           { "min", s.Minimum },
           { "max", s.Maximum } };
}

template <typename TGetter>
SampleStatistics
DescribeParticles(const FieldMeasurements & field, TGetter get)
{
  std::vector<double> values;
  values.reserve(field.Particles.size());
  for (const auto & particle : field.Particles)
  {
    values.push_back(get(particle));
  }
  return Describe(values);
}

/** Number density per mm^2 when the unit is a length, else per unit^2 (pixels). */
double
DensityForReport(const FieldMeasurements & field)
{
  const double mm = MillimetresPerUnit(field.Unit);
  return mm > 0 ? field.NumberDensity / (mm * mm) : field.NumberDensity;
}

} // namespace

double
StudentT95(std::size_t degreesOfFreedom)
{
  static const double table[] = { 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                  2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                                  2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042 };
  if (degreesOfFreedom == 0)
  {
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (degreesOfFreedom <= 30)
  {
    return table[degreesOfFreedom - 1];
  }
  // Beyond 30, linear in 1/df between the tabulated 30, 40, 60, 120 and infinity.
  static const double dfs[] = { 30, 40, 60, 120 };
  static const double ts[] = { 2.042, 2.021, 2.000, 1.980 };
  const double        inverse = 1.0 / static_cast<double>(degreesOfFreedom);
  for (int i = 0; i < 3; ++i)
  {
    if (degreesOfFreedom <= dfs[i + 1])
    {
      const double a = 1.0 / dfs[i], b = 1.0 / dfs[i + 1];
      return ts[i] + (ts[i + 1] - ts[i]) * (a - inverse) / (a - b);
    }
  }
  return 1.960 + (1.980 - 1.960) * inverse * 120.0;
}

SampleStatistics
Describe(const std::vector<double> & values)
{
  SampleStatistics s;
  double           sum = 0;
  for (const double v : values)
  {
    if (std::isnan(v))
    {
      continue;
    }
    sum += v;
    s.Minimum = s.Count == 0 ? v : std::min(s.Minimum, v);
    s.Maximum = s.Count == 0 ? v : std::max(s.Maximum, v);
    ++s.Count;
  }
  if (s.Count == 0)
  {
    return s;
  }
  s.Mean = sum / static_cast<double>(s.Count);
  if (s.Count < 2)
  {
    return s;
  }
  double squares = 0;
  for (const double v : values)
  {
    if (!std::isnan(v))
    {
      squares += (v - s.Mean) * (v - s.Mean);
    }
  }
  s.StandardDeviation = std::sqrt(squares / static_cast<double>(s.Count - 1));
  s.ConfidenceInterval95 = StudentT95(s.Count - 1) * s.StandardDeviation / std::sqrt(static_cast<double>(s.Count));
  s.RelativeAccuracyPercent = s.Mean != 0 ? 100.0 * s.ConfidenceInterval95 / std::abs(s.Mean)
                                          : std::numeric_limits<double>::quiet_NaN();
  return s;
}

FeretDiameters
ComputeFeretDiameters(const std::vector<Point> & points)
{
  const auto     hull = ConvexHull(points);
  FeretDiameters feret;
  for (std::size_t i = 0; i < hull.size(); ++i)
  {
    for (std::size_t j = i + 1; j < hull.size(); ++j)
    {
      feret.Maximum = std::max(feret.Maximum, std::hypot(hull[i][0] - hull[j][0], hull[i][1] - hull[j][1]));
    }
  }
  if (hull.size() < 3)
  {
    return feret; // a segment (or a point) has no width
  }
  // The smallest width of a convex polygon is attained with one caliper flush with an edge.
  feret.Minimum = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < hull.size(); ++i)
  {
    const auto & a = hull[i];
    const auto & b = hull[(i + 1) % hull.size()];
    const double length = std::hypot(b[0] - a[0], b[1] - a[1]);
    double       width = 0;
    for (const auto & p : hull)
    {
      width = std::max(width, std::abs(Cross(a, b, p)) / length);
    }
    feret.Minimum = std::min(feret.Minimum, width);
  }
  return feret;
}

std::vector<double>
NearestNeighbourDistances(const std::vector<Point> & points)
{
  std::vector<std::size_t> order(points.size());
  for (std::size_t i = 0; i < order.size(); ++i)
  {
    order[i] = i;
  }
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return points[a][0] < points[b][0]; });
  std::vector<double> nearest(points.size(), std::numeric_limits<double>::quiet_NaN());
  for (std::size_t k = 0; k < order.size(); ++k)
  {
    const auto & p = points[order[k]];
    double       best = std::numeric_limits<double>::infinity();
    // Walk outwards along x in both directions; stop once the x gap alone exceeds the best distance.
    for (std::size_t j = k + 1; j < order.size() && points[order[j]][0] - p[0] < best; ++j)
    {
      best = std::min(best, std::hypot(points[order[j]][0] - p[0], points[order[j]][1] - p[1]));
    }
    for (std::size_t j = k; j-- > 0 && p[0] - points[order[j]][0] < best;)
    {
      best = std::min(best, std::hypot(points[order[j]][0] - p[0], points[order[j]][1] - p[1]));
    }
    if (std::isfinite(best))
    {
      nearest[order[k]] = best;
    }
  }
  return nearest;
}

double
MillimetresPerUnit(const std::string & unit)
{
  if (unit == "mm")
  {
    return 1.0;
  }
  if (unit == "um")
  {
    return 1e-3;
  }
  if (unit == "nm")
  {
    return 1e-6;
  }
  return 0.0;
}

std::string
MeasurementsToJSON(const std::vector<FieldMeasurements> & fields, const QuantificationSettings & settings)
{
  const std::string unit = fields.empty() ? "px" : fields.front().Unit;
  const bool        calibrated = MillimetresPerUnit(unit) > 0;
  nlohmann::json    report;
  report["units"] = { { "length", unit },
                      { "area", unit + "^2" },
                      { "number_density", calibrated ? "1/mm^2" : "1/" + unit + "^2" },
                      { "orientation", "degrees counter-clockwise from the x axis, on screen" } };
  report["settings"] = { { "pixel_size_source", settings.PixelSizeSource },
                         { "minimum_particle_pixels", settings.MinimumParticlePixels },
                         { "exclude_border_particles", settings.ExcludeBorderParticles },
                         { "separate_touching_particles", settings.SeparateTouchingParticles },
                         { "connectivity", settings.FullyConnected ? 8 : 4 } };
  std::vector<double> areaFraction, density, meanDiameter, nnd, meanFreePath;
  report["fields"] = nlohmann::json::array();
  for (const auto & field : fields)
  {
    const auto diameters = DescribeParticles(field, [](const ParticleMeasurement & p) { return p.EquivalentDiameter; });
    const auto neighbours =
      DescribeParticles(field, [](const ParticleMeasurement & p) { return p.NearestNeighbourDistance; });
    nlohmann::json particles = {
      { "area", ToJSON(DescribeParticles(field, [](const ParticleMeasurement & p) { return p.Area; })) },
      { "equivalent_diameter", ToJSON(diameters) },
      { "perimeter", ToJSON(DescribeParticles(field, [](const ParticleMeasurement & p) { return p.Perimeter; })) },
      { "feret_maximum", ToJSON(DescribeParticles(field, [](const ParticleMeasurement & p) { return p.FeretMaximum; })) },
      { "feret_minimum", ToJSON(DescribeParticles(field, [](const ParticleMeasurement & p) { return p.FeretMinimum; })) },
      { "aspect_ratio", ToJSON(DescribeParticles(field, [](const ParticleMeasurement & p) { return p.AspectRatio; })) },
      { "circularity", ToJSON(DescribeParticles(field, [](const ParticleMeasurement & p) { return p.Circularity; })) },
      { "mean_intensity", ToJSON(DescribeParticles(field, [](const ParticleMeasurement & p) { return p.MeanIntensity; })) },
      { "nearest_neighbour_distance", ToJSON(neighbours) }
    };
    report["fields"].push_back({ { "name", field.Name },
                                 { "field_area", field.FieldArea },
                                 { "phase_area", field.PhaseArea },
                                 { "area_fraction", field.AreaFraction },
                                 { "particle_count", field.ParticleCount },
                                 { "border_particles", field.BorderParticleCount },
                                 { "excluded_border_particles", field.ExcludedBorderParticles },
                                 { "removed_specks", field.RemovedSpecks },
                                 { "number_density", DensityForReport(field) },
                                 { "intercepts_per_length", field.InterceptsPerLength },
                                 { "mean_free_path", field.MeanFreePath },
                                 { "particles", particles } });
    if (!field.Checks.empty() || !field.Warnings.empty())
    {
      nlohmann::json checks = nlohmann::json::object();
      for (const auto & [name, value] : field.Checks)
      {
        checks[name] = std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
      }
      report["fields"].back()["checks"] = checks;
      report["fields"].back()["warnings"] = field.Warnings;
    }
    areaFraction.push_back(field.AreaFraction);
    density.push_back(DensityForReport(field));
    meanDiameter.push_back(diameters.Mean);
    nnd.push_back(neighbours.Mean);
    meanFreePath.push_back(field.MeanFreePath);
  }
  report["over_fields"] = { { "fields", fields.size() },
                            { "area_fraction", ToJSON(Describe(areaFraction)) },
                            { "number_density", ToJSON(Describe(density)) },
                            { "mean_equivalent_diameter", ToJSON(Describe(meanDiameter)) },
                            { "mean_nearest_neighbour_distance", ToJSON(Describe(nnd)) },
                            { "mean_free_path", ToJSON(Describe(meanFreePath)) } };
  return report.dump(2) + "\n";
}

std::string
MeasurementsToTable(const std::vector<FieldMeasurements> & fields, const QuantificationSettings & settings,
                    TableFormat format)
{
  const std::string unit = fields.empty() ? "px" : fields.front().Unit;
  const std::string density = MillimetresPerUnit(unit) > 0 ? "1/mm^2" : "1/" + unit + "^2";
  const std::vector<std::string> header{ "field",
                                         "area fraction (%)",
                                         "particles",
                                         "density (" + density + ")",
                                         "mean ECD (" + unit + ")",
                                         "ECD SD (" + unit + ")",
                                         "mean max Feret (" + unit + ")",
                                         "mean NND (" + unit + ")",
                                         "mean free path (" + unit + ")" };
  const auto number = [](double value, int digits) {
    if (!std::isfinite(value))
    {
      return std::string("-");
    }
    std::ostringstream text;
    // Three significant digits, at most `digits` decimals: 0.0123, 1.23, 123.
    const double magnitude = std::abs(value) > 0 ? std::floor(std::log10(std::abs(value))) : 0.0;
    text << std::fixed << std::setprecision(std::clamp(2 - static_cast<int>(magnitude), 0, digits)) << value;
    return text.str();
  };
  // Per field: the columns' values (NaN where undefined), the first being the area fraction in per cent.
  std::vector<std::vector<double>> values;
  for (const auto & field : fields)
  {
    const auto ecd = DescribeParticles(field, [](const ParticleMeasurement & p) { return p.EquivalentDiameter; });
    values.push_back({ 100.0 * field.AreaFraction, static_cast<double>(field.ParticleCount), DensityForReport(field),
                       ecd.Mean, ecd.StandardDeviation,
                       DescribeParticles(field, [](const ParticleMeasurement & p) { return p.FeretMaximum; }).Mean,
                       DescribeParticles(field, [](const ParticleMeasurement & p) { return p.NearestNeighbourDistance; }).Mean,
                       field.MeanFreePath });
  }
  std::vector<SampleStatistics> overFields;
  for (std::size_t c = 0; c < header.size() - 1; ++c)
  {
    std::vector<double> column;
    for (const auto & row : values)
    {
      column.push_back(row[c]);
    }
    overFields.push_back(Describe(column));
  }

  std::ostringstream out;
  if (format == TableFormat::CSV)
  {
    const auto quoted = [](const std::string & text) {
      return text.find_first_of(",\"\n") == std::string::npos ? text : "\"" + text + "\"";
    };
    for (std::size_t c = 0; c < header.size(); ++c)
    {
      out << (c ? "," : "") << quoted(header[c]);
    }
    out << "\n";
    out << std::setprecision(10);
    for (std::size_t f = 0; f < fields.size(); ++f)
    {
      out << quoted(fields[f].Name);
      for (const double v : values[f])
      {
        out << ",";
        if (std::isfinite(v))
        {
          out << v;
        }
      }
      out << "\n";
    }
    for (const auto & [name, get] : std::vector<std::pair<std::string, double SampleStatistics::*>>{
           { "mean", &SampleStatistics::Mean },
           { "sd", &SampleStatistics::StandardDeviation },
           { "95% CI", &SampleStatistics::ConfidenceInterval95 },
           { "relative accuracy %", &SampleStatistics::RelativeAccuracyPercent } })
    {
      out << quoted(name);
      for (const auto & s : overFields)
      {
        out << ",";
        if (std::isfinite(s.*get))
        {
          out << s.*get;
        }
      }
      out << "\n";
    }
    return out.str();
  }

  out << "Phase quantification: " << fields.size() << (fields.size() == 1 ? " field" : " fields") << ", lengths in "
      << unit << " (calibration: " << settings.PixelSizeSource << ")\n\n";
  std::vector<std::vector<std::string>> cells{ header };
  for (std::size_t f = 0; f < fields.size(); ++f)
  {
    std::vector<std::string> row{ fields[f].Name + (fields[f].Warnings.empty() ? "" : " (!)") };
    for (std::size_t c = 0; c < values[f].size(); ++c)
    {
      row.push_back(c == 1 ? std::to_string(fields[f].ParticleCount) : number(values[f][c], 4));
    }
    cells.push_back(row);
  }
  if (fields.size() > 1)
  {
    std::vector<std::string> mean{ "mean" }, interval{ "95 % CI" }, accuracy{ "relative accuracy" };
    for (const auto & s : overFields)
    {
      mean.push_back(number(s.Mean, 4));
      interval.push_back(std::isfinite(s.ConfidenceInterval95) ? "+- " + number(s.ConfidenceInterval95, 4) : "-");
      accuracy.push_back(std::isfinite(s.RelativeAccuracyPercent) ? number(s.RelativeAccuracyPercent, 1) + " %" : "-");
    }
    cells.insert(cells.end(), { mean, interval, accuracy });
  }
  std::vector<std::size_t> width(header.size(), 0);
  for (const auto & row : cells)
  {
    for (std::size_t c = 0; c < row.size(); ++c)
    {
      width[c] = std::max(width[c], row[c].size());
    }
  }
  for (std::size_t r = 0; r < cells.size(); ++r)
  {
    out << "|";
    for (std::size_t c = 0; c < cells[r].size(); ++c)
    {
      const auto & cell = cells[r][c];
      const auto   pad = format == TableFormat::Text ? width[c] - cell.size() : 0;
      out << " " << (c == 0 ? cell + std::string(pad, ' ') : std::string(pad, ' ') + cell) << " |";
    }
    out << "\n";
    if (r == 0)
    {
      out << "|";
      for (std::size_t c = 0; c < header.size(); ++c)
      {
        const auto dashes = format == TableFormat::Text ? width[c] : 3;
        out << (c == 0 ? " " : " ") << std::string(dashes, '-') << (c == 0 ? " |" : ":|");
      }
      out << "\n";
    }
  }
  if (fields.size() > 1)
  {
    out << "\nOver fields: mean, 95 % confidence interval of the mean (Student's t, " << fields.size() - 1
        << " degrees of freedom) and relative accuracy (ASTM E1245: CI / mean).\n";
  }
  else
  {
    out << "\nOne field: a confidence interval over fields needs at least two fields of the sample.\n";
  }
  for (const auto & field : fields)
  {
    for (const auto & warning : field.Warnings)
    {
      out << "\nWarning (" << field.Name << "): " << warning << "\n";
    }
  }
  return out.str();
}

std::string
ParticlesToCSV(const std::vector<FieldMeasurements> & fields)
{
  const std::string  u = fields.empty() ? "px" : fields.front().Unit;
  std::ostringstream csv;
  csv << std::setprecision(8);
  csv << "field,label,pixels,centroid_x_" << u << ",centroid_y_" << u << ",area_" << u << "2,equivalent_diameter_" << u
      << ",perimeter_" << u << ",feret_max_" << u << ",feret_min_" << u
      << ",aspect_ratio,circularity,orientation_deg,mean_intensity,nearest_neighbour_" << u << ",touches_border\n";
  for (const auto & field : fields)
  {
    for (const auto & p : field.Particles)
    {
      csv << '"' << field.Name << "\"," << p.Label << ',' << p.Pixels << ',' << p.CentroidX << ',' << p.CentroidY << ','
          << p.Area << ',' << p.EquivalentDiameter << ',' << p.Perimeter << ',' << p.FeretMaximum << ','
          << p.FeretMinimum << ',' << p.AspectRatio << ',' << p.Circularity << ',' << p.Orientation << ',';
      if (!std::isnan(p.MeanIntensity))
      {
        csv << p.MeanIntensity;
      }
      csv << ',';
      if (!std::isnan(p.NearestNeighbourDistance))
      {
        csv << p.NearestNeighbourDistance;
      }
      csv << ',' << (p.TouchesBorder ? 1 : 0) << '\n';
    }
  }
  return csv.str();
}

} // namespace scopsam
