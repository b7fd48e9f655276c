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
#ifndef scopsamFrontEnd_h
#define scopsamFrontEnd_h

#include "itkMacro.h"
#include "scopsamErrors.h"
#include "scopsamImageIO.h"
#include "scopsamPriorParameters.h"
#include "scopsamPrompts.h"
#include "scopsamThreadSettings.h"

#include <array>
#include <exception>
#include <functional>
#include <iostream>
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

/** \file scopsamFrontEnd.h
 * \brief What every front end shares: the exit status of a failure, and the parsing of list and polarity arguments.
 *
 * The `scopsam` command line, the 3D Slicer CLI modules and the application plug-in they open report a failure
 * the same way (DESIGN section 6): exit status 0 done, 2 bad usage or bad input (scopsam::InputError), 1 anything
 * else, with one line for the user. Everything here is inline: the Slicer module executables use it without linking
 * the application library (and LibTorch with it).
 * \ingroup SCoPSAMApplication
 */
namespace scopsam
{

constexpr int ExitDone = 0;
constexpr int ExitFailure = 1;
constexpr int ExitBadInput = 2;

/** The one mapping of a failure to an exit status: InputError is bad usage or input (2), anything else - an ITK
 * exception, any other exception - is 1. `message` receives the failure on one line (ITK's class prefix removed). */
inline int
ExitStatusOf(const std::exception_ptr & failure, std::string & message)
{
  try
  {
    std::rethrow_exception(failure);
  }
  catch (const InputError & e)
  {
    message = OneLine(e.what());
    return ExitBadInput;
  }
  catch (const itk::ExceptionObject & e)
  {
    message = ExceptionMessage(e);
    return ExitFailure;
  }
  catch (const std::exception & e)
  {
    message = OneLine(e.what());
    return ExitFailure;
  }
  catch (...)
  {
    message = "unknown failure";
    return ExitFailure;
  }
}

/** Runs `job` and returns its exit status; on a failure, writes "<who>: <message>" on stderr (ExitStatusOf()). */
inline int
RunReportingFailure(const std::string & who, const std::function<void()> & job)
{
  try
  {
    job();
    return ExitDone;
  }
  catch (...)
  {
    std::string message;
    const int   status = ExitStatusOf(std::current_exception(), message);
    std::cerr << who << ": " << message << std::endl;
    return status;
  }
}

/** Whether `text` is a decimal number as a person writes one: optional spaces, an optional sign, digits with at most
 * one decimal point (at least one digit), an optional exponent (`e` or `E`, optional sign, digits), optional spaces.
 * Hexadecimal ("0x10"), "inf", "nan" and empty items are not. */
inline bool
IsDecimalNumber(const std::string & text)
{
  std::size_t i = text.find_first_not_of(' ');
  if (i == std::string::npos)
  {
    return false;
  }
  const auto digits = [&] {
    const std::size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9')
    {
      ++i;
    }
    return i - start;
  };
  if (text[i] == '+' || text[i] == '-')
  {
    ++i;
  }
  std::size_t mantissa = digits();
  if (i < text.size() && text[i] == '.')
  {
    ++i;
    mantissa += digits();
  }
  if (mantissa == 0)
  {
    return false;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E'))
  {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-'))
    {
      ++i;
    }
    if (digits() == 0)
    {
      return false;
    }
  }
  return text.find_first_not_of(' ', i) == std::string::npos;
}

/** The numbers of a comma-separated list ("1,2.5,4"); InputError naming `what` when an item is not a finite decimal
 * number (IsDecimalNumber(): NaN, infinities, hexadecimal and empty items are refused here, so no caller converts
 * one to an integer). An empty text is an empty list. */
inline std::vector<double>
ParseNumbers(const std::string & text, const std::string & what)
{
  std::vector<double> values;
  if (text.empty())
  {
    return values;
  }
  std::size_t begin = 0;
  while (true)
  {
    const std::size_t end = text.find(',', begin);
    const std::string item = text.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
    double            value = 0;
    try
    {
      value = IsDecimalNumber(item) ? std::stod(item) : std::nan("");
    }
    catch (const std::out_of_range &)
    {
      value = std::nan(""); // beyond double's range
    }
    if (!std::isfinite(value))
    {
      throw InputError(what + ": '" + item + "' is not a finite number");
    }
    values.push_back(value);
    if (end == std::string::npos)
    {
      return values;
    }
    begin = end + 1;
  }
}

/** ParseNumbers() for pixel indices: each value also within +-BeyondAnyImage (scopsamPrompts.h), so that it
 * converts to an image index exactly (the filter then checks it against the image). */
inline std::vector<double>
ParsePixelIndices(const std::string & text, const std::string & what)
{
  auto values = ParseNumbers(text, what);
  for (const double v : values)
  {
    if (std::abs(v) > BeyondAnyImage)
    {
      throw InputError(what + ": " + std::to_string(v) + " lies beyond any image");
    }
  }
  return values;
}

/** A click of `--points`: a pixel position and its label (1 this phase, 0 not this phase). */
struct PointArgument
{
  double X{ 0 };
  double Y{ 0 };
  int    Label{ 1 };
};

/** `--points "x,y,label;x,y,label"`: every item three numbers (pixel indices, ParsePixelIndices()) with label 0 or 1.
 * An empty text is no click; an empty item (";;", a trailing ";") is an InputError, as is anything else. */
inline std::vector<PointArgument>
ParsePoints(const std::string & text, const std::string & what = "--points")
{
  std::vector<PointArgument> points;
  if (text.empty())
  {
    return points;
  }
  std::size_t begin = 0;
  while (true)
  {
    const std::size_t end = text.find(';', begin);
    const std::string item = text.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
    const auto        v = ParsePixelIndices(item, what);
    if (v.size() != 3 || (v[2] != 0.0 && v[2] != 1.0))
    {
      throw InputError(what + " takes \"x,y,label;...\" with label 1 (this phase) or 0 (not this phase), got '" + item +
                       "'");
    }
    points.push_back({ v[0], v[1], static_cast<int>(v[2]) });
    if (end == std::string::npos)
    {
      return points;
    }
    begin = end + 1;
  }
}

/** `--box x0,y0,x1,y1` in pixel indices (ParsePixelIndices()), x0 <= x1 and y0 <= y1; the filter checks it against
 * the image. */
inline std::array<double, 4>
ParseBox(const std::string & text, const std::string & what = "--box")
{
  const auto b = ParsePixelIndices(text, what);
  if (b.size() != 4 || b[2] < b[0] || b[3] < b[1])
  {
    throw InputError(what + " takes x0,y0,x1,y1 inside the image with x0 <= x1 and y0 <= y1, got '" + text + "'");
  }
  return { b[0], b[1], b[2], b[3] };
}

/** A --threshold a user gave: a probability in [0, 1], or -1 for the model's stored threshold (the default). */
inline void
CheckThresholdArgument(double threshold)
{
  if (!(threshold == -1.0 || (threshold >= 0.0 && threshold <= 1.0)))
  {
    throw InputError("--threshold must be in [0, 1] (or -1: the model's stored threshold)");
  }
}

/** Every --threads is in [0, MaximumThreadsArgument] (scopsamThreadSettings.h, 0: all cores). */
inline void
CheckThreadsArgument(int threads, const std::string & what = "--threads")
{
  if (threads < 0 || threads > MaximumThreadsArgument)
  {
    throw InputError(what + " must be in [0, " + std::to_string(MaximumThreadsArgument) + "] (0: all cores), got " +
                     std::to_string(threads));
  }
}

/** A polarity a user gave (scopsam::ParsePolarity()); an unknown name is an InputError (bad usage, exit status 2). */
inline Polarity
PolarityArgument(const std::string & name)
{
  try
  {
    return ParsePolarity(name);
  }
  catch (const std::invalid_argument & e)
  {
    throw InputError(e.what());
  }
}

} // namespace scopsam

#endif
