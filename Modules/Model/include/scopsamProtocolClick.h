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
#ifndef scopsamProtocolClick_h
#define scopsamProtocolClick_h

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

/** \file scopsamProtocolClick.h
 * \brief The next click of RITM's protocol (the simulated user of SimpleClick's and SAM's interactive benchmarks) and
 * its loop, in plain C++: header-only and free of ITK, OpenCV and LibTorch, so that the benchmark
 * (scopsamClickProtocol.h, which wraps it for OpenCV images) and the trainer's validation (which has neither ITK nor
 * OpenCV) click by one rule and one loop.
 *
 * After a mask, the next click goes where it is most wrong: the Euclidean distance transform of the missed pixels
 * (truth, not predicted) and of the false pixels (predicted, not truth), each with one pixel of "no error" around the
 * image and with the pixels already clicked counted as no error; the click lands at the maximum of the larger of the
 * two (the missed one on a tie) - positive in a missed region, negative in a false one. Ties within a transform go to
 * the first pixel in row-major order, so the protocol is deterministic. The transform is exact (Felzenszwalb and
 * Huttenlocher's lower envelope of parabolas, in squared pixel distances, which are integers and compared exactly).
 * \ingroup SCoPSAMModel
 */
namespace scopsam
{

/** Squared Euclidean distance from every pixel of `region` (width x height, row-major, non-zero = inside) to the
 * nearest pixel outside it, the image surrounded by one pixel of outside; 0 outside the region. */
inline std::vector<double>
SquaredDistanceToOutside(const std::uint8_t * region, std::int64_t width, std::int64_t height)
{
  // One separable pass per axis (Felzenszwalb and Huttenlocher 2012) over the padded image, in doubles that hold the
  // integer squared distances exactly; "far" stands for infinity before the first pass.
  const std::int64_t  W = width + 2, H = height + 2;
  const double        far = 1e20;
  std::vector<double> d(static_cast<std::size_t>(W * H), 0.0);
  for (std::int64_t y = 0; y < height; ++y)
  {
    for (std::int64_t x = 0; x < width; ++x)
    {
      d[static_cast<std::size_t>((y + 1) * W + x + 1)] = region[y * width + x] != 0 ? far : 0.0;
    }
  }
  const std::int64_t  longest = std::max(W, H);
  std::vector<double> f(static_cast<std::size_t>(longest)), out(static_cast<std::size_t>(longest)),
    z(static_cast<std::size_t>(longest) + 1);
  std::vector<std::int64_t> v(static_cast<std::size_t>(longest));
  // The 1-D transform of f[0..n): out[q] = min over p of (q - p)^2 + f[p].
  const auto line = [&](std::int64_t n) {
    std::int64_t k = 0;
    v[0] = 0;
    z[0] = -std::numeric_limits<double>::infinity();
    z[1] = std::numeric_limits<double>::infinity();
    const auto parabola = [&](std::int64_t p) { return f[static_cast<std::size_t>(p)] + static_cast<double>(p * p); };
    for (std::int64_t q = 1; q < n; ++q)
    {
      double s = 0;
      for (;;) // drop the parabolas of the envelope that the new one hides
      {
        const std::int64_t p = v[static_cast<std::size_t>(k)];
        s = (parabola(q) - parabola(p)) / static_cast<double>(2 * (q - p));
        if (s > z[static_cast<std::size_t>(k)])
        {
          break;
        }
        --k; // z[0] is minus infinity: k never falls below 0
      }
      ++k;
      v[static_cast<std::size_t>(k)] = q;
      z[static_cast<std::size_t>(k)] = s;
      z[static_cast<std::size_t>(k) + 1] = std::numeric_limits<double>::infinity();
    }
    k = 0;
    for (std::int64_t q = 0; q < n; ++q)
    {
      while (z[static_cast<std::size_t>(k) + 1] < static_cast<double>(q))
      {
        ++k;
      }
      const std::int64_t p = v[static_cast<std::size_t>(k)];
      out[static_cast<std::size_t>(q)] = static_cast<double>((q - p) * (q - p)) + f[static_cast<std::size_t>(p)];
    }
  };
  // The 1-D transform along every line of the padded image: `lines` lines of `n` pixels, pixel i of line l at
  // l * across + i * along.
  const auto pass = [&](std::int64_t lines, std::int64_t n, std::int64_t across, std::int64_t along) {
    for (std::int64_t l = 0; l < lines; ++l)
    {
      for (std::int64_t i = 0; i < n; ++i)
      {
        f[static_cast<std::size_t>(i)] = d[static_cast<std::size_t>(l * across + i * along)];
      }
      line(n);
      for (std::int64_t i = 0; i < n; ++i)
      {
        d[static_cast<std::size_t>(l * across + i * along)] = out[static_cast<std::size_t>(i)];
      }
    }
  };
  pass(W, H, 1, W); // columns
  pass(H, W, W, 1); // rows
  std::vector<double> inner(static_cast<std::size_t>(width * height));
  for (std::int64_t y = 0; y < height; ++y)
  {
    for (std::int64_t x = 0; x < width; ++x)
    {
      inner[static_cast<std::size_t>(y * width + x)] = d[static_cast<std::size_t>((y + 1) * W + x + 1)];
    }
  }
  return inner;
}

/** A click of the protocol: pixel (X the column, Y the row), label (1 "this phase", 0 "not this phase") and how deep
 * inside its error region it lies (the distance transform's value there, in pixels). */
struct ProtocolClick
{
  std::int64_t X{ 0 }, Y{ 0 };
  int          Label{ 1 };
  double       Depth{ 0 };
};

/** The next click for `predicted` against `truth` (width x height, row-major, non-zero = phase); `ignore` (may be
 * null) marks pixels that do not count; `clicked` are the (X, Y) of the clicks so far (those outside the image are
 * passed over). Empty when the mask has no error left. */
inline std::optional<ProtocolClick>
NextProtocolClick(const std::uint8_t * predicted, const std::uint8_t * truth, const std::uint8_t * ignore,
                  std::int64_t width, std::int64_t height, const std::vector<std::pair<std::int64_t, std::int64_t>> & clicked)
{
  if (width < 1 || height < 1)
  {
    throw std::invalid_argument("the click protocol needs an image of at least one pixel");
  }
  const auto                pixels = static_cast<std::size_t>(width * height);
  std::vector<std::uint8_t> missed(pixels), wrong(pixels);
  for (std::size_t i = 0; i < pixels; ++i)
  {
    const bool counted = ignore == nullptr || ignore[i] == 0, p = predicted[i] != 0, t = truth[i] != 0;
    missed[i] = counted && t && !p;
    wrong[i] = counted && p && !t;
  }
  for (const auto & [x, y] : clicked)
  {
    if (x >= 0 && y >= 0 && x < width && y < height)
    {
      missed[static_cast<std::size_t>(y * width + x)] = wrong[static_cast<std::size_t>(y * width + x)] = 0;
    }
  }
  // The deepest pixel of a region: its squared depth and index (the first maximum in row-major order).
  const auto deepest = [&](const std::vector<std::uint8_t> & region) {
    const auto  distance = SquaredDistanceToOutside(region.data(), width, height);
    double      maximum = 0;
    std::size_t where = 0;
    for (std::size_t i = 0; i < pixels; ++i)
    {
      if (distance[i] > maximum)
      {
        maximum = distance[i];
        where = i;
      }
    }
    return std::pair{ maximum, where };
  };
  const auto [missedDepth, missedAt] = deepest(missed);
  const auto [wrongDepth, wrongAt] = deepest(wrong);
  if (missedDepth <= 0 && wrongDepth <= 0)
  {
    return std::nullopt;
  }
  const bool         positive = missedDepth >= wrongDepth;
  const std::size_t  at = positive ? missedAt : wrongAt;
  const std::int64_t index = static_cast<std::int64_t>(at);
  return ProtocolClick{ index % width, index / width, positive ? 1 : 0, std::sqrt(positive ? missedDepth : wrongDepth) };
}

/** The protocol's loop (the benchmark's and the trainer's validation's one path): from `start`, up to
 * `maximumClicks` clicks, each NextProtocolClick() of the last mask with every earlier click kept. After each click
 * `answer(clicks)` is called with all clicks so far (the newest last) and returns the prompted method's mask
 * (width x height, row-major, non-zero = phase), which must stay valid until the next call. Returns the clicks made:
 * fewer than `maximumClicks` where a mask had no error left. */
template <typename Answer>
std::vector<ProtocolClick>
RunProtocolClicks(const std::uint8_t * start, const std::uint8_t * truth, const std::uint8_t * ignore, std::int64_t width,
                  std::int64_t height, int maximumClicks, Answer && answer)
{
  std::vector<ProtocolClick>                         clicks;
  std::vector<std::pair<std::int64_t, std::int64_t>> clicked;
  const std::uint8_t *                               mask = start;
  while (static_cast<int>(clicks.size()) < maximumClicks)
  {
    const auto click = NextProtocolClick(mask, truth, ignore, width, height, clicked);
    if (!click)
    {
      break; // no error left: the mask stays
    }
    clicks.push_back(*click);
    clicked.emplace_back(click->X, click->Y);
    mask = answer(static_cast<const std::vector<ProtocolClick> &>(clicks));
  }
  return clicks;
}

} // namespace scopsam

#endif
