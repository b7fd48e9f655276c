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
// Fuzz harness of the argument parsers every front end shares (scopsamFrontEnd.h): number lists, pixel indices,
// clicks (--points), boxes (--box), polarities. Input: one byte that picks the parser, then the argument's text.
// A scopsam::InputError is the expected answer to text a parser does not understand; a crash, another exception,
// or a value that breaks the parser's promise (a NaN, a label other than 0 or 1, a box whose corners are out of
// order, an index beyond +-2^40) is a finding.
#include "scopsamFrontEnd.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace
{
void
Require(bool promise)
{
  if (!promise)
  {
    std::abort();
  }
}

bool
IsIndex(double v)
{
  return std::isfinite(v) && std::abs(v) <= 1099511627776.0;
}
} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t * data, std::size_t size)
{
  if (size < 1)
  {
    return 0;
  }
  const std::string text(reinterpret_cast<const char *>(data + 1), size - 1);
  try
  {
    switch (data[0] % 5)
    {
      case 0:
        for (const double v : scopsam::ParseNumbers(text, "--scales"))
        {
          Require(std::isfinite(v));
        }
        break;
      case 1:
        for (const double v : scopsam::ParsePixelIndices(text, "--index"))
        {
          Require(IsIndex(v));
        }
        break;
      case 2:
        for (const auto & point : scopsam::ParsePoints(text))
        {
          Require(IsIndex(point.X) && IsIndex(point.Y) && (point.Label == 0 || point.Label == 1));
        }
        break;
      case 3:
      {
        const auto box = scopsam::ParseBox(text);
        Require(IsIndex(box[0]) && IsIndex(box[1]) && IsIndex(box[2]) && IsIndex(box[3]) && box[0] <= box[2] &&
                box[1] <= box[3]);
        break;
      }
      default:
        scopsam::PolarityArgument(text);
    }
  }
  catch (const scopsam::InputError &)
  {
    // text the parser does not understand: one clear line
  }
  return 0;
}
