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
#ifndef scopsamPrompts_h
#define scopsamPrompts_h

#include <cstddef>
#include <vector>

/** \file scopsamPrompts.h
 * \brief A user's prompts in pixel indices of the whole image: clicks and a region of interest.
 * \ingroup SCoPSAMModel
 */
namespace scopsam
{

/** A click: pixel index (X the column, Y the row, 0-based, of the whole image) and label (1 "this phase", 0 "not
 * this"). A click steers every tile: it becomes an appearance token, and a point token where it falls in a tile. */
struct Click
{
  double X{ 0 };
  double Y{ 0 };
  int    Label{ 1 };
};

/** A region of interest in pixel indices, inclusive corners: the phase is segmented inside, nothing outside. */
struct Box
{
  double X0{ 0 }, Y0{ 0 }, X1{ 0 }, Y1{ 0 };
};

/** A pixel index whose magnitude exceeds this (2^40) lies beyond any image: parsers and bindings refuse it before
 * it becomes an itk::IndexValueType, so that no arithmetic on prompts can overflow. */
constexpr double BeyondAnyImage = 1099511627776.0;

/** The most clicks one segmentation takes. A click labels a window around it for the test-time adaptation (at most
 * (2 x 513 + 1)^2 pixels, scopsam::ClickLabels()), so this many bound what clicks cost on any micrograph. The
 * click protocol of scopsam bench stops at 20 (RITM's rule); scribbles carry labels in bulk. */
constexpr std::size_t MaximumClicks = 256;

struct Prompts
{
  std::vector<Click> Clicks;
  bool               HasBox{ false };
  Box                Region;
};

} // namespace scopsam

#endif
