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

#include "SCoPSAMApplicationExport.h"
#include "scopsamBaselines.h"
#include "scopsamMetrics.h"
#include "scopsamModelConfig.h"
#include "scopsamPhaseMeasurements.h"
#include "scopsamErrors.h"
#include "scopsamSyntheticMicrograph.h"

#include <cstdint>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

/** \file scopsamCommands.h
 * \brief The subcommands of `scopsam`, as functions with their options (DESIGN section 6).
 *
 * The command line (scopsam.cxx) and the 3D Slicer CLI modules parse arguments into these structures and call
 * these functions: one implementation per job. Every function throws scopsam::InputError for bad usage or bad
 * input (exit status 2) and writes its outputs atomically.
 * \ingroup SCoPSAMApplication
 */
namespace scopsam
{

/** `scopsam priors INPUT PREFIX`: both priors of an image. */
struct PriorsOptions
{
  std::string         Input;
  std::string         Prefix;          // PREFIX_gradient.FORMAT, PREFIX_grayscale.FORMAT (may be empty when one of
  std::string         GradientOutput;  //   these two names the file of that prior instead; an empty one and an
  std::string         GrayscaleOutput; //   empty prefix: that prior is not written)
  std::string         Format{ "mha" }; // mha, nrrd or nii: float, streamed
  bool                Previews{ false }; // also 8-bit PNG per channel
  std::vector<double> Scales{ 1.0, 2.0, 4.0 };
  double              IntegrationScale{ 2.0 };
  double              MagnitudeScale{ 0.05 };
  unsigned int        WindowRadius{ 15 };
  double              Epsilon{ 0.02 };
  double              ContrastScale{ 2.0 };
  double              GlobalScale{ 0.1 };
  std::string         Polarity{ "both" };
  unsigned int        StreamDivisions{ 0 }; // 0: automatic, pieces of about 2^19 pixels
  unsigned int        Threads{ 0 }; // 0: ITK's default
  std::function<void(double)> ReportProgress; // called with the fraction done, when set
};
/** Writes PREFIX_gradient.<format> (magnitude, coherence) and PREFIX_grayscale.<format> (local, global), each a
 * two-component float image; with Previews also PREFIX_<prior>_<channel>.png. Returns the paths written. */
SCoPSAMApplication_EXPORT std::vector<std::string>
RunPriors(const PriorsOptions & options);

/** `scopsam synth FOLDER`: a synthetic dataset. */
SCoPSAMApplication_EXPORT void
RunSynth(const std::string & folder, const SyntheticDatasetParameters & parameters);

/** `scopsam evaluate PREDICTION TRUTH`. */
struct EvaluateOptions
{
  std::string       Prediction; // a mask file or a folder of masks named like the truth
  std::string       Truth;      // a mask file, a folder of masks or a dataset folder
  std::string       Split;      // with a dataset: train, val or test
  std::string       Exclude;    // a mask of pixels that do not count (one file for all images)
  std::string       Markdown, JSON, CSV;
  EvaluationOptions Metrics;
};
SCoPSAMApplication_EXPORT EvaluationSummary
RunEvaluate(const EvaluateOptions & options);

/** `scopsam baseline INPUT OUTPUT`. */
struct BaselineCommandOptions
{
  std::string     Input;  // an image, a folder of images or a dataset
  std::string     Output; // a file when Input is a file, else a folder
  std::string     Split;
  BaselineOptions Baseline;
};
/** Returns the masks written. */
SCoPSAMApplication_EXPORT std::vector<std::string>
RunBaseline(const BaselineCommandOptions & options);

/** How particles are measured; shared by `scopsam quantify` and `scopsam segment --stats`. */
struct MeasureOptions
{
  double      PixelSize{ 0.0 };            // micrometres per pixel; 0: a trustworthy file calibration, else pixels
  std::size_t MinimumParticlePixels{ 4 };  // smaller components are noise, removed from every figure
  bool        ExcludeBorderParticles{ false };
};

/** The files a quantification writes (empty: not written). With several fields, Overlay, Outlines and MaskVTI
 * name folders that receive one file per field; the JSON, the CSV and the plots cover all fields together. */
struct QuantificationOutputs
{
  std::string JSON;       // the summary (scopsam::MeasurementsToJSON); "-": standard output
  std::string CSV;        // one row per particle
  std::string Histogram;  // size histogram (SVG)
  std::string Cumulative; // cumulative size distribution (SVG)
  std::string Overlay;    // the micrograph with the phase outlined (PNG; needs the micrograph)
  std::string Outlines;   // particle outlines with their measurements (.vtp)
  std::string MaskVTI;    // the mask as VTK image data (.vti)
};
/** The outputs `segment --stats FILE.json` writes: FILE.json, FILE_particles.csv, FILE_histogram.svg,
 * FILE_cumulative.svg, FILE_outlines.vtp and FILE_mask.vti (the overlay is segment's own --overlay). */
SCoPSAMApplication_EXPORT QuantificationOutputs
QuantificationOutputsBeside(const std::string & json);

/** `scopsam quantify MASK [IMAGE]`: measures the phase of a mask, or of every mask of a folder (the fields of one
 * sample, with statistics over fields). IMAGE (a micrograph, or a folder of micrographs named like the masks)
 * adds each particle's mean intensity and the overlay picture. */
struct QuantifyOptions
{
  std::string           Mask;
  std::string           Image;
  std::string           Exclude; // regions that are not part of the field (non-zero); one file for every field
  MeasureOptions        Measure;
  QuantificationOutputs Outputs;
};
/** Returns the measurements of every field. Throws InputError. */
SCoPSAMApplication_EXPORT std::vector<FieldMeasurements>
RunQuantify(const QuantifyOptions & options);

/** `scopsam segment INPUT OUTPUT`: the phase mask of a micrograph (or of every image of a folder). */
struct SegmentOptions
{
  std::string Input;       // an image or a folder of images
  std::string Output;      // a mask file (8-bit, 0 / InsideValue) or a folder
  std::string Model;       // a model file; empty: the default model embedded in the library
  std::string Points;      // "x,y,label;x,y,label": pixel indices (x the column), label 1 or 0
  std::string Box;         // "x0,y0,x1,y1": region of interest, pixel indices, inclusive
  std::string Exclude;     // a mask of regions to ignore (non-zero), e.g. a data bar
  std::string Probability; // also write the probability (float image, or a folder with a folder input)
  std::string Overlay;     // also write an overlay picture (PNG, or a folder with a folder input)
  std::string Device{ "cpu" };
  bool        Half{ false };
  int         TileSize{ 0 };
  int         Overlap{ -1 };
  int         BatchSize{ 4 };
  int         Threads{ 0 };
  double      Threshold{ 0.5 };
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

/** `scopsam bench DATASET...`: the accuracy table of DESIGN section 5 for each dataset - SCoP-SAM automatic, with
 * 1 and with 3 positive clicks (drawn from the ground truth's interior with a fixed seed), the same network with its
 * priors off, Otsu and adaptive thresholding; mean per-image IoU, Dice, precision, recall, boundary F, object F1 and
 * seconds per megapixel (wall clock of the whole method on this machine: priors and network, or the threshold). */
struct BenchOptions
{
  std::vector<std::string> Datasets;     // dataset folders (DESIGN section 4 layout, or image/ + label/)
  std::string              Split;        // empty: the test split where there is one, else every image
  std::string              Model;        // empty: the embedded default model
  std::string              PriorOffModel; // the prior-off network trained with the same budget; empty: row left out
  std::uint64_t            Seed{ 2026 }; // of the simulated clicks
  double                   Threshold{ 0.5 };
  int                      Threads{ 0 };
  std::string              Device{ "cpu" };
  std::string              Markdown, JSON; // where to write the tables
  EvaluationOptions        Metrics;
  bool                     Progress{ false };
};
struct BenchRow
{
  std::string         Method;
  SegmentationMetrics Mean; // per-image means, SecondsPerMegapixel included
  double              PredictedIoU{ -1.0 }; // mean of the network's IoU head (untrained); -1: not a network
};
struct BenchTable
{
  std::string           Dataset;
  std::size_t           Images{ 0 };
  std::vector<BenchRow> Rows;
};
SCoPSAMApplication_EXPORT std::vector<BenchTable>
RunBench(const BenchOptions & options);
/** The tables as Markdown, one per dataset, with the settings that made them. */
SCoPSAMApplication_EXPORT std::string
BenchToMarkdown(const std::vector<BenchTable> & tables, const BenchOptions & options);

/** A configuration by name ("small", "vit_b") with the prior entry points listed ("encoder,prompt,decoder" or
 * "none") and, where tileSize is not 0, that tile size. Throws InputError. */
SCoPSAMApplication_EXPORT ModelConfig
ConfigurationFor(const std::string & name, const std::string & priorEntryPoints, int tileSize);

/** `scopsam init-model OUTPUT`: a network of a configuration with fresh, seeded weights (the start of training
 * from scratch). PriorEntryPoints: any of "encoder", "prompt", "decoder", comma-separated, or "none". */
struct InitModelOptions
{
  std::string   Output;
  std::string   Configuration{ "small" };
  std::string   PriorEntryPoints{ "encoder,prompt,decoder" };
  int           TileSize{ 0 };
  std::uint64_t Seed{ 1 };
};
SCoPSAMApplication_EXPORT void
RunInitModel(const InitModelOptions & options);

/** `scopsam import-sam CHECKPOINT OUTPUT`: SCoP-SAM's vit_b network with SAM ViT-B's weights in the shared parts
 * (the checkpoint converted by Utilities/convert_sam_checkpoint.py). Returns SAM tensors that found no place. */
SCoPSAMApplication_EXPORT std::vector<std::string>
RunImportSAM(const std::string & checkpoint, const std::string & output);

/** `scopsam train OUTPUT`: trains a network on synthetic tiles made on the fly and/or annotated datasets. */
struct TrainCommandOptions
{
  std::string              Output;
  std::string              Configuration{ "small" };
  std::string              Init;      // a model file to fine-tune (else fresh weights)
  std::string              PriorEntryPoints{ "encoder,prompt,decoder" };
  std::vector<std::string> Data;      // dataset folders (their train split; val split for validation)
  double                   SyntheticFraction{ -1.0 }; // -1: 1 without data, 0.5 with
  std::string              Levels{ "1,2,3,3" };
  bool                     CoarsePhases{ false }; // synthetic tiles may hold the coarse morphologies
  bool                     SecondPhase{ false };  // synthetic tiles may hold a second phase, picked by clicks
  int                      TileSize{ 0 };
  int                      Steps{ 2000 };
  int                      BatchSize{ 8 };
  double                   LearningRate{ 4e-4 };
  int                      WarmupSteps{ 100 };
  int                      ValidateEvery{ 200 };
  int                      CheckpointEvery{ 200 };
  std::string              Checkpoints; // checkpoint folder (default: OUTPUT.checkpoints)
  bool                     Resume{ false };
  std::uint64_t            Seed{ 1 };
  int                      Threads{ 0 };
  std::string              Device{ "cpu" };
  bool                     Progress{ false };
  std::string              CommandLine; // recorded in the model file
};
SCoPSAMApplication_EXPORT void
RunTrain(const TrainCommandOptions & options);

/** The numbers of a comma-separated list ("1,2.5,4"); InputError naming `what` when an item is not a number.
 * Inline: the Slicer module executables use it without linking this library. */
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
      if (item.find_first_not_of(' ', used) != std::string::npos)
      {
        throw std::invalid_argument(item);
      }
    }
    catch (const std::exception &)
    {
      throw InputError(what + ": '" + item + "' is not a number");
    }
  }
  return values;
}

/** The whole command line: parses `argv`, runs the subcommand, prints one line on stderr on failure, and returns
 * the exit status (0 done, 2 bad usage or input, 1 anything else). */
SCoPSAMApplication_EXPORT int
RunCommandLine(int argc, char ** argv);

} // namespace scopsam

#endif
