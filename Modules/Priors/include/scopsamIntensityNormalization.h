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
#ifndef scopsamIntensityNormalization_h
#define scopsamIntensityNormalization_h

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

/** \file scopsamIntensityNormalization.h
 * \brief The one place where a micrograph's gray levels are mapped to [0, 1].
 *
 * A micrograph comes as 8- or 16-bit (or float) with an arbitrary range. SCoP-SAM maps robust percentiles of the
 * whole image (by default 0.5 % and 99.5 %) to 0 and 1 and clamps outside. The percentiles are computed once per
 * image from a histogram (itk::RobustIntensityRangeCalculator streams it), never per tile, so that tiles share one
 * mapping and no seams appear. The priors and the network both use IntensityNormalization.
 *
 * \ingroup SCoPSAMPriors
 */
namespace scopsam
{

/** The affine map [Lower, Upper] -> [0, 1], clamped. Build it with FromRange(). */
struct IntensityNormalization
{
  double Lower{ 0.0 };
  double Upper{ 1.0 };
  double InverseWidth{ 1.0 }; // 1 / (Upper - Lower)

  float
  operator()(double value) const
  {
    const double t = (value - Lower) * InverseWidth;
    return static_cast<float>(t < 0.0 ? 0.0 : (t > 1.0 ? 1.0 : t));
  }

  /** Normalises `count` values (a loop the compiler vectorises). */
  template <typename T>
  void
  Apply(const T * values, std::size_t count, float * out) const
  {
    for (std::size_t i = 0; i < count; ++i)
    {
      out[i] = (*this)(static_cast<double>(values[i]));
    }
  }

  /** An empty or inverted range cannot normalise anything: a flat image gets a unit-wide range at its value. */
  static IntensityNormalization
  FromRange(double lower, double upper)
  {
    if (!(upper > lower))
    {
      upper = lower + 1.0;
    }
    return { lower, upper, 1.0 / (upper - lower) };
  }
};

/** Result of one histogram pass: the robust range and the matrix mode (the most frequent gray level, in
 * normalised units, taken as the matrix the phases sit in). */
struct IntensityStatistics
{
  double Lower{ 0.0 };
  double Upper{ 1.0 };
  double MatrixMode{ 0.5 };
};

/** Percentiles and mode from a histogram whose bin b covers [origin + b * width, origin + (b + 1) * width).
 * With integerBins, bin b holds the integer gray level origin + b (width 1). Percentiles are fractions in [0, 1] with lowerPercentile < upperPercentile. The mode is searched on 256 bins
 * of the normalised range after a 5-bin moving average, so that a noisy histogram does not pick a spike. */
inline IntensityStatistics
StatisticsFromHistogram(const std::vector<std::uint64_t> & counts,
                        double                             origin,
                        double                             width,
                        double                             lowerPercentile,
                        double                             upperPercentile,
                        bool                               integerBins)
{
  if (!(lowerPercentile >= 0.0 && lowerPercentile < upperPercentile && upperPercentile <= 1.0))
  {
    throw std::invalid_argument("percentiles must satisfy 0 <= lower < upper <= 1");
  }
  std::uint64_t total = 0;
  for (const auto c : counts)
  {
    total += c;
  }
  IntensityStatistics result;
  if (total == 0)
  {
    return result;
  }
  // The value below which a fraction p of the pixels lie, interpolated inside its bin.
  auto quantile = [&](double p) {
    const double  target = p * static_cast<double>(total);
    std::uint64_t below = 0;
    for (std::size_t b = 0; b < counts.size(); ++b)
    {
      if (counts[b] > 0 && static_cast<double>(below + counts[b]) >= target)
      {
        const double inside = (target - static_cast<double>(below)) / static_cast<double>(counts[b]);
        return origin + (static_cast<double>(b) + std::min(1.0, std::max(0.0, inside))) * width;
      }
      below += counts[b];
    }
    return origin + static_cast<double>(counts.size()) * width;
  };
  // For integer data (unit bins) the range is between bin centres, so that 0..255 maps 0 -> 0 and 255 -> 1.
  double lower = quantile(lowerPercentile);
  double upper = quantile(upperPercentile);
  if (integerBins)
  {
    lower = std::floor(lower);
    upper = std::max(lower, std::ceil(upper) - 1.0);
  }
  const IntensityNormalization norm = IntensityNormalization::FromRange(lower, upper);
  result.Lower = norm.Lower;
  result.Upper = norm.Upper;

  std::vector<double> modeBins(256, 0.0);
  for (std::size_t b = 0; b < counts.size(); ++b)
  {
    if (counts[b] == 0)
    {
      continue;
    }
    const double v = norm(origin + (static_cast<double>(b) + (integerBins ? 0.0 : 0.5)) * width);
    modeBins[std::min<std::size_t>(255, static_cast<std::size_t>(v * 256.0))] += static_cast<double>(counts[b]);
  }
  double best = -1.0;
  for (int b = 0; b < 256; ++b)
  {
    double s = 0.0;
    for (int k = std::max(0, b - 2); k <= std::min(255, b + 2); ++k)
    {
      s += modeBins[k];
    }
    if (s > best)
    {
      best = s;
      result.MatrixMode = (b + 0.5) / 256.0;
    }
  }
  return result;
}

} // namespace scopsam

#endif
