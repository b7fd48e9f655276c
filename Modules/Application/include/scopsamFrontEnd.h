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

/** The numbers of a comma-separated list ("1,2.5,4"); InputError naming `what` when an item is not a finite number
 * (NaN and infinities are refused here, so no caller converts one to an integer). */
inline std::vector<double>
ParseNumbers(const std::string & text, const std::string & what)
{
  std::vector<double> values;
  std::stringstream   in(text);
  for (std::string item; std::getline(in, item, ',');)
  {
    try
    {
      std::size_t used = 0;
      values.push_back(std::stod(item, &used));
      if (item.find_first_not_of(' ', used) != std::string::npos || !std::isfinite(values.back()))
      {
        throw std::invalid_argument(item);
      }
    }
    catch (const std::exception &)
    {
      throw InputError(what + ": '" + item + "' is not a finite number");
    }
  }
  return values;
}

/** ParseNumbers() for pixel indices: each value also within +-2^40, so that it converts to an image index exactly
 * (the filter then checks it against the image). */
inline std::vector<double>
ParsePixelIndices(const std::string & text, const std::string & what)
{
  auto values = ParseNumbers(text, what);
  for (const double v : values)
  {
    if (std::abs(v) > 1099511627776.0)
    {
      throw InputError(what + ": " + std::to_string(v) + " lies beyond any image");
    }
  }
  return values;
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
