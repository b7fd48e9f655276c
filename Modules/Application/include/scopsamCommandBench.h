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
#ifndef scopsamCommandBench_h
#define scopsamCommandBench_h

#include "SCoPSAMApplicationExport.h"
#include "scopsamMetrics.h"

#include <cstdint>
#include <string>
#include <vector>

/** \file scopsamCommandBench.h
 * \brief `scopsam bench`: the accuracy table of every method on datasets.
 * \ingroup SCoPSAMApplication
 */
namespace scopsam
{

/** `scopsam bench DATASET...`: the accuracy table of DESIGN section 5 for each dataset - SCoP-SAM automatic, with
 * 1 and with 3 positive clicks (drawn from the ground truth's interior with a fixed seed), the same network with its
 * priors off, Otsu and adaptive thresholding; mean per-image IoU, Dice, precision, recall, boundary F, object F1 and
 * seconds per megapixel (wall clock of the whole method on this machine: priors and network, or the threshold).
 *
 * With ProtocolClicks (`--clicks 20`), also the interactive tables of each set: RITM's protocol (NextClick(), all
 * clicks kept) from the automatic mask, for SCoP-SAM's clicks and scribbles (through the segmentation filter's
 * adaptation, the network encoded once per image) and for the ilastik-style baseline (a random forest on the
 * classical filter bank, from an empty mask, driven by the same protocol): mIoU after 0, 1, 3, 5, 10 and
 * ProtocolClicks clicks, NoC@85 and NoC@90, the share of clicks that do not lower IoU by more than 0.001, seconds
 * per click; and the carry table: each image adapted with CarryClicks protocol clicks (and, separately, scribbles),
 * applied to the set's other images. With PromptsOnly (`--prompts-only`) SCoP-SAM's prompts alone define the
 * phase (scopsam::PhasePrompts::Alone), as a user says for a phase that is not the network's target. Each
 * protocol mask goes back to the filter with the next prompts (its previous mask, scopsam::StepFromPrevious()), as an
 * interactive loop passes it and SAM's iterative evaluation feeds the previous mask (Documentation/results.md,
 * "Steady steps"); with NoPreviousMasks (`--no-previous-masks`) each step starts from its prompts alone. */
struct BenchOptions
{
  std::vector<std::string> Datasets;     // dataset folders (DESIGN section 4 layout, or image/ + label/)
  std::string              Split;        // empty: the test split where there is one, else every image
  std::string              Model;        // empty: the embedded default model
  std::string              PriorOffModel; // the prior-off network trained with the same budget; empty: row left out
  std::uint64_t            Seed{ 2026 }; // of the simulated clicks
  double                   Threshold{ -1.0 }; // -1: the model's stored threshold
  int                      Threads{ 0 };
  std::string              Device{ "cpu" };
  std::string              Markdown, JSON; // where to write the tables
  EvaluationOptions        Metrics;
  bool                     Progress{ false };
  int                      ProtocolClicks{ 0 }; // > 0: the interactive tables (RITM's protocol, up to this many clicks)
  int                      CarryClicks{ 5 };    // with ProtocolClicks: adaptations from this many clicks carried to the
                                                // set's other images
  bool                     PromptsOnly{ false }; // with ProtocolClicks: SCoP-SAM's prompts alone define the phase
  bool                     NoPreviousMasks{ false }; // with ProtocolClicks: no mask goes back with the next prompts
  bool                     NetworkClicks{ false }; // with ProtocolClicks: clicks go to the network too
};
/** One prompted method through the click protocol on a set: means over images. */
struct InteractiveRow
{
  std::string         Method;
  std::vector<double> MeanIoU; // after k = 0 .. ProtocolClicks clicks
  double              NoC85{ 0 }, NoC90{ 0 };
  double              Steady{ 0 };         // fraction of clicks after which IoU did not fall by more than 0.001
  double              SecondsPerClick{ 0 }; // mean wall time of one prompted call
  std::vector<std::vector<double>> IoU; // per image of the table (BenchTable::Images): IoU after k = 0 .. ProtocolClicks clicks
};
/** An adaptation made on each image in turn and applied to the set's other images: mean over sources of the mean IoU
 * over targets, and the automatic IoU of the same targets. */
struct CarryRow
{
  std::string Method;
  double      IoU{ 0 };
  double      AutomaticIoU{ 0 };
};
struct BenchRow
{
  std::string         Method;
  SegmentationMetrics Mean; // per-image means, SecondsPerMegapixel included
  double              PredictedIoU{ -1.0 }; // mean of the network's IoU head over the images (where IoUHead is set)
  double              IoUHeadError{ -1.0 }; // mean |predicted IoU - true IoU| over the images
  std::string         IoUHead;              // "trained" or "untrained" (ModelConfig::IoUHeadTrained); empty: a baseline
};
struct BenchTable
{
  std::string                 Dataset;
  std::vector<std::string>    Images; // the set's images (names), in the order of every per-image list
  std::vector<BenchRow>       Rows;
  std::vector<InteractiveRow> Interactive; // with ProtocolClicks > 0
  std::vector<CarryRow>       Carry;       // with ProtocolClicks > 0 and at least two images
};
SCoPSAMApplication_EXPORT std::vector<BenchTable>
RunBench(const BenchOptions & options);
/** The tables as Markdown, one per dataset, with the settings that made them. */
SCoPSAMApplication_EXPORT std::string
BenchToMarkdown(const std::vector<BenchTable> & tables, const BenchOptions & options);

} // namespace scopsam

#endif
