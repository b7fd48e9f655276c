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
#ifndef scopsamPriorParameters_h
#define scopsamPriorParameters_h

#include <array>
#include <cstddef>
#include <sstream>
#include <stdexcept>
#include <string>

/** \file scopsamPriorParameters.h
 * \brief The one home of the prior parameters: each one's default and admissible range, and the phase polarity.
 *
 * itk::GradientPriorFilter and itk::GrayscalePriorFilter take their defaults from here and reject a value outside
 * its range; the kernels' parameter structures, the model configuration (scopsam::ModelConfig), the `scopsam priors`
 * options, the 3D Slicer module descriptions and the Python package read the same entries. Header-only and free of
 * ITK types, so that the model library, which does not link ITK, reads it too.
 *
 * Ranges are closed, [Minimum, Maximum], so that a front end (a Slicer constraint, a command-line check) can state
 * them exactly. Sizes are in pixels.
 * \ingroup SCoPSAMPriors
 */
namespace scopsam
{

/** The closed range [Minimum, Maximum] of a prior parameter. */
struct PriorParameterRange
{
  double       Minimum;
  double       Maximum;
  const char * Unit; // "pixels", or "" for normalised gray levels and ratios

  /** Whether `value` is admissible (never for NaN). */
  constexpr bool
  Contains(double value) const
  {
    return value >= Minimum && value <= Maximum;
  }

  /** "in [0.5, 32] pixels": what an error message says the value must be. */
  std::string
  Requirement() const
  {
    std::ostringstream text;
    text << "in [" << Minimum << ", " << Maximum << "]" << (Unit[0] != '\0' ? " " : "") << Unit;
    return text.str();
  }
};

/** A number one of the prior filters takes: the filter's name for it (Set<Name>), its default and its range. */
struct PriorParameter
{
  const char *        Name;
  double              Default;
  PriorParameterRange Range;
};

namespace PriorParameters
{

/** itk::GradientPriorFilter: the Gaussian scales of the gradient magnitude, 1 to MaximumNumberOfScales of them. */
inline constexpr std::array<double, 3>  DefaultScales{ { 1.0, 2.0, 4.0 } };
inline constexpr std::size_t            MaximumNumberOfScales = 8;
inline constexpr PriorParameterRange    ScaleRange{ 0.5, 32.0, "pixels" };
/** itk::GradientPriorFilter: the structure tensor's integration scale. */
inline constexpr PriorParameter IntegrationScale{ "IntegrationScale", 2.0, { 0.5, 32.0, "pixels" } };
/** itk::GradientPriorFilter: the gradient magnitude (normalised gray levels per pixel) mapped to 1 - 1/e. */
inline constexpr PriorParameter MagnitudeScale{ "MagnitudeScale", 0.05, { 0.001, 10.0, "" } };

/** itk::GrayscalePriorFilter: half-width of the local window (an integer). */
inline constexpr PriorParameter WindowRadius{ "WindowRadius", 15, { 1, 512, "pixels" } };
/** itk::GrayscalePriorFilter: added to the local standard deviation (normalised gray levels). */
inline constexpr PriorParameter Epsilon{ "Epsilon", 0.02, { 0.0001, 1.0, "" } };
/** itk::GrayscalePriorFilter: the local contrast (in local standard deviations) mapped to 1 - 1/e. */
inline constexpr PriorParameter ContrastScale{ "ContrastScale", 2.0, { 0.01, 100.0, "" } };
/** itk::GrayscalePriorFilter: the departure from the matrix mode (normalised gray levels) mapped to 1 - 1/e. */
inline constexpr PriorParameter GlobalScale{ "GlobalScale", 0.1, { 0.001, 10.0, "" } };

/** The numbers of each filter, in the order the filters list them. */
inline constexpr std::array<PriorParameter, 2> Gradient{ { IntegrationScale, MagnitudeScale } };
inline constexpr std::array<PriorParameter, 4> Grayscale{ { WindowRadius, Epsilon, ContrastScale, GlobalScale } };

} // namespace PriorParameters

/** Which departure from its surroundings the grayscale prior reports: a phase brighter than the matrix, darker, or
 * either. The one polarity type of the priors, the model configuration and the front ends. */
enum class Polarity : int
{
  Bright = 0,
  Dark = 1,
  Both = 2
};

namespace PriorParameters
{
inline constexpr Polarity DefaultPolarity = Polarity::Both;
/** The polarities' names, indexed by the enumeration's value: what a user types, what a model file stores. */
inline constexpr std::array<const char *, 3> PolarityNames{ { "bright", "dark", "both" } };
} // namespace PriorParameters

/** The name of a polarity ("bright", "dark", "both"); std::invalid_argument for a value outside the enumeration. */
inline std::string
PolarityName(Polarity polarity)
{
  const auto index = static_cast<int>(polarity);
  if (index < 0 || index >= static_cast<int>(PriorParameters::PolarityNames.size()))
  {
    throw std::invalid_argument("a polarity is Bright, Dark or Both, got the value " + std::to_string(index));
  }
  return PriorParameters::PolarityNames[static_cast<std::size_t>(index)];
}

/** The one parser of polarity names: "bright", "dark" or "both"; anything else is std::invalid_argument. */
inline Polarity
ParsePolarity(const std::string & name)
{
  for (std::size_t i = 0; i < PriorParameters::PolarityNames.size(); ++i)
  {
    if (name == PriorParameters::PolarityNames[i])
    {
      return static_cast<Polarity>(i);
    }
  }
  throw std::invalid_argument("unknown polarity '" + name + "' (bright, dark or both)");
}

} // namespace scopsam

#endif
