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
// The application plug-in: the jobs of the `scopsam` command line behind a C entry point, in a shared library that
// the Slicer CLI module executables open only when they run a job (see RunInApplicationPlugin()).
#include "scopsamCommandPriors.h"
#include "scopsamCommandQuantify.h"
#include "scopsamCommandSegment.h"
#include "scopsamFrontEnd.h"
#include "scopsamSlicerModule.h"

#include <cstring>

namespace
{

void
Copy(const std::string & text, char * message, std::size_t capacity)
{
  if (capacity > 0)
  {
    std::strncpy(message, text.c_str(), capacity - 1);
    message[capacity - 1] = '\0';
  }
}

} // namespace

/** Runs `job` on `options` (the job's option structure). Returns 0 when done, 2 on bad input, 1 on anything else,
 * with the one-line message in `message`. Nothing is thrown across this boundary. */
extern "C" __attribute__((visibility("default"))) int
scopsam_run_job(const char * job, const void * options, char * message, std::size_t capacity)
{
  try
  {
    const std::string name = job;
    if (name == "priors")
    {
      scopsam::RunPriors(*static_cast<const scopsam::PriorsOptions *>(options));
    }
    else if (name == "segment")
    {
      scopsam::RunSegment(*static_cast<const scopsam::SegmentOptions *>(options));
    }
    else if (name == "quantify")
    {
      auto * quantify = static_cast<scopsam::QuantifyJob *>(const_cast<void *>(options));
      quantify->Fields = scopsam::RunQuantify(quantify->Options);
    }
    else
    {
      Copy("the application plug-in has no job '" + name + "'", message, capacity);
      return scopsam::ExitFailure;
    }
    return scopsam::ExitDone;
  }
  catch (...)
  {
    std::string text;
    const int   status = scopsam::ExitStatusOf(std::current_exception(), text);
    Copy(text, message, capacity);
    return status;
  }
}
