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
#ifndef scopsamCommandSegment_h
#define scopsamCommandSegment_h

#include "SCoPSAMApplicationExport.h"
#include "scopsamCommandQuantify.h"

#include <functional>
#include <string>
#include <vector>

/** \file scopsamCommandSegment.h
 * \brief `scopsam segment`: the phase mask of a micrograph or of a folder of micrographs.
 * \ingroup SCoPSAMApplication
 */
namespace scopsam
{

/** `scopsam segment INPUT OUTPUT`: the phase mask of a micrograph (or of every image of a folder). */
struct SegmentOptions
{
  std::string Input;       // an image or a folder of images
  std::string Output;      // a mask file (8-bit, 0 / InsideValue) or a folder
  std::string Model;       // a model file; empty: the default model embedded in the library
  std::string Points;      // "x,y,label;x,y,label": pixel indices (x the column), label 1 or 0
  std::string Box;         // "x0,y0,x1,y1": region of interest, pixel indices, inclusive
  std::string Labels;      // scribbles: a label image, 1 this phase, 2 not this phase, 3 excluded, 0 unlabelled
  bool        PromptsOnly{ false }; // the clicks and scribbles alone define the phase (PhasePrompts::Alone)
  std::string PreviousMask; // the mask the clicks and scribbles move (the filter's SetPreviousMask), non-zero = phase
  bool        NetworkClicks{ false }; // clicks go to the network's click path too (the filter's SetNetworkClicks)
  std::string SaveAdaptation; // write what the clicks and scribbles taught (JSON) here
  std::string Adaptation;  // apply this saved adaptation (to one image or a folder), without prompts
  std::string Exclude;     // a mask of regions to ignore (non-zero), e.g. a data bar
  std::string Probability; // also write the probability (float image, or a folder with a folder input)
  std::string Overlay;     // also write an overlay picture (PNG, or a folder with a folder input)
  std::string Device{ "cpu" };
  bool        Half{ false };
  int         TileSize{ 0 };
  int         Overlap{ -1 };
  int         BatchSize{ 4 };
  int         Threads{ 0 };
  double      Threshold{ -1.0 }; // -1: the model's stored threshold
  double      Scale{ 1.0 };        // the network sees the micrograph resampled by this factor (see the model card)
  int         InsideValue{ 255 };
  bool        Progress{ false }; // a progress bar on stderr
  std::function<void(double)> ReportProgress; // also called with the fraction done, when set
  std::string Stats;       // also measure the phase: this JSON and the files beside it (QuantificationOutputsBeside)
  MeasureOptions Measure;  // how, with Stats
};
/** Returns the masks written; beside each (folder input) a provenance file <name>.json. */
SCoPSAMApplication_EXPORT std::vector<std::string>
RunSegment(const SegmentOptions & options);

} // namespace scopsam

#endif
