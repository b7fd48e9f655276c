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
#include "scopsamClickProtocol.h"

#include "scopsamErrors.h"
#include "scopsamProtocolClick.h"

#include <opencv2/imgproc.hpp>

#include <chrono>

namespace scopsam
{
namespace
{

void
CheckMasks(const cv::Mat & prediction, const cv::Mat & truth, const cv::Mat & ignore)
{
  if (prediction.size() != truth.size() || prediction.type() != CV_8U || truth.type() != CV_8U ||
      (!ignore.empty() && (ignore.size() != truth.size() || ignore.type() != CV_8U)))
  {
    throw InputError("the click protocol needs a prediction, a truth (and an ignore mask) of one size, all 8-bit");
  }
}

/** `m` with contiguous rows, as scopsamProtocolClick.h reads masks (a copy only where it has gaps). */
cv::Mat
Contiguous(const cv::Mat & m)
{
  return m.empty() || m.isContinuous() ? m : m.clone();
}

SimulatedClick
ToSimulatedClick(const ProtocolClick & click)
{
  return SimulatedClick{ cv::Point(static_cast<int>(click.X), static_cast<int>(click.Y)), click.Label, click.Depth };
}

} // namespace

cv::Mat
ErrorRegion(const cv::Mat & prediction, const cv::Mat & truth, int label, const cv::Mat & ignore)
{
  CheckMasks(prediction, truth, ignore);
  cv::Mat predicted = prediction != 0, phase = truth != 0, region;
  region = label == 1 ? (phase & ~predicted) : (predicted & ~phase);
  if (!ignore.empty())
  {
    region.setTo(0, ignore != 0);
  }
  return region;
}

std::optional<SimulatedClick>
NextClick(const cv::Mat & prediction, const cv::Mat & truth, const std::vector<SimulatedClick> & clicked,
          const cv::Mat & ignore)
{
  CheckMasks(prediction, truth, ignore);
  // The rule itself is scopsamProtocolClick.h's, which the trainer's validation shares.
  const cv::Mat p = Contiguous(prediction), t = Contiguous(truth), i = Contiguous(ignore);
  std::vector<std::pair<std::int64_t, std::int64_t>> at;
  for (const auto & click : clicked)
  {
    at.emplace_back(click.Position.x, click.Position.y);
  }
  const auto next = NextProtocolClick(p.ptr<std::uint8_t>(), t.ptr<std::uint8_t>(), i.empty() ? nullptr : i.ptr<std::uint8_t>(),
                                      truth.cols, truth.rows, at);
  if (!next)
  {
    return std::nullopt;
  }
  return ToSimulatedClick(*next);
}

std::vector<cv::Point>
ScribbleThrough(const SimulatedClick & click, const cv::Mat & region)
{
  static const cv::Point directions[4] = { { 1, 0 }, { 0, 1 }, { 1, 1 }, { 1, -1 } };
  const cv::Rect         inside(0, 0, region.cols, region.rows);
  const auto             inRegion = [&](const cv::Point & p) { return p.inside(inside) && region.at<unsigned char>(p) != 0; };
  std::vector<cv::Point> best{ click.Position };
  for (const auto & d : directions) // each line both ways: the eight directions
  {
    // Grow both ways in turn while both stay inside; once one side leaves the region, the other goes on alone.
    std::vector<cv::Point> stroke{ click.Position };
    int                    forward = 0, backward = 0;
    bool                   forwardOpen = true, backwardOpen = true;
    while (static_cast<int>(stroke.size()) < ScribbleLength && (forwardOpen || backwardOpen))
    {
      const bool goForward = forwardOpen && (!backwardOpen || forward <= backward);
      const auto next = goForward ? click.Position + (forward + 1) * d : click.Position - (backward + 1) * d;
      if (!inRegion(next))
      {
        (goForward ? forwardOpen : backwardOpen) = false;
        continue;
      }
      if (goForward)
      {
        ++forward;
        stroke.push_back(next);
      }
      else
      {
        ++backward;
        stroke.insert(stroke.begin(), next);
      }
    }
    if (stroke.size() > best.size())
    {
      best = std::move(stroke);
    }
  }
  return best;
}

double
MaskIoU(const cv::Mat & prediction, const cv::Mat & truth, const cv::Mat & ignore)
{
  cv::Mat p = prediction != 0, t = truth != 0;
  if (!ignore.empty())
  {
    p.setTo(0, ignore != 0);
    t.setTo(0, ignore != 0);
  }
  const int together = cv::countNonZero(p | t);
  return together == 0 ? 1.0 : static_cast<double>(cv::countNonZero(p & t)) / together;
}

int
ProtocolRun::ClicksTo(double target) const
{
  for (std::size_t k = 0; k < IoU.size(); ++k)
  {
    if (IoU[k] >= target)
    {
      return static_cast<int>(k);
    }
  }
  return static_cast<int>(IoU.size()) - 1;
}

ProtocolRun
RunClickProtocol(const cv::Mat & truth, const cv::Mat & ignore, const cv::Mat & start, const PromptedSegmenter & segment,
                 const ProtocolOptions & options)
{
  if (options.MaximumClicks < 0 || options.MaximumClicks > 1000)
  {
    throw InputError("the click protocol takes 0 to 1000 clicks");
  }
  CheckMasks(start, truth, ignore);
  const cv::Mat               t = Contiguous(truth), i = Contiguous(ignore);
  ProtocolRun                 run;
  cv::Mat                     mask = Contiguous(start);
  std::vector<SimulatedClick> clicks;
  cv::Mat                     scribbles = cv::Mat::zeros(truth.size(), CV_8U);
  run.IoU.push_back(MaskIoU(mask, truth, ignore));
  // Each click of the protocol: the stroke through it (scribble mode), the prompted method's answer and its IoU.
  const auto answer = [&](const std::vector<ProtocolClick> & made) {
    const SimulatedClick & last = clicks.emplace_back(ToSimulatedClick(made.back()));
    if (options.Scribbles)
    {
      const cv::Mat region = ErrorRegion(mask, truth, last.Label, ignore);
      for (const auto & p : ScribbleThrough(last, region))
      {
        scribbles.at<unsigned char>(p) = last.Label == 1 ? 1 : 2;
      }
    }
    const auto    began = std::chrono::steady_clock::now();
    const cv::Mat given = options.Scribbles ? segment({}, scribbles) : segment(clicks, cv::Mat());
    run.Seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count());
    CheckMasks(given, truth, ignore);
    mask = Contiguous(given);
    run.IoU.push_back(MaskIoU(mask, truth, ignore));
    run.Drops += run.IoU.back() < run.IoU[run.IoU.size() - 2] - 0.001 ? 1 : 0;
    ++run.Clicks;
    return static_cast<const std::uint8_t *>(mask.ptr<std::uint8_t>());
  };
  // The loop and its clicks are scopsamProtocolClick.h's, which the trainer's validation runs too.
  RunProtocolClicks(mask.ptr<std::uint8_t>(), t.ptr<std::uint8_t>(), i.empty() ? nullptr : i.ptr<std::uint8_t>(),
                    truth.cols, truth.rows, options.MaximumClicks, answer);
  run.IoU.resize(static_cast<std::size_t>(options.MaximumClicks) + 1, run.IoU.back());
  return run;
}

} // namespace scopsam
