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
#ifndef scopsamCommands_h
#define scopsamCommands_h

/** \file scopsamCommands.h
 * \brief Every subcommand of `scopsam`, for a program that runs them all (the tests).
 *
 * Each subcommand has its own header (scopsamCommand<Name>.h) with its options and its Run function; a front end
 * includes the ones it runs, and scopsamFrontEnd.h for the exit statuses.
 * \ingroup SCoPSAMApplication
 */
#include "scopsamCommandBench.h"
#include "scopsamCommandEvaluate.h"
#include "scopsamCommandLine.h"
#include "scopsamCommandModel.h"
#include "scopsamCommandPriors.h"
#include "scopsamCommandQuantify.h"
#include "scopsamCommandSegment.h"
#include "scopsamCommandSynth.h"
#include "scopsamCommandTrain.h"
#include "scopsamFrontEnd.h"

#endif
