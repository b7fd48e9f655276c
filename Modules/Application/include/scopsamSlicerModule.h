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
#ifndef scopsamSlicerModule_h
#define scopsamSlicerModule_h

#include "SCoPSAMApplicationExport.h"
#include "scopsamVersion.h"

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <vector>

/** \file scopsamSlicerModule.h
 * \brief 3D Slicer CLI modules from one parameter description.
 *
 * A Slicer CLI module is an executable that describes itself as XML when run with `--xml` and otherwise takes the
 * arguments that description promises. Here one SlicerModule value is that description: it writes the XML (valid
 * against Slicer's ModuleDescription.xsd) and parses the command line, calling each parameter's setter, so the two
 * cannot disagree. The modules' main() functions fill the options of the scopsam Run functions with it: the same
 * code as the `scopsam` command line, no generated parser.
 * \ingroup SCoPSAMApplication
 */
namespace scopsam
{

/** One parameter of a Slicer CLI module. */
struct SlicerParameter
{
  /** The XML element: "integer", "float", "double", "boolean", "string", "string-enumeration", "point", "image",
   * "file", "table", "geometry". Images, files, tables and geometries are positional (Index); the rest are flags. */
  std::string Tag;
  std::string Name;        // identifier (Slicer's <name>), also the long flag: --Name
  std::string Label;       // what a person reads in the Slicer panel
  std::string Description; // tooltip
  std::string Default;     // flags only
  // Positional parameters:
  std::string Channel{ "input" }; // input or output
  int         Index{ -1 };
  bool        Required{ true };   // a positional that may be left unset (only the last ones)
  std::string Type;               // image type attribute: "scalar", "label", "vector"; point: coordinate system
  std::string FileExtensions;     // e.g. ".json"
  // Numbers:
  std::optional<double> Minimum, Maximum, Step;
  // Enumerations:
  std::vector<std::string> Elements;
  bool                     Multiple{ false }; // points: the flag may repeat (a Markups point list)
  /** Receives the argument's text (booleans: "true" when the flag is given). Numbers, ranges and enumerations are
   * checked before. */
  std::function<void(const std::string &)> Set;
};

struct SlicerParameterGroup
{
  std::string                  Label;
  std::string                  Description;
  std::vector<SlicerParameter> Parameters;
};

struct SlicerModule
{
  std::string                       Category{ "Segmentation.SCoP-SAM" };
  std::string                       Title;
  std::string                       Description;
  std::string                       Version{ scopsam::Version };
  std::string                       DocumentationURL{ "https://github.com/scopsam/ITKSCoPSAM" };
  std::string                       License{ "Apache 2.0" };
  std::string                       Contributor{ "SCoP-SAM contributors" };
  std::string                       Acknowledgements;
  std::vector<SlicerParameterGroup> Groups;

  /** The module description (`EXE --xml`). */
  std::string
  ToXML() const;
};

/** The whole main() of a Slicer CLI module: `--xml` prints the description and returns 0 (nothing else runs);
 * otherwise parses the arguments through the description, then calls `run`. Errors print one line on stderr.
 * Exit status as `scopsam`: 0 done, 2 bad usage or bad input, 1 anything else. */
SCoPSAMApplication_EXPORT int
RunSlicerModule(const SlicerModule & module, int argc, char ** argv, const std::function<void()> & run);

/** Runs a job of the `scopsam` command line - "priors" (PriorsOptions), "segment" (SegmentOptions) or "quantify"
 * (QuantifyOptions) - in the application plug-in, a shared library opened on first use. The Slicer CLI module
 * executables do not link LibTorch, whose start-up costs half a second: they answer `--xml` at once and load the
 * segmentation code only to run. Throws InputError (bad input) or std::runtime_error as the job does. */
SCoPSAMApplication_EXPORT void
RunInApplicationPlugin(const std::string & job, const void * options);

/** Writes Slicer's progress line for a fraction in [0, 1] on standard output. */
SCoPSAMApplication_EXPORT void
ReportSlicerProgress(double fraction);

/** A point Slicer passes ("x,y,z", physical, in the module's coordinate system) as a pixel index (column, row) of
 * the image in `file`; throws InputError when it lies outside. */
SCoPSAMApplication_EXPORT std::array<long, 2>
PhysicalPointToPixel(const std::string & point, const std::string & file);

/** The module descriptions; the executables SCoPSAMGradientPriorCLI, SCoPSAMGrayscalePriorCLI,
 * SCoPSAMSegmentationCLI and SCoPSAMQuantificationCLI are RunSlicerModule() on these. */
SCoPSAMApplication_EXPORT int
GradientPriorSlicerModule(int argc, char ** argv);
SCoPSAMApplication_EXPORT int
GrayscalePriorSlicerModule(int argc, char ** argv);
SCoPSAMApplication_EXPORT int
SegmentationSlicerModule(int argc, char ** argv);
SCoPSAMApplication_EXPORT int
QuantificationSlicerModule(int argc, char ** argv);

} // namespace scopsam

#endif
