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
#ifndef scopsamPhaseMeasurements_h
#define scopsamPhaseMeasurements_h

#include "SCoPSAMQuantificationExport.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

/** \file scopsamPhaseMeasurements.h
 * \brief What a metallographer reports about a phase: per particle, per field and over the fields of a sample.
 *
 * Lengths are in the unit of the image spacing the measurement was made with (`FieldMeasurements::Unit`), areas in
 * that unit squared. The geometry helpers here are plain C++ so that they can be tested on exact shapes.
 * \ingroup SCoPSAMQuantification
 */
namespace scopsam
{

/** The largest pixel size (spacing) a quantification takes, in the image's unit (micrometres from --pixel-size,
 * millimetres from a file's spacing): a metre per pixel. Any larger value is a mistake, and areas stay finite for
 * any image (1e12 per pixel). itk::PhaseQuantificationImageFilter refuses a spacing outside (0, MaximumPixelSize];
 * the front ends give this range. */
constexpr double MaximumPixelSize = 1e6;

/** One particle (one connected component of the phase). */
struct ParticleMeasurement
{
  std::uint32_t Label{ 0 };          // value of the particle in the label image the filter writes
  std::size_t   Pixels{ 0 };
  double        CentroidX{ 0 };      // physical position (image origin and spacing applied)
  double        CentroidY{ 0 };
  double        Area{ 0 };
  double        EquivalentDiameter{ 0 }; // diameter of the disc of the same area
  double        Perimeter{ 0 };          // ITK's estimate from line intersections (ShapeLabelObject)
  double        FeretMaximum{ 0 };       // largest caliper width, on the pixels' corners
  double        FeretMinimum{ 0 };       // smallest caliper width
  double        AspectRatio{ 0 };        // FeretMaximum / FeretMinimum
  double        Circularity{ 0 };        // 4 pi Area / Perimeter^2, at most 1
  double        Orientation{ 0 };        // major axis, degrees counter-clockwise from the x axis as seen on screen, (-90, 90]
  double        MeanIntensity{ std::numeric_limits<double>::quiet_NaN() }; // of the micrograph, when one was given
  double        NearestNeighbourDistance{ std::numeric_limits<double>::quiet_NaN() }; // centroid to nearest centroid
  bool          TouchesBorder{ false };  // touches the image edge or an excluded region: truncated, sizes are lower bounds
};

/** One field of view (one image). */
struct FieldMeasurements
{
  std::string Name;
  std::string Unit{ "px" };          // length unit of every figure
  double      FieldArea{ 0 };        // the image minus the excluded regions
  double      PhaseArea{ 0 };        // phase inside the field, specks removed
  double      AreaFraction{ 0 };     // PhaseArea / FieldArea (A_A = V_V)
  std::size_t ParticleCount{ 0 };    // particles reported (border particles included unless excluded)
  std::size_t BorderParticleCount{ 0 };  // of those, particles touching the border or an excluded region
  std::size_t ExcludedBorderParticles{ 0 }; // border particles left out of the list (ExcludeBorderParticles)
  std::size_t RemovedSpecks{ 0 };    // components smaller than the minimum particle size, removed from every figure
  double      NumberDensity{ 0 };    // particles per unit area (per Unit^2)
  double      InterceptsPerLength{ 0 }; // N_L: phase intercepts per unit length of the rows and columns of the field
  double      MeanFreePath{ std::numeric_limits<double>::quiet_NaN() }; // (1 - A_A) / N_L, ASTM E1245
  std::vector<ParticleMeasurement> Particles;
  /** Set by who made the mask (segment --stats): the signals checked on it, by name, and the warnings they raised. */
  std::vector<std::pair<std::string, double>> Checks;
  std::vector<std::string>                    Warnings;
};

/** Mean, standard deviation, 95 % confidence interval half-width (Student t, n - 1 degrees of freedom) and
 * relative accuracy (100 * CI / mean, in per cent), as ASTM E562 and E1245 report them. With one value the
 * deviation, interval and accuracy are NaN; with none everything is NaN and Count is 0. NaN values are skipped. */
struct SampleStatistics
{
  std::size_t Count{ 0 };
  double      Mean{ std::numeric_limits<double>::quiet_NaN() };
  double      StandardDeviation{ std::numeric_limits<double>::quiet_NaN() };
  double      ConfidenceInterval95{ std::numeric_limits<double>::quiet_NaN() };
  double      RelativeAccuracyPercent{ std::numeric_limits<double>::quiet_NaN() };
  double      Minimum{ std::numeric_limits<double>::quiet_NaN() };
  double      Maximum{ std::numeric_limits<double>::quiet_NaN() };
};
SCoPSAMQuantification_EXPORT SampleStatistics
Describe(const std::vector<double> & values);

/** Two-sided 95 % quantile of Student's t distribution with `degreesOfFreedom` (>= 1). */
SCoPSAMQuantification_EXPORT double
StudentT95(std::size_t degreesOfFreedom);

/** The largest and smallest caliper widths of a point set (rotating calipers over its convex hull). */
struct FeretDiameters
{
  double Maximum{ 0 };
  double Minimum{ 0 };
};
SCoPSAMQuantification_EXPORT FeretDiameters
ComputeFeretDiameters(const std::vector<std::array<double, 2>> & points);

/** For every point, the distance to the nearest other point (NaN when there is no other). */
SCoPSAMQuantification_EXPORT std::vector<double>
NearestNeighbourDistances(const std::vector<std::array<double, 2>> & points);

/** How the figures were obtained, written into every report. */
struct QuantificationSettings
{
  std::size_t MinimumParticlePixels{ 4 };
  bool        ExcludeBorderParticles{ false };
  bool        FullyConnected{ true };
  bool        SeparateTouchingParticles{ false };
  std::string PixelSizeSource{ "none: figures in pixels" };
};

/** The JSON report: the settings, each field (area fraction, counts, density per mm^2 when the unit is a length,
 * nearest-neighbour distance, mean free path, statistics of every particle measurement) and, over the fields, the
 * statistics of the per-field figures (ASTM E1245 style: mean, SD, 95 % CI, % RA). */
SCoPSAMQuantification_EXPORT std::string
MeasurementsToJSON(const std::vector<FieldMeasurements> & fields, const QuantificationSettings & settings);

/** How MeasurementsToTable() lays out its table. */
enum class TableFormat
{
  Text,     // for the terminal: aligned columns, the summary as sentences
  Markdown, // to paste into a report
  CSV       // one row per field, then the rows "mean", "sd", "95% CI" and "relative accuracy %" over fields
};

/** The per-field and per-sample table a metallographer reports (ASTM E1245 / E562 style): per field the area
 * fraction (%), particle count, number density, mean and SD of the equivalent diameter, mean maximum Feret diameter,
 * mean nearest-neighbour distance and mean free path; over fields the mean, the 95 % confidence interval
 * (Student's t) and the relative accuracy of each; the calibration and each field's warnings below. */
SCoPSAMQuantification_EXPORT std::string
MeasurementsToTable(const std::vector<FieldMeasurements> & fields, const QuantificationSettings & settings,
                    TableFormat format);

/** One CSV row per particle of every field, with a header naming the unit of each column. */
SCoPSAMQuantification_EXPORT std::string
ParticlesToCSV(const std::vector<FieldMeasurements> & fields);

/** Millimetres per `unit` ("um" 1e-3, "nm" 1e-6, "mm" 1); 0 when the unit is not a length ("px"). */
SCoPSAMQuantification_EXPORT double
MillimetresPerUnit(const std::string & unit);

} // namespace scopsam

#endif
