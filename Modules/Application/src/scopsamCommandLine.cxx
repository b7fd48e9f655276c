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
#include "scopsamCommandLine.h"
#include "scopsamCommandRegistration.h"
#include "scopsamFrontEnd.h"
#include "scopsamVersion.h"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <iostream>
#include <vector>

namespace scopsam
{

int
RunCommandLine(int argc, char ** argv)
{
  CLI::App app{ "SCoP-SAM: intermediate phases in alloy micrographs.\n"
                "Exit status: 0 done, 2 bad usage or bad input, 1 anything else.",
                "scopsam" };
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("scopsam ") + Version);
  double memoryBudget = 0.0; // GiB; 0: SCOPSAM_MEMORY_BUDGET or the default (scopsam::GetWholeImageMemoryBudget())
  app.add_option("--memory-budget", memoryBudget,
                 "GiB a file read whole (PNG, TIFF, JPEG, BMP) may take; default 8, or SCOPSAM_MEMORY_BUDGET")
    ->check(CLI::Range(0.001, 1e6));
  std::string commandLine;
  for (int i = 0; i < argc; ++i)
  {
    commandLine += (i ? " " : "") + std::string(argv[i]);
  }
  // In the order `scopsam --help` lists them.
  const std::vector<Subcommand> subcommands{
    RegisterPriorsCommand(app),    RegisterSegmentCommand(app),
    RegisterQuantifyCommand(app),  RegisterInitModelCommand(app),
    RegisterImportSAMCommand(app), RegisterCheckModelCommand(app),
    RegisterTrainCommand(app, commandLine), RegisterFinetuneCommand(app, commandLine),
    RegisterSynthCommand(app),     RegisterEvaluateCommand(app),
    RegisterBenchCommand(app),     RegisterBaselineCommand(app),
  };

  try
  {
    app.parse(argc, argv);
  }
  catch (const CLI::CallForHelp & e)
  {
    return app.exit(e);
  }
  catch (const CLI::CallForAllHelp & e)
  {
    return app.exit(e);
  }
  catch (const CLI::CallForVersion & e)
  {
    return app.exit(e);
  }
  catch (const CLI::ParseError & e)
  {
    std::cerr << "scopsam: " << OneLine(e.what()) << " (see scopsam --help)" << std::endl;
    return ExitBadInput;
  }
  return RunReportingFailure("scopsam", [&] {
    // For this run only (the command line also runs in-process, in the tests and the plug-in).
    struct RestoredBudget
    {
      std::uint64_t Bytes{ GetWholeImageMemoryBudget() };
      ~RestoredBudget() { SetWholeImageMemoryBudget(Bytes); }
    } const restored;
    if (memoryBudget > 0.0)
    {
      SetWholeImageMemoryBudget(static_cast<std::uint64_t>(memoryBudget * 1073741824.0));
    }
    for (const auto & subcommand : subcommands)
    {
      if (*subcommand.Command)
      {
        subcommand.Run();
        // What went to standard output (a table, a report, JSON) must have arrived: a full disk or a closed file
        // behind it is a failure, not a success with nothing written.
        if (!std::cout.flush())
        {
          throw InputError("cannot write to standard output (a full disk, or a file that cannot be written)");
        }
        return;
      }
    }
  });
}

} // namespace scopsam
