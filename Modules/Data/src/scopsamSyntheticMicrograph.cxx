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
#include "scopsamSyntheticMicrograph.h"

#include "scopsamImageIO.h"
#include "scopsamOpenCVBridge.h"
#include "scopsamRandom.h"

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>

namespace fs = std::filesystem;

namespace scopsam
{
namespace
{

const DifficultyLevel Levels[3] = {
  // level, contrast, noise, smallest particle, distractors, illumination, blur
  { 1, 0.15, 0.30, 0.005, 0.02, 4, 0.3, 0.03, 0.0, 0.4 },
  { 2, 0.08, 0.15, 0.02, 0.04, 3, 1.0, 0.12, 0.3, 0.7 },
  { 3, 0.04, 0.08, 0.04, 0.06, 2, 2.5, 0.30, 0.6, 1.0 },
};

/** Everything drawn for one micrograph. Drawn once, rendered twice (see the file comment of the header). */
struct Draws
{
  int                     Polarity;
  double                  Contrast, Noise, Blur, Matrix;
  std::vector<Morphology> Morphologies;
  double                  SecondContrast{ 0.0 }; // > 0: a second phase of the opposite polarity
};

/** What does not depend on the amplitude scale: where grains, phases, pores and distractors are. */
struct Geometry
{
  cv::Mat Matrix;       // CV_32F, the grain's gray level (canvas units)
  cv::Mat Grooves;      // CV_8U, grain-boundary grooves
  cv::Mat Mask;         // CV_8U, 0/255, the phase (both phases)
  cv::Mat SecondPhase;  // CV_8U, 0/255, the second phase (empty without one)
  cv::Mat Pores;        // CV_8U, holes
  cv::Mat Distractors;  // CV_32F, in units of the phase contrast (and the instrument's layers of that unit)
  cv::Mat Illumination; // CV_32F, gain
  // Instrument effects (empty where off):
  std::vector<float> RowShift; // pixels, per row: scan jitter
  cv::Mat            Rings;    // CV_32F, in units of the noise: CT rings
};

/** The random stream of an instrument effect: its own, so that turning it on moves no other draw. */
Random
EffectRandom(std::uint64_t seed, InstrumentEffect effect)
{
  unsigned int bit = 0;
  while ((1u << bit) != static_cast<unsigned int>(effect))
  {
    ++bit;
  }
  return Random(seed).Fork(20 + bit);
}

/** A band of about `width` pixels on both sides of the mask's boundaries, peak 1 (CV_32F). */
cv::Mat
BoundaryBand(const cv::Mat & mask, double width)
{
  cv::Mat dilated, eroded, band;
  const cv::Mat cross = cv::getStructuringElement(cv::MORPH_CROSS, cv::Size(3, 3));
  cv::dilate(mask, dilated, cross);
  cv::erode(mask, eroded, cross);
  cv::Mat edge = dilated - eroded; // 0 or 255: the pixels on either side of a boundary
  edge.convertTo(band, CV_32F, 1.0 / 255.0);
  cv::GaussianBlur(band, band, cv::Size(0, 0), width);
  double peak = 0.0;
  cv::minMaxLoc(band, nullptr, &peak);
  if (peak > 0.0)
  {
    band /= peak;
  }
  return band;
}

/** The effects of `p.Effects` that change where things are or add layers in units of the phase contrast: the CT
 * sample's air and rim, the SEM rims, relief, charging bands and curtains (into geometry.Distractors), the cupping
 * (into the gain), the scan lines' shifts and the CT rings. */
void
AddInstrumentGeometry(const SyntheticParameters & p, Geometry & geometry)
{
  const int         W = p.Width, H = p.Height;
  const auto &      effects = p.Effects;
  cv::Mat &         layer = geometry.Distractors;
  double            cx = 0.5 * W, cy = 0.5 * H; // the rotation axis of a CT scan
  if (effects.Has(InstrumentEffect::SampleBoundary))
  {
    Random       random = EffectRandom(p.Seed, InstrumentEffect::SampleBoundary);
    const double radius = random.Uniform(0.45, 0.72) * std::max(W, H);
    cx = W * random.Uniform(0.4, 0.6);
    cy = H * random.Uniform(0.4, 0.6);
    const double rim = random.Uniform(0.5, 1.5), cupping = random.Uniform(0.03, 0.10);
    cv::Mat      air(H, W, CV_8U);
    for (int y = 0; y < H; ++y)
    {
      unsigned char * out = air.ptr<unsigned char>(y);
      float *         gain = geometry.Illumination.ptr<float>(y);
      float *         add = layer.ptr<float>(y);
      for (int x = 0; x < W; ++x)
      {
        const double r = std::hypot(x + 0.5 - cx, y + 0.5 - cy) / radius;
        out[x] = r > 1.0 ? 255 : 0;
        if (r > 1.0)
        {
          add[x] = 0.0f; // nothing lies on the air: no scratch, pit or dust there
        }
        gain[x] *= static_cast<float>(1.0 - cupping * (1.0 - std::min(1.0, r * r))); // darker towards the axis
        const double d = (r - 1.0) * radius;                                          // pixels from the surface
        add[x] += static_cast<float>(rim * std::exp(-0.5 * d * d / (1.5 * 1.5)));
      }
    }
    geometry.Pores.setTo(255, air); // air is what pores hold
    geometry.Mask.setTo(0, air);
    if (!geometry.SecondPhase.empty())
    {
      geometry.SecondPhase.setTo(0, air);
    }
  }
  if (effects.Has(InstrumentEffect::EdgeBrightening))
  {
    Random       random = EffectRandom(p.Seed, InstrumentEffect::EdgeBrightening);
    const double amplitude = random.Uniform(0.6, 1.6), width = random.Uniform(0.7, 1.5);
    layer += amplitude * BoundaryBand(geometry.Mask, width);
  }
  if (effects.Has(InstrumentEffect::TopographicShading))
  {
    // A height map (the phases proud of the matrix or recessed into it, by polishing) lit from one side: the
    // detector sees the slopes that face it brighter.
    Random       random = EffectRandom(p.Seed, InstrumentEffect::TopographicShading);
    const double sign = random.Chance(0.5) ? 1.0 : -1.0, amplitude = random.Uniform(2.0, 5.0);
    const double angle = random.Uniform(0.0, 2.0 * M_PI), smoothing = random.Uniform(1.0, 3.0);
    cv::Mat      height, dx, dy;
    geometry.Mask.convertTo(height, CV_32F, sign / 255.0);
    cv::GaussianBlur(height, height, cv::Size(0, 0), smoothing);
    cv::Sobel(height, dx, CV_32F, 1, 0, 3, 0.125);
    cv::Sobel(height, dy, CV_32F, 0, 1, 3, 0.125);
    layer += amplitude * (std::cos(angle) * dx + std::sin(angle) * dy);
  }
  if (effects.Has(InstrumentEffect::ChargingStreaks))
  {
    Random    random = EffectRandom(p.Seed, InstrumentEffect::ChargingStreaks);
    const int bands = random.Integer(2, 6) * std::max(1, H / 512);
    for (int k = 0; k < bands; ++k)
    {
      const int    y0 = random.Integer(0, H - 1), rows = random.Integer(1, 4), x0 = random.Integer(0, W - 1);
      const double amplitude = random.Uniform(1.0, 3.0), decay = random.Uniform(20.0, 200.0);
      for (int y = y0; y < std::min(H, y0 + rows); ++y)
      {
        float * add = layer.ptr<float>(y);
        for (int x = x0; x < W; ++x)
        {
          add[x] += static_cast<float>(amplitude * std::exp(-(x - x0) / decay));
        }
      }
    }
  }
  if (effects.Has(InstrumentEffect::Curtaining))
  {
    Random    random = EffectRandom(p.Seed, InstrumentEffect::Curtaining);
    const int stripes = std::max(1, static_cast<int>(W * random.Uniform(0.02, 0.06)));
    for (int k = 0; k < stripes; ++k)
    {
      const double x0 = random.Uniform(0, W), width = random.Uniform(0.7, 3.0);
      const double amplitude = (random.Chance(0.5) ? 1.0 : -1.0) * random.Uniform(0.3, 1.0);
      const double length = random.Uniform(0.2, 1.2) * H, fade = random.Uniform(20.0, 100.0);
      const int    first = std::max(0, static_cast<int>(x0 - 4 * width)), last = std::min(W - 1, static_cast<int>(x0 + 4 * width));
      for (int y = 0; y < H; ++y)
      {
        const double along = y < length ? 1.0 : std::exp(-(y - length) / fade);
        float *      add = layer.ptr<float>(y);
        for (int x = first; x <= last; ++x)
        {
          const double u = (x + 0.5 - x0) / width;
          add[x] += static_cast<float>(amplitude * along * std::exp(-0.5 * u * u));
        }
      }
    }
  }
  if (effects.Has(InstrumentEffect::ScanJitter))
  {
    // An AR(1) walk: neighbouring lines are displaced alike, as the beam's line timing drifts.
    Random       random = EffectRandom(p.Seed, InstrumentEffect::ScanJitter);
    const double sd = random.Uniform(0.15, 0.5), keep = random.Uniform(0.5, 0.9);
    geometry.RowShift.resize(static_cast<std::size_t>(H));
    double shift = sd * random.Normal();
    for (int y = 0; y < H; ++y)
    {
      shift = keep * shift + std::sqrt(1.0 - keep * keep) * sd * random.Normal();
      geometry.RowShift[static_cast<std::size_t>(y)] = static_cast<float>(shift);
    }
  }
  if (effects.Has(InstrumentEffect::RingArtefacts))
  {
    Random    random = EffectRandom(p.Seed, InstrumentEffect::RingArtefacts);
    const int rings = random.Integer(4, 12);
    geometry.Rings = cv::Mat::zeros(H, W, CV_32F);
    const double reach = std::hypot(std::max(cx, W - cx), std::max(cy, H - cy));
    for (int k = 0; k < rings; ++k)
    {
      const double radius = random.Uniform(0.02, 1.0) * reach, width = random.Uniform(0.6, 2.0);
      const double amplitude = (random.Chance(0.5) ? 1.0 : -1.0) * random.Uniform(0.5, 2.0);
      for (int y = 0; y < H; ++y)
      {
        float * out = geometry.Rings.ptr<float>(y);
        for (int x = 0; x < W; ++x)
        {
          const double d = (std::hypot(x + 0.5 - cx, y + 0.5 - cy) - radius) / width;
          if (std::abs(d) < 5.0)
          {
            out[x] += static_cast<float>(amplitude * std::exp(-0.5 * d * d));
          }
        }
      }
    }
  }
}

struct Canvas
{
  cv::Mat Image; // CV_32F
  double  Lower, Upper;
};

/** 0.5 % and 99.5 % percentiles of a float image, from a sorted subsample of a fixed stride. */
void
RobustRange(const cv::Mat & image, double & lower, double & upper)
{
  std::vector<float> values;
  const std::size_t  count = image.total();
  const std::size_t  stride = std::max<std::size_t>(1, count / 1000000);
  values.reserve(count / stride + 1);
  const float * data = image.ptr<float>();
  for (std::size_t i = 0; i < count; i += stride)
  {
    values.push_back(data[i]);
  }
  std::sort(values.begin(), values.end());
  lower = values[static_cast<std::size_t>(0.005 * (values.size() - 1))];
  upper = values[static_cast<std::size_t>(0.995 * (values.size() - 1))];
  if (!(upper > lower))
  {
    upper = lower + 1e-3;
  }
}

std::uint32_t
Hash(std::uint64_t a, std::uint64_t b)
{
  std::uint64_t x = a * 0x9e3779b97f4a7c15ULL ^ (b + 0x632be59bd9b4e019ULL);
  x ^= x >> 31;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 29;
  return static_cast<std::uint32_t>(x >> 32);
}

double
UnitHash(std::uint64_t a, std::uint64_t b)
{
  return Hash(a, b) / 4294967296.0;
}

/** A particle diameter in pixels: the level's smallest particle times a log-normal spread and a stretch drawn in
 * [lower, upper], at most 30 px. */
double
ParticleDiameter(Random & random, int smallest, double lower, double upper)
{
  const double spread = std::abs(random.Normal()), stretch = random.Uniform(lower, upper);
  return std::min(30.0, smallest * std::exp(0.6 * spread) * stretch);
}

std::vector<cv::Point>
RotatedRectangle(double cx, double cy, double length, double width, double angle)
{
  // Fixed point with 4 fractional bits (cv::fillConvexPoly's shift), so thin shapes keep sub-pixel placement.
  const double ux = std::cos(angle), uy = std::sin(angle);
  const double hl = 0.5 * length, hw = 0.5 * width;
  std::vector<cv::Point> corners;
  for (const auto & c : { std::pair<double, double>{ hl, hw }, { -hl, hw }, { -hl, -hw }, { hl, -hw } })
  {
    corners.emplace_back(cvRound(16.0 * (cx + c.first * ux - c.second * uy)), cvRound(16.0 * (cy + c.first * uy + c.second * ux)));
  }
  return corners;
}

Geometry
RenderGeometry(const SyntheticParameters & p, const DifficultyLevel & level, const Draws & draws)
{
  const int    W = p.Width, H = p.Height;
  const double areaFactor = static_cast<double>(W) * H / (512.0 * 512.0);
  const int    dmin = level.SmallestParticle;
  Random       root(p.Seed);
  Random       grainsRandom = root.Fork(1), phaseRandom = root.Fork(2), distractorRandom = root.Fork(3),
         lightRandom = root.Fork(5);

  Geometry geometry;
  geometry.Mask = cv::Mat::zeros(H, W, CV_8U);
  geometry.Matrix.create(H, W, CV_32F);
  geometry.Grooves = cv::Mat::zeros(H, W, CV_8U);
  // Channelling contrast between grains: a fixed amplitude that, with the illumination, sets the image's range.
  const double channelling = grainsRandom.Uniform(0.15, 0.35);

  // Grains: jittered-grid Voronoi. Per pixel the nearest and second-nearest seed among the 5x5 neighbouring cells.
  const double cell = grainsRandom.Uniform(50.0, 140.0);
  const int    cellsX = static_cast<int>(std::ceil(W / cell)) + 1, cellsY = static_cast<int>(std::ceil(H / cell)) + 1;
  auto         seedOf = [&](int i, int j, double & x, double & y) {
    x = (i + 0.1 + 0.8 * UnitHash(p.Seed, Hash(i + 7, 2 * j + 1))) * cell;
    y = (j + 0.1 + 0.8 * UnitHash(p.Seed, Hash(i + 7, 2 * j + 2))) * cell;
  };
  const double grooveWidth = grainsRandom.Uniform(0.8, 1.6);
  const double networkFraction = grainsRandom.Uniform(0.3, 0.7);
  const double networkWidth = grainsRandom.Uniform(std::max(2.0, double(dmin)), 4.5);
  const bool   network = std::count(draws.Morphologies.begin(), draws.Morphologies.end(), Morphology::GrainBoundaryNetwork) > 0;
  for (int y = 0; y < H; ++y)
  {
    float *         m = geometry.Matrix.ptr<float>(y);
    unsigned char * mask = geometry.Mask.ptr<unsigned char>(y);
    unsigned char * groove = geometry.Grooves.ptr<unsigned char>(y);
    const int       cj = static_cast<int>(y / cell);
    for (int x = 0; x < W; ++x)
    {
      const int     ci = static_cast<int>(x / cell);
      double        d1 = 1e30, d2 = 1e30;
      std::uint64_t id1 = 0, id2 = 0;
      for (int j = cj - 2; j <= cj + 2; ++j)
      {
        for (int i = ci - 2; i <= ci + 2; ++i)
        {
          double sx, sy;
          seedOf(i, j, sx, sy);
          const double        d = std::hypot(x + 0.5 - sx, y + 0.5 - sy);
          const std::uint64_t id = static_cast<std::uint64_t>(i + 1000) * 100003ULL + static_cast<std::uint64_t>(j + 1000);
          if (d < d1)
          {
            d2 = d1;
            id2 = id1;
            d1 = d;
            id1 = id;
          }
          else if (d < d2)
          {
            d2 = d;
            id2 = id;
          }
        }
      }
      const double gap = d2 - d1; // twice the distance to the boundary
      m[x] = static_cast<float>(draws.Matrix + channelling * (UnitHash(p.Seed ^ 0x51ULL, id1) - 0.5));
      groove[x] = gap < grooveWidth ? 1 : 0;
      if (network && gap < networkWidth &&
          UnitHash(std::min(id1, id2), std::max(id1, id2)) < networkFraction)
      {
        mask[x] = 255;
      }
    }
  }

  // Phases into the mask.
  auto has = [&](Morphology m) { return std::count(draws.Morphologies.begin(), draws.Morphologies.end(), m) > 0; };
  if (has(Morphology::RoundParticles))
  {
    const int count = static_cast<int>(areaFactor * phaseRandom.Uniform(60, 200));
    for (int k = 0; k < count; ++k)
    {
      const double d = ParticleDiameter(phaseRandom, dmin, 1.0, 2.5);
      const double cx = phaseRandom.Uniform(0, W), cy = phaseRandom.Uniform(0, H);
      if (d <= 3.5)
      {
        const int s = std::max(dmin, static_cast<int>(std::lround(d)));
        cv::rectangle(geometry.Mask, cv::Rect(static_cast<int>(cx), static_cast<int>(cy), s, s), 255, cv::FILLED);
      }
      else
      {
        const double a = 0.5 * d, b = a * phaseRandom.Uniform(0.7, 1.0);
        cv::ellipse(geometry.Mask, cv::Point(cvRound(cx * 16), cvRound(cy * 16)), cv::Size(cvRound(a * 16), cvRound(b * 16)),
                    phaseRandom.Uniform(0, 180), 0, 360, 255, cv::FILLED, cv::LINE_8, 4);
      }
    }
  }
  if (has(Morphology::Needles))
  {
    const int count = static_cast<int>(areaFactor * phaseRandom.Uniform(15, 45));
    for (int k = 0; k < count; ++k)
    {
      const double width = phaseRandom.Uniform(dmin, dmin + 2.5);
      const double angle = phaseRandom.Uniform(0, M_PI), length = phaseRandom.Uniform(12, 60);
      const double cy = phaseRandom.Uniform(0, H), cx = phaseRandom.Uniform(0, W);
      cv::fillConvexPoly(geometry.Mask, RotatedRectangle(cx, cy, length, width, angle), 255, cv::LINE_8, 4);
    }
  }
  if (has(Morphology::BlockyParticles))
  {
    const int count = static_cast<int>(areaFactor * phaseRandom.Uniform(8, 20));
    for (int k = 0; k < count; ++k)
    {
      const double           cx = phaseRandom.Uniform(0, W), cy = phaseRandom.Uniform(0, H), r = phaseRandom.Uniform(5, 14);
      const int              sides = phaseRandom.Integer(4, 6);
      const double           start = phaseRandom.Uniform(0, 2 * M_PI);
      std::vector<cv::Point> polygon;
      for (int s = 0; s < sides; ++s)
      {
        const double angle = start + 2 * M_PI * (s + phaseRandom.Uniform(-0.2, 0.2)) / sides;
        const double radius = r * phaseRandom.Uniform(0.8, 1.2);
        polygon.emplace_back(cvRound(16 * (cx + radius * std::cos(angle))), cvRound(16 * (cy + radius * std::sin(angle))));
      }
      cv::fillConvexPoly(geometry.Mask, polygon, 255, cv::LINE_8, 4);
    }
  }
  if (has(Morphology::LamellarEutectic))
  {
    const int colonies = std::max(1, static_cast<int>(std::lround(areaFactor * phaseRandom.Uniform(1, 3))));
    for (int k = 0; k < colonies; ++k)
    {
      const double cx = phaseRandom.Uniform(0, W), cy = phaseRandom.Uniform(0, H);
      const double ra = phaseRandom.Uniform(30, 70), rb = ra * phaseRandom.Uniform(0.5, 1.0);
      const double tilt = phaseRandom.Uniform(0, M_PI), stripes = phaseRandom.Uniform(0, M_PI);
      const double period = phaseRandom.Uniform(std::max(5.0, 2.5 * dmin), 10.0), wave = phaseRandom.Uniform(10, 30);
      const double threshold = std::cos(M_PI * 0.45);
      for (int y = std::max(0, int(cy - ra)); y < std::min(H, int(cy + ra) + 1); ++y)
      {
        for (int x = std::max(0, int(cx - ra)); x < std::min(W, int(cx + ra) + 1); ++x)
        {
          const double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
          const double u = dx * std::cos(tilt) + dy * std::sin(tilt), v = -dx * std::sin(tilt) + dy * std::cos(tilt);
          if ((u * u) / (ra * ra) + (v * v) / (rb * rb) > 1.0)
          {
            continue;
          }
          const double s = dx * std::cos(stripes) + dy * std::sin(stripes), t = -dx * std::sin(stripes) + dy * std::cos(stripes);
          if (std::cos(2 * M_PI * (s + 1.5 * std::sin(t / wave)) / period) > threshold)
          {
            geometry.Mask.at<unsigned char>(y, x) = 255;
          }
        }
      }
    }
  }

  // The coarse phases, from a stream of their own.
  Random coarseRandom = root.Fork(7);
  if (has(Morphology::CuboidalPrecipitates))
  {
    // Rounded cuboids (superellipses) on a jittered square lattice, separated by narrow matrix channels.
    const double edge = coarseRandom.Uniform(std::max(8.0, 3.0 * dmin), 40.0);
    const double channel = coarseRandom.Uniform(std::max(2.0, double(dmin)), std::max(3.0, 0.45 * edge));
    const double pitch = edge + channel, jitter = 0.1 * pitch;
    const double angle = coarseRandom.Uniform(0, 0.5 * M_PI), exponent = coarseRandom.Uniform(2.5, 6.0);
    const int    reach = static_cast<int>(std::ceil(0.5 * std::hypot(W, H) / pitch)) + 1;
    for (int j = -reach; j <= reach; ++j)
    {
      for (int i = -reach; i <= reach; ++i)
      {
        const double lx = i * pitch + coarseRandom.Uniform(-jitter, jitter), ly = j * pitch + coarseRandom.Uniform(-jitter, jitter);
        const double cx = 0.5 * W + lx * std::cos(angle) - ly * std::sin(angle);
        const double cy = 0.5 * H + lx * std::sin(angle) + ly * std::cos(angle);
        const double a = 0.5 * edge * coarseRandom.Uniform(0.7, 1.1), b = a * coarseRandom.Uniform(0.8, 1.25);
        const double tilt = angle + coarseRandom.Uniform(-0.12, 0.12);
        if (cx < -pitch || cy < -pitch || cx > W + pitch || cy > H + pitch)
        {
          continue;
        }
        std::vector<cv::Point> polygon;
        for (int k = 0; k < 32; ++k)
        {
          const double t = 2 * M_PI * k / 32, c = std::cos(t), s = std::sin(t);
          const double u = a * std::copysign(std::pow(std::abs(c), 2.0 / exponent), c);
          const double v = b * std::copysign(std::pow(std::abs(s), 2.0 / exponent), s);
          polygon.emplace_back(cvRound(16 * (cx + u * std::cos(tilt) - v * std::sin(tilt))),
                               cvRound(16 * (cy + u * std::sin(tilt) + v * std::cos(tilt))));
        }
        cv::fillConvexPoly(geometry.Mask, polygon, 255, cv::LINE_8, 4);
      }
    }
  }
  if (has(Morphology::CoarseSecondPhase))
  {
    // Smoothed white noise cut at the quantile of the drawn area fraction: connected, rounded, scale-free blobs.
    const double sigmaX = coarseRandom.Uniform(4.0, 16.0), sigmaY = sigmaX * coarseRandom.Uniform(0.6, 1.0);
    const double fraction = coarseRandom.Uniform(0.10, 0.45);
    cv::Mat      field(H, W, CV_32F);
    for (auto it = field.begin<float>(); it != field.end<float>(); ++it)
    {
      *it = static_cast<float>(coarseRandom.Normal());
    }
    // Each axis takes one of the two sigmas (both may take the same one: round blobs). Drawn in this order - the
    // order in which GCC evaluated the call that first drew them, so that the shipped models' data stay the same.
    const double alongY = coarseRandom.Chance(0.5) ? sigmaY : sigmaX;
    const double alongX = coarseRandom.Chance(0.5) ? sigmaX : sigmaY;
    cv::GaussianBlur(field, field, cv::Size(0, 0), alongX, alongY);
    std::vector<float> values(field.begin<float>(), field.end<float>());
    const auto         cut = values.begin() + static_cast<std::ptrdiff_t>((1.0 - fraction) * (values.size() - 1));
    std::nth_element(values.begin(), cut, values.end());
    geometry.Mask.setTo(255, field > *cut);
  }

  // The second phase: particles of the opposite polarity where the first phase is not.
  if (draws.SecondContrast > 0.0)
  {
    Random     secondRandom = root.Fork(9);
    cv::Mat    second = cv::Mat::zeros(H, W, CV_8U);
    const int  count = std::max(1, static_cast<int>(areaFactor * secondRandom.Uniform(15, 80)));
    const bool blocky = secondRandom.Chance(0.4);
    for (int k = 0; k < count; ++k)
    {
      const double d = ParticleDiameter(secondRandom, dmin, 1.5, 3.5);
      const double cx = secondRandom.Uniform(0, W), cy = secondRandom.Uniform(0, H), tilt = secondRandom.Uniform(0, M_PI);
      if (blocky)
      {
        cv::fillConvexPoly(second, RotatedRectangle(cx, cy, d, d * secondRandom.Uniform(0.6, 1.0), tilt), 255, cv::LINE_8, 4);
      }
      else
      {
        cv::ellipse(second, cv::Point(cvRound(cx * 16), cvRound(cy * 16)),
                    cv::Size(cvRound(8 * d), cvRound(8 * d * secondRandom.Uniform(0.7, 1.0))), tilt * 180 / M_PI, 0, 360, 255,
                    cv::FILLED, cv::LINE_8, 4);
      }
    }
    second.setTo(0, geometry.Mask);
    geometry.SecondPhase = second;
    geometry.Mask.setTo(255, second);
  }

  // Pores are holes: they remove whatever phase was there.
  cv::Mat & pores = geometry.Pores;
  pores = cv::Mat::zeros(H, W, CV_8U);
  const int poreCount = static_cast<int>(std::lround(areaFactor * distractorRandom.Uniform(0.0, 2.5)));
  for (int k = 0; k < poreCount; ++k)
  {
    const int radius = distractorRandom.Integer(3, 9), y = distractorRandom.Integer(0, H - 1), x = distractorRandom.Integer(0, W - 1);
    cv::circle(pores, cv::Point(x, y), radius, 255, cv::FILLED);
  }
  geometry.Mask.setTo(0, pores);
  if (!geometry.SecondPhase.empty())
  {
    geometry.SecondPhase.setTo(0, pores);
  }

  // Distractors on the canvas only: scratches, etch pits (dark with a bright rim), dust (soft blobs).
  const double density = level.DistractorDensity;
  const double c = 1.0; // distractor amplitudes in units of the phase contrast
  cv::Mat &    layer = geometry.Distractors;
  layer = cv::Mat::zeros(H, W, CV_32F);
  const int    scratches = static_cast<int>(std::lround(areaFactor * density * distractorRandom.Uniform(1, 4)));
  for (int k = 0; k < scratches; ++k)
  {
    const double x0 = distractorRandom.Uniform(0, W), y0 = distractorRandom.Uniform(0, H);
    const double angle = distractorRandom.Uniform(0, M_PI), length = distractorRandom.Uniform(0.3, 1.0) * std::max(W, H);
    const double sign = distractorRandom.Chance(0.5) ? 1 : -1, value = sign * distractorRandom.Uniform(0.4, 0.9) * c;
    cv::line(layer, cv::Point(cvRound(x0 * 16), cvRound(y0 * 16)),
             cv::Point(cvRound((x0 + length * std::cos(angle)) * 16), cvRound((y0 + length * std::sin(angle)) * 16)),
             value, distractorRandom.Integer(1, 2), cv::LINE_AA, 4);
  }
  if (level.Level >= 2)
  {
    const int pits = static_cast<int>(std::lround(areaFactor * density * distractorRandom.Uniform(3, 10)));
    for (int k = 0; k < pits; ++k)
    {
      const int       y = distractorRandom.Integer(0, H - 1), x = distractorRandom.Integer(0, W - 1);
      const cv::Point centre(x, y);
      const int       radius = distractorRandom.Integer(1, 3);
      cv::circle(layer, centre, radius + 1, 0.5 * c, 1);
      cv::circle(layer, centre, radius, -1.2 * c, cv::FILLED);
    }
    cv::Mat   dust = cv::Mat::zeros(H, W, CV_32F);
    const int blobs = static_cast<int>(std::lround(areaFactor * density * distractorRandom.Uniform(1, 3)));
    for (int k = 0; k < blobs; ++k)
    {
      const double value = (distractorRandom.Chance(0.5) ? 0.7 : -0.7) * c;
      const int    radius = distractorRandom.Integer(4, 15), y = distractorRandom.Integer(0, H - 1), x = distractorRandom.Integer(0, W - 1);
      cv::circle(dust, cv::Point(x, y), radius, value, cv::FILLED);
    }
    cv::GaussianBlur(dust, dust, cv::Size(0, 0), 4.0);
    layer += dust;
  }

  // Uneven illumination: a gain with a tilt and a curvature.
  const double a = level.IlluminationAmplitude;
  const double gx = lightRandom.Uniform(-1, 1), gy = lightRandom.Uniform(-1, 1), q = lightRandom.Uniform(-1, 1);
  geometry.Illumination.create(H, W, CV_32F);
  for (int y = 0; y < H; ++y)
  {
    float *      out = geometry.Illumination.ptr<float>(y);
    const double v = (y + 0.5) / H - 0.5;
    for (int x = 0; x < W; ++x)
    {
      const double u = (x + 0.5) / W - 0.5;
      out[x] = static_cast<float>(1.0 + a * (gx * u + gy * v) + 0.5 * a * q * (u * u + v * v));
    }
  }
  if (p.Effects.Any())
  {
    AddInstrumentGeometry(p, geometry);
  }
  return geometry;
}

/** The canvas for phase contrast and noise scaled by `scale`: matrix with grooves, phase with its polarity, pores
 * far darker than anything, distractors, illumination, blur and noise. */
Canvas
Shade(const SyntheticParameters & p, const DifficultyLevel & level, const Draws & draws, const Geometry & geometry,
      double scale)
{
  const int    W = p.Width, H = p.Height;
  const double c = draws.Contrast * scale;
  const double noise = draws.Noise * scale;
  Random       noiseRandom = Random(p.Seed).Fork(4);
  Canvas       canvas;
  canvas.Image.create(H, W, CV_32F);
  for (int y = 0; y < H; ++y)
  {
    const float *         m = geometry.Matrix.ptr<float>(y);
    const unsigned char * mask = geometry.Mask.ptr<unsigned char>(y);
    const unsigned char * second = geometry.SecondPhase.empty() ? nullptr : geometry.SecondPhase.ptr<unsigned char>(y);
    const unsigned char * pore = geometry.Pores.ptr<unsigned char>(y);
    const unsigned char * groove = geometry.Grooves.ptr<unsigned char>(y);
    const float *         layer = geometry.Distractors.ptr<float>(y);
    const float *         gain = geometry.Illumination.ptr<float>(y);
    float *               out = canvas.Image.ptr<float>(y);
    for (int x = 0; x < W; ++x)
    {
      const double phase = second && second[x] ? -draws.Polarity * draws.SecondContrast * scale : draws.Polarity * c;
      const double value =
        pore[x] ? draws.Matrix - 0.35 : m[x] + (mask[x] ? phase : (groove[x] ? -0.8 * c : 0.0)) + c * layer[x];
      out[x] = static_cast<float>(value * gain[x]);
    }
  }
  if (draws.Blur > 0.05)
  {
    cv::GaussianBlur(canvas.Image, canvas.Image, cv::Size(0, 0), draws.Blur);
  }
  if (p.Effects.Has(InstrumentEffect::PartialVolume))
  {
    // A voxel's value is the mean over its volume: a box of about a voxel, then the reconstruction's own blur.
    Random random = EffectRandom(p.Seed, InstrumentEffect::PartialVolume);
    cv::blur(canvas.Image, canvas.Image, cv::Size(2, 2));
    cv::GaussianBlur(canvas.Image, canvas.Image, cv::Size(0, 0), random.Uniform(0.5, 1.0));
  }
  if (!geometry.RowShift.empty())
  {
    cv::Mat shifted(H, W, CV_32F);
    for (int y = 0; y < H; ++y)
    {
      const float * in = canvas.Image.ptr<float>(y);
      float *       out = shifted.ptr<float>(y);
      const double  shift = geometry.RowShift[static_cast<std::size_t>(y)];
      for (int x = 0; x < W; ++x)
      {
        const double source = std::clamp(x - shift, 0.0, W - 1.0);
        const int    left = std::min(W - 2, static_cast<int>(source));
        const double t = source - left;
        out[x] = W > 1 ? static_cast<float>((1.0 - t) * in[left] + t * in[left + 1]) : in[0];
      }
    }
    canvas.Image = shifted;
  }
  cv::Mat texture; // CT: band-pass noise of unit variance, in units of the noise
  if (p.Effects.Has(InstrumentEffect::ReconstructionNoise))
  {
    Random       random = EffectRandom(p.Seed, InstrumentEffect::ReconstructionNoise);
    const double fine = random.Uniform(0.6, 1.0), coarse = fine * random.Uniform(2.0, 3.5);
    const double amplitude = random.Uniform(0.6, 1.2);
    cv::Mat      white(H, W, CV_32F), low, high;
    for (int y = 0; y < H; ++y)
    {
      float * out = white.ptr<float>(y);
      for (int x = 0; x < W; ++x)
      {
        out[x] = static_cast<float>(random.Normal());
      }
    }
    cv::GaussianBlur(white, high, cv::Size(0, 0), fine);
    cv::GaussianBlur(white, low, cv::Size(0, 0), coarse);
    texture = high - low;
    cv::Scalar mean, sd;
    cv::meanStdDev(texture, mean, sd);
    texture *= amplitude / std::max(1e-9, sd[0]);
  }

  // Poisson-Gaussian noise (half the variance each at the matrix level), scan lines from level 2.
  const double gaussian = noise * std::sqrt(0.5);
  const double poissonGain = 0.5 * noise * noise / std::max(0.05, draws.Matrix);
  for (int y = 0; y < H; ++y)
  {
    float *      out = canvas.Image.ptr<float>(y);
    const double  line = level.Level >= 2 ? 0.4 * noise * noiseRandom.Normal() : 0.0;
    const float * rings = geometry.Rings.empty() ? nullptr : geometry.Rings.ptr<float>(y);
    const float * band = texture.empty() ? nullptr : texture.ptr<float>(y);
    for (int x = 0; x < W; ++x)
    {
      const double v = std::max(0.0, static_cast<double>(out[x]));
      const double readout = noiseRandom.Normal(), shot = noiseRandom.Normal();
      const double artefacts = noise * ((rings ? rings[x] : 0.0f) + (band ? band[x] : 0.0f));
      out[x] = static_cast<float>(v + line + gaussian * readout + std::sqrt(poissonGain * v) * shot + artefacts);
    }
  }
  RobustRange(canvas.Image, canvas.Lower, canvas.Upper);
  return canvas;
}

} // namespace

const char *
MorphologyName(Morphology morphology)
{
  static const char * const names[] = { "round_particles",   "needles",          "grain_boundary_network",
                                        "lamellar_eutectic", "blocky_particles", "cuboidal_precipitates",
                                        "coarse_second_phase" };
  return names[static_cast<unsigned int>(morphology)];
}

const char *
InstrumentEffectName(InstrumentEffect effect)
{
  static const char * const names[NumberOfInstrumentEffects] = { "se-edges",   "topography", "charging",
                                                                 "curtaining", "scan-jitter", "ct-sample",
                                                                 "ct-rings",   "ct-texture", "ct-partial-volume" };
  for (unsigned int bit = 0; bit < NumberOfInstrumentEffects; ++bit)
  {
    if ((1u << bit) == static_cast<unsigned int>(effect))
    {
      return names[bit];
    }
  }
  return "unknown";
}

std::string
InstrumentEffects::ToString() const
{
  std::string text;
  for (unsigned int bit = 0; bit < NumberOfInstrumentEffects; ++bit)
  {
    if (Bits & (1u << bit))
    {
      text += (text.empty() ? "" : ",") + std::string(InstrumentEffectName(static_cast<InstrumentEffect>(1u << bit)));
    }
  }
  return text.empty() ? "none" : text;
}

InstrumentEffects
InstrumentEffects::Parse(const std::string & list)
{
  constexpr unsigned int sem = 0x1f, ct = 0x1e0;
  InstrumentEffects      effects;
  std::size_t            at = 0;
  while (at <= list.size() && !list.empty())
  {
    const auto        comma = list.find(',', at);
    const std::string name = list.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
    unsigned int      bits = name == "sem" ? sem : name == "ct" ? ct : 0;
    for (unsigned int bit = 0; bit < NumberOfInstrumentEffects && bits == 0; ++bit)
    {
      if (name == InstrumentEffectName(static_cast<InstrumentEffect>(1u << bit)))
      {
        bits = 1u << bit;
      }
    }
    if (bits == 0 && name != "none")
    {
      throw InputError("unknown instrument effect '" + name +
                       "' (known: se-edges, topography, charging, curtaining, scan-jitter, ct-sample, ct-rings, "
                       "ct-texture, ct-partial-volume, and sem, ct, none)");
    }
    effects.Bits |= bits;
    if (comma == std::string::npos)
    {
      break;
    }
    at = comma + 1;
  }
  return effects;
}

const DifficultyLevel &
GetDifficultyLevel(int level)
{
  if (level < 1 || level > 3)
  {
    throw InputError("the difficulty level must be 1, 2 or 3, got " + std::to_string(level));
  }
  return Levels[level - 1];
}

void
CheckSyntheticSize(int width, int height)
{
  // The generator holds about 52 bytes per pixel (0.88 GB for 4096 x 4096, measured): at most 2^26 pixels (8192 x
  // 8192, about 3.5 GB), which no training tile or benchmark field needs more of.
  if (width < 16 || height < 16 || static_cast<double>(width) * height > 67108864.0)
  {
    throw InputError("a synthetic micrograph must be at least 16x16 and at most 2^26 pixels (8192x8192), got " +
                     std::to_string(width) + "x" + std::to_string(height));
  }
}

SyntheticMicrograph
GenerateSyntheticMicrograph(const SyntheticParameters & p)
{
  const DifficultyLevel & level = GetDifficultyLevel(p.Level);
  CheckSyntheticSize(p.Width, p.Height);
  if (p.BitDepth != 8 && p.BitDepth != 16)
  {
    throw InputError("the bit depth must be 8 or 16, got " + std::to_string(p.BitDepth));
  }
  if (p.Polarity < -1 || p.Polarity > 1)
  {
    throw InputError("the polarity must be +1 (bright), -1 (dark) or 0 (random)");
  }
  Random root(p.Seed);
  Random choices = root.Fork(0);
  Draws  draws;
  draws.Polarity = p.Polarity != 0 ? p.Polarity : (choices.Chance(0.5) ? 1 : -1);
  draws.Contrast = choices.Uniform(level.ContrastMin, level.ContrastMax);
  draws.Noise = choices.Uniform(level.NoiseMin, level.NoiseMax);
  draws.Blur = choices.Uniform(level.BlurMin, level.BlurMax);
  draws.Matrix = choices.Uniform(0.35, 0.65);
  const double inclusion[NumberOfMorphologies] = { 0.8, 0.5, 0.4, 0.35, 0.45 };
  for (unsigned int m = 0; m < NumberOfMorphologies; ++m)
  {
    if (choices.Chance(inclusion[m]))
    {
      draws.Morphologies.push_back(static_cast<Morphology>(m));
    }
  }
  if (draws.Morphologies.empty())
  {
    draws.Morphologies.push_back(static_cast<Morphology>(choices.Integer(0, NumberOfFineMorphologies - 1)));
  }
  if (p.CoarsePhases)
  {
    // A stream of its own, so that a seed's fine micrograph is the same with or without coarse phases on offer.
    Random coarse = root.Fork(6);
    if (coarse.Chance(1.0 / 3.0))
    {
      const auto chosen = static_cast<Morphology>(NumberOfFineMorphologies + coarse.Integer(0, 1));
      draws.Morphologies.assign(1, chosen);
      if (chosen == Morphology::CoarseSecondPhase && coarse.Chance(0.4))
      {
        draws.Morphologies.insert(draws.Morphologies.begin(), Morphology::RoundParticles);
      }
    }
  }
  if (p.SecondPhase)
  {
    Random second = root.Fork(8);
    if (second.Chance(0.5))
    {
      draws.SecondContrast = draws.Contrast * second.Uniform(0.8, 1.5);
    }
  }

  // Contrast and noise are wanted in units of the final image's robust range R, which grows with them:
  // R(s) ~ a + b s for an amplitude scale s. Two shadings give a and b, and s = R(s) is solved for.
  const Geometry geometry = RenderGeometry(p, level, draws);
  const Canvas   one = Shade(p, level, draws, geometry, 1.0);
  const Canvas   two = Shade(p, level, draws, geometry, 2.0);
  const double   r1 = one.Upper - one.Lower, r2 = two.Upper - two.Lower;
  const double   slope = r2 - r1, intercept = r1 - slope;
  const double   range = slope < 0.9 && intercept > 0.0 ? intercept / (1.0 - slope) : r2;
  Canvas         canvas = Shade(p, level, draws, geometry, range);
  const double   finalRange = canvas.Upper - canvas.Lower;

  SyntheticMicrograph result;
  result.Polarity = draws.Polarity;
  result.Contrast = draws.Contrast;
  result.Noise = draws.Noise;
  result.MeasuredContrast = draws.Contrast * range / finalRange;
  result.MeasuredNoise = draws.Noise * range / finalRange;
  result.Morphologies = draws.Morphologies;
  result.Mask = geometry.Mask;
  result.SecondPhaseMask = geometry.SecondPhase;
  result.PhaseFraction = static_cast<double>(cv::countNonZero(geometry.Mask)) / geometry.Mask.total();

  // The normalised range lands on a detector-like output range: 8-bit [black, white] or a 16-bit sub-range.
  const double maximum = p.BitDepth == 8 ? 255.0 : 65535.0;
  const double black = p.BitDepth == 8 ? choices.Uniform(5, 30) : choices.Uniform(300, 3000);
  const double white = p.BitDepth == 8 ? choices.Uniform(220, 250) : choices.Uniform(12000, 60000);
  cv::Mat      scaled;
  canvas.Image.convertTo(scaled, CV_64F, (white - black) / finalRange, black - canvas.Lower * (white - black) / finalRange);
  cv::min(cv::max(scaled, 0.0), maximum, scaled);
  scaled.convertTo(result.Image, p.BitDepth == 8 ? CV_8U : CV_16U);
  return result;
}

void
WriteSyntheticDataset(const std::string & folder, const SyntheticDatasetParameters & p)
{
  if (p.Count < 1 || p.Count > 1000000)
  {
    throw InputError("the image count must be in [1, 1000000], got " + std::to_string(p.Count));
  }
  if (p.Level < 0 || p.Level > 3)
  {
    throw InputError("the level must be 1, 2, 3 or 0 (mixed), got " + std::to_string(p.Level));
  }
  if (p.BitDepth != 0 && p.BitDepth != 8 && p.BitDepth != 16)
  {
    throw InputError("the bit depth must be 8, 16 or 0 (mixed), got " + std::to_string(p.BitDepth));
  }
  if (!(p.TrainFraction >= 0 && p.ValidationFraction >= 0 && p.TrainFraction + p.ValidationFraction <= 1.0))
  {
    throw InputError("split fractions must be non-negative and add up to at most 1");
  }
  CheckSyntheticSize(p.Width, p.Height); // before the folders are made
  std::error_code error;
  for (const char * sub : { "images", "masks", "splits" })
  {
    fs::create_directories(fs::path(folder) / sub, error);
    if (error)
    {
      throw InputError("cannot create " + (fs::path(folder) / sub).string() + ": " + error.message());
    }
  }
  nlohmann::json           manifest;
  manifest["generator"] = "scopsam synth";
  manifest["seed"] = p.Seed;
  manifest["coarse_phases"] = p.CoarsePhases;
  manifest["second_phase"] = p.SecondPhase;
  manifest["instrument_effects"] = p.Effects.ToString();
  manifest["images"] = nlohmann::json::array();
  std::vector<std::string> names;
  Random                   seeds(p.Seed);
  for (int i = 0; i < p.Count; ++i)
  {
    SyntheticParameters one;
    one.Width = p.Width;
    one.Height = p.Height;
    one.Level = p.Level != 0 ? p.Level : 1 + i % 3;
    one.BitDepth = p.BitDepth != 0 ? p.BitDepth : (i % 2 == 0 ? 8 : 16);
    one.Polarity = p.Polarity;
    one.Seed = seeds.Fork(static_cast<std::uint64_t>(i)).Next();
    one.CoarsePhases = p.CoarsePhases;
    one.SecondPhase = p.SecondPhase;
    one.Effects = p.Effects;
    const SyntheticMicrograph micrograph = GenerateSyntheticMicrograph(one);

    char name[32];
    std::snprintf(name, sizeof(name), "synth_%05d", i);
    names.emplace_back(name);
    const std::string imagePath = (fs::path(folder) / "images" / (names.back() + ".png")).string();
    const std::string maskPath = (fs::path(folder) / "masks" / (names.back() + ".png")).string();
    if (one.BitDepth == 8)
    {
      scopsam::WriteImage(ImageFromMat<unsigned char>(micrograph.Image).GetPointer(), imagePath);
    }
    else
    {
      scopsam::WriteImage(ImageFromMat<unsigned short>(micrograph.Image).GetPointer(), imagePath);
    }
    cv::Mat mask = micrograph.Mask.clone();
    if (!micrograph.SecondPhaseMask.empty())
    {
      mask.setTo(0, micrograph.SecondPhaseMask);
    }
    scopsam::WriteImage(ImageFromMat<unsigned char>(mask).GetPointer(), maskPath);

    nlohmann::json entry;
    entry["name"] = names.back();
    entry["seed"] = one.Seed;
    entry["level"] = one.Level;
    entry["bit_depth"] = one.BitDepth;
    entry["width"] = one.Width;
    entry["height"] = one.Height;
    entry["polarity"] = micrograph.Polarity > 0 ? "bright" : "dark";
    entry["contrast"] = micrograph.MeasuredContrast;
    entry["noise"] = micrograph.MeasuredNoise;
    entry["smallest_particle_px"] = GetDifficultyLevel(one.Level).SmallestParticle;
    entry["phase_fraction"] = static_cast<double>(cv::countNonZero(mask)) / mask.total();
    entry["second_phase_fraction"] =
      micrograph.SecondPhaseMask.empty() ? 0.0 : static_cast<double>(cv::countNonZero(micrograph.SecondPhaseMask)) / mask.total();
    entry["morphologies"] = nlohmann::json::array();
    for (const auto m : micrograph.Morphologies)
    {
      entry["morphologies"].push_back(MorphologyName(m));
    }
    manifest["images"].push_back(entry);
  }

  // Splits: a seeded shuffle, then train / val / test by the fractions.
  std::vector<std::size_t> order(names.size());
  std::iota(order.begin(), order.end(), 0);
  Random shuffle = seeds.Fork(0x5911755ULL);
  for (std::size_t i = order.size(); i > 1; --i)
  {
    std::swap(order[i - 1], order[static_cast<std::size_t>(shuffle.Integer(0, static_cast<int>(i) - 1))]);
  }
  const auto  trainCount = static_cast<std::size_t>(std::lround(p.TrainFraction * names.size()));
  const auto  valCount = std::min(names.size() - trainCount, static_cast<std::size_t>(std::lround(p.ValidationFraction * names.size())));
  std::string lists[3];
  for (std::size_t k = 0; k < order.size(); ++k)
  {
    const int which = k < trainCount ? 0 : (k < trainCount + valCount ? 1 : 2);
    lists[which] += names[order[k]] + "\n";
  }
  WriteTextFile((fs::path(folder) / "splits" / "train.txt").string(), lists[0]);
  WriteTextFile((fs::path(folder) / "splits" / "val.txt").string(), lists[1]);
  WriteTextFile((fs::path(folder) / "splits" / "test.txt").string(), lists[2]);
  WriteTextFile((fs::path(folder) / "manifest.json").string(), manifest.dump(2) + "\n");
}

} // namespace scopsam
