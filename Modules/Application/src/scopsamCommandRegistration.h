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
#ifndef scopsamCommandRegistration_h
#define scopsamCommandRegistration_h

#include "scopsamPriorParameters.h"

#include <functional>
#include <string>

namespace CLI
{
class App;
}

/** \file scopsamCommandRegistration.h
 * \brief How the subcommands of `scopsam` join the command line (private to the application library).
 *
 * Each scopsamCommand<Name>.cxx registers its own subcommand: Register<Name>Command() adds the subcommand and its
 * options to the CLI11 application, keeps the parsed values, and returns what runs when the subcommand was chosen.
 * RunCommandLine() (scopsamCommandLine.cxx) only lists the registrations, parses and maps failures to exit statuses.
 * \ingroup SCoPSAMApplication
 */
namespace scopsam
{

struct MeasureOptions;

/** A registered subcommand: its CLI11 subcommand, and its job (run after parsing when it was chosen). */
struct Subcommand
{
  CLI::App *            Command{ nullptr };
  std::function<void()> Run;
};

Subcommand
RegisterPriorsCommand(CLI::App & app);
Subcommand
RegisterSegmentCommand(CLI::App & app);
Subcommand
RegisterQuantifyCommand(CLI::App & app);
Subcommand
RegisterInitModelCommand(CLI::App & app);
Subcommand
RegisterImportSAMCommand(CLI::App & app);
Subcommand
RegisterCheckModelCommand(CLI::App & app);
/** `commandLine`, the whole command as typed, is recorded in the model file. */
Subcommand
RegisterTrainCommand(CLI::App & app, const std::string & commandLine);
Subcommand
RegisterFinetuneCommand(CLI::App & app, const std::string & commandLine);
Subcommand
RegisterSynthCommand(CLI::App & app);
Subcommand
RegisterEvaluateCommand(CLI::App & app);
Subcommand
RegisterBaselineCommand(CLI::App & app);
Subcommand
RegisterBenchCommand(CLI::App & app);

/** The options of how particles are measured, shared by `quantify` and `segment --stats` (scopsamCommandQuantify.cxx). */
void
AddMeasureOptions(CLI::App * command, MeasureOptions & measure);

/** An option's help text with the range of a prior parameter: "TEXT, in [0.5, 32] pixels". */
inline std::string
WithRange(const std::string & text, const PriorParameterRange & range)
{
  return text + ", " + range.Requirement();
}

} // namespace scopsam

#endif
