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
#ifndef scopsamCommandLine_h
#define scopsamCommandLine_h

#include "SCoPSAMApplicationExport.h"

/** \file scopsamCommandLine.h
 * \brief The whole `scopsam` command line: each subcommand registers its own options.
 * \ingroup SCoPSAMApplication
 */
namespace scopsam
{

/** The whole command line: parses `argv`, runs the subcommand, prints one line on stderr on failure, and returns
 * the exit status (0 done, 2 bad usage or input, 1 anything else). */
SCoPSAMApplication_EXPORT int
RunCommandLine(int argc, char ** argv);

} // namespace scopsam

#endif
