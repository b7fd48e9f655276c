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
#include "scopsamCommandQuantify.h"
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

/** One parameter of a Slicer CLI module.
 *
 * Slicer's rules (vtkSlicerCLIModuleLogic builds the command line): an indexed (positional) parameter is always
 * passed, and Slicer refuses to start a module while an indexed image or file is unassigned; a flagged parameter is
 * passed only when it has a value. So a required image, file, table or geometry is indexed and an optional one is a
 * long flag (`--Name`), and every other parameter is a flag. A number, boolean or string whose Channel is "output" is
 * a return parameter: never passed, its value (Get) written after the run to the file Slicer names with
 * `--returnparameterfile`, and shown in the module's panel. */
struct SlicerParameter
{
  /** The XML element: "integer", "float", "double", "boolean", "string", "string-enumeration", "point", "region",
   * "image", "file", "table", "geometry". */
  std::string Tag;
  std::string Name;        // identifier (Slicer's <name>), also the long flag: --Name
  std::string Label;       // what a person reads in the Slicer panel
  std::string Description; // tooltip
  std::string Default;     // flags only
  std::string Channel{ "input" }; // images, files, tables, geometries: input or output; other tags: output = returned
  int         Index{ -1 };        // required images, files, tables, geometries: their place
  bool        Required{ true };   // images, files, tables, geometries: false makes them flags
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
  /** Return parameters: the value after the run. */
  std::function<std::string()> Get;

  /** An image, file, table or geometry: a file that Slicer writes or reads. */
  bool
  IsFile() const
  {
    return Tag == "image" || Tag == "file" || Tag == "table" || Tag == "geometry";
  }
  /** Passed by place, not by flag. */
  bool
  IsIndexed() const
  {
    return IsFile() && Required;
  }
  /** A value the module returns to Slicer. */
  bool
  IsReturned() const
  {
    return !IsFile() && Channel == "output";
  }
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

/** The quantification job of the plug-in: its options in, the fields it measured out (the module's return
 * parameters). */
struct QuantifyJob
{
  QuantifyOptions                Options;
  std::vector<FieldMeasurements> Fields;
};

/** Runs a job of the `scopsam` command line - "priors" (PriorsOptions), "segment" (SegmentOptions) or "quantify"
 * (QuantifyJob) - in the application plug-in, a shared library opened on first use. The Slicer CLI module
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
