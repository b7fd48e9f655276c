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
#include "scopsamCommands.h"
#include "scopsamImageIO.h"

#include "itkMacro.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <map>
#include <unistd.h>

namespace scopsam
{
namespace
{

constexpr int ExitDone = 0;
constexpr int ExitFailure = 1;
constexpr int ExitBadInput = 2;

/** "512x384" -> width 512, height 384; a single number is a square. */
void
ParseSize(const std::string & text, int & width, int & height)
{
  const auto x = text.find('x');
  try
  {
    std::size_t used = 0;
    width = std::stoi(text.substr(0, x), &used);
    height = x == std::string::npos ? width : std::stoi(text.substr(x + 1));
  }
  catch (const std::exception &)
  {
    throw InputError("--size must look like 512x512, got '" + text + "'");
  }
}

/** Options of how particles are measured, shared by `quantify` and `segment --stats`. */
void
AddMeasureOptions(CLI::App * command, MeasureOptions & measure)
{
  command->add_option("--pixel-size", measure.PixelSize,
                      "Micrometres per pixel (default: the spacing of a MetaImage/NRRD/NIfTI file, read as mm; else pixels)");
  command->add_option("--min-size", measure.MinimumParticlePixels, "Smallest particle in pixels; smaller specks are noise and removed")
    ->capture_default_str();
  command->add_flag("--exclude-border", measure.ExcludeBorderParticles,
                    "Leave particles touching the image edge or an excluded region out of counts and sizes");
}

} // namespace

int
RunCommandLine(int argc, char ** argv)
{
  CLI::App app{ "SCoP-SAM: intermediate phases in alloy micrographs.\n"
                "Exit status: 0 done, 2 bad usage or bad input, 1 anything else.",
                "scopsam" };
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("scopsam ") + "0.1.0");

  // priors
  PriorsOptions priors;
  auto *        priorsCommand = app.add_subcommand("priors", "Write the gradient and grayscale priors of an image.");
  priorsCommand->add_option("INPUT", priors.Input, "Micrograph (any ITK format; 2-D, or a 3-D gray volume)")->required();
  priorsCommand->add_option("PREFIX", priors.Prefix, "Output prefix: PREFIX_gradient.FORMAT, PREFIX_grayscale.FORMAT")
    ->required();
  priorsCommand->add_option("--format", priors.Format, "Float output format")
    ->check(CLI::IsMember({ "mha", "nrrd", "nii" }))
    ->capture_default_str();
  priorsCommand->add_flag("--png", priors.Previews, "Also write each channel as an 8-bit PNG preview");
  priorsCommand->add_option("--scales", priors.Scales, "Gradient scales in pixels")->delimiter(',')->capture_default_str();
  priorsCommand->add_option("--integration-scale", priors.IntegrationScale, "Structure-tensor integration scale (px)")
    ->capture_default_str();
  priorsCommand->add_option("--magnitude-scale", priors.MagnitudeScale, "Gradient magnitude mapped to 1-1/e")
    ->capture_default_str();
  priorsCommand->add_option("--window-radius", priors.WindowRadius, "Grayscale window half-width (px)")
    ->capture_default_str();
  priorsCommand->add_option("--epsilon", priors.Epsilon, "Added to the local deviation")->capture_default_str();
  priorsCommand->add_option("--contrast-scale", priors.ContrastScale, "Local contrast mapped to 1-1/e")
    ->capture_default_str();
  priorsCommand->add_option("--global-scale", priors.GlobalScale, "Departure from the matrix mode mapped to 1-1/e")
    ->capture_default_str();
  priorsCommand->add_option("--polarity", priors.Polarity, "Phase polarity")
    ->check(CLI::IsMember({ "bright", "dark", "both" }))
    ->capture_default_str();
  priorsCommand->add_option("--stream-divisions", priors.StreamDivisions, "Pieces the image is streamed in (0: automatic, about 2^19 pixels each)")
    ->capture_default_str();
  priorsCommand->add_option("--threads", priors.Threads, "Threads (0: all cores)")->capture_default_str();

  // segment
  SegmentOptions segment;
  auto *         segmentCommand = app.add_subcommand("segment", "Segment the intermediate phase of micrographs.");
  segmentCommand->add_option("INPUT", segment.Input, "A micrograph (any ITK format) or a folder of micrographs")->required();
  segmentCommand->add_option("OUTPUT", segment.Output, "The mask (8-bit; 0 rest, 255 phase) or a folder of masks")->required();
  segmentCommand->add_option("--model", segment.Model, "Model file (SCoP-SAM or TorchScript); default: the embedded model");
  segmentCommand->add_option("--points", segment.Points, "Clicks \"x,y,label;...\": pixel indices, label 1 phase, 0 not");
  segmentCommand->add_option("--box", segment.Box, "Region of interest x0,y0,x1,y1 (pixel indices, inclusive)");
  segmentCommand->add_option("--exclude", segment.Exclude, "Mask of regions to ignore (non-zero), e.g. a data bar");
  segmentCommand->add_option("--overlay", segment.Overlay, "Also write the micrograph with the phase outlined (PNG; a folder for a folder)");
  segmentCommand->add_option("--probability", segment.Probability, "Also write the probability image (a folder for a folder)");
  segmentCommand->add_option("--threshold", segment.Threshold, "Probability at or above which a pixel is phase")->capture_default_str();
  segmentCommand->add_option("--scale", segment.Scale,
                             "Resample the micrograph by F before the network and the result back: F = particle size in "
                             "pixels the model was trained on / that in this image (Documentation/ModelCard.md)")
    ->capture_default_str();
  segmentCommand->add_option("--inside-value", segment.InsideValue, "Mask value of the phase")->capture_default_str();
  segmentCommand->add_option("--tile", segment.TileSize, "Tile size in pixels (0: the model's)")->capture_default_str();
  segmentCommand->add_option("--overlap", segment.Overlap, "Tile overlap in pixels (-1: a quarter tile)")->capture_default_str();
  segmentCommand->add_option("--batch", segment.BatchSize, "Tiles per network call")->capture_default_str();
  segmentCommand->add_option("--threads", segment.Threads, "Threads (0: all cores)")->capture_default_str();
  segmentCommand->add_option("--device", segment.Device, "cpu, cuda, cuda:N or auto")->capture_default_str();
  segmentCommand->add_flag("--half", segment.Half, "Half precision (CUDA)");
  segmentCommand->add_option("--stats", segment.Stats,
                             "Also measure the phase: FILE.json, FILE_particles.csv, FILE_histogram.svg, "
                             "FILE_cumulative.svg, FILE_outlines.vtp, FILE_mask.vti (one report over a folder's fields)");
  AddMeasureOptions(segmentCommand, segment.Measure);

  // quantify
  QuantifyOptions quantify;
  quantify.Outputs.JSON = "-";
  auto *          quantifyCommand = app.add_subcommand("quantify", "Measure the phase of a mask: area fraction, particles, sizes, spacing.");
  quantifyCommand->add_option("MASK", quantify.Mask, "A mask (non-zero = phase) or a folder of masks (fields of one sample)")
    ->required();
  quantifyCommand->add_option("IMAGE", quantify.Image, "The micrograph (or a folder of them): mean intensities, the overlay");
  quantifyCommand->add_option("--exclude", quantify.Exclude, "Mask of regions that are not part of the field (non-zero)");
  AddMeasureOptions(quantifyCommand, quantify.Measure);
  quantifyCommand->add_option("--json", quantify.Outputs.JSON, "Summary report (- : standard output)")->capture_default_str();
  quantifyCommand->add_option("--csv", quantify.Outputs.CSV, "One row per particle");
  quantifyCommand->add_option("--histogram", quantify.Outputs.Histogram, "Size histogram (SVG)");
  quantifyCommand->add_option("--cumulative", quantify.Outputs.Cumulative, "Cumulative size distribution (SVG)");
  quantifyCommand->add_option("--overlay", quantify.Outputs.Overlay, "The micrograph with the phase outlined (PNG; a folder for a folder)");
  quantifyCommand->add_option("--vtp", quantify.Outputs.Outlines, "Particle outlines with their measurements (VTK .vtp; a folder for a folder)");
  quantifyCommand->add_option("--vti", quantify.Outputs.MaskVTI, "The mask as VTK image data (.vti; a folder for a folder)");

  // init-model, import-sam
  InitModelOptions initModel;
  auto *           initCommand = app.add_subcommand("init-model", "Write a network with fresh, seeded weights (untrained).");
  initCommand->add_option("OUTPUT", initModel.Output, "Model file to write")->required();
  initCommand->add_option("--config", initModel.Configuration, "small or vit_b")
    ->check(CLI::IsMember({ "small", "vit_b" }))
    ->capture_default_str();
  initCommand->add_option("--priors", initModel.PriorEntryPoints, "Prior entry points: encoder,prompt,decoder or none")
    ->capture_default_str();
  initCommand->add_option("--tile", initModel.TileSize, "Tile size (0: the configuration's)")->capture_default_str();
  initCommand->add_option("--seed", initModel.Seed, "Seed of the initial weights")->capture_default_str();
  std::string checkpoint, imported;
  auto *      importCommand = app.add_subcommand("import-sam", "Build the vit_b network with SAM ViT-B's weights.");
  importCommand->add_option("CHECKPOINT", checkpoint, "SAM checkpoint converted by Utilities/convert_sam_checkpoint.py")
    ->required();
  importCommand->add_option("OUTPUT", imported, "Model file to write")->required();

  // train
  TrainCommandOptions train;
  auto *              trainCommand = app.add_subcommand("train", "Train a network (synthetic data made on the fly and/or datasets).");
  trainCommand->add_option("OUTPUT", train.Output, "Model file to write")->required();
  trainCommand->add_option("--config", train.Configuration, "small or vit_b (for fresh weights)")
    ->check(CLI::IsMember({ "small", "vit_b" }))
    ->capture_default_str();
  trainCommand->add_option("--init", train.Init, "Fine-tune this model file (e.g. the default model, or imported SAM)");
  trainCommand->add_option("--priors", train.PriorEntryPoints, "Prior entry points of a fresh network, or none")->capture_default_str();
  trainCommand->add_option("--data", train.Data, "Dataset folder (repeatable); its train split trains, its val split validates");
  trainCommand->add_option("--synthetic-fraction", train.SyntheticFraction, "Share of synthetic tiles (default 1 without data, 0.5 with)");
  trainCommand->add_option("--levels", train.Levels, "Synthetic levels drawn from, e.g. 1,2,3,3")->capture_default_str();
  trainCommand->add_flag("--coarse-phases", train.CoarsePhases,
                         "A third of the synthetic tiles hold a coarse phase (cuboidal precipitates, coarse second phase)");
  trainCommand->add_flag("--second-phase", train.SecondPhase,
                         "Half of the synthetic tiles hold a second phase of opposite polarity; simulated clicks pick one");
  trainCommand->add_option("--tile", train.TileSize, "Tile size of a fresh network (0: the configuration's)")->capture_default_str();
  trainCommand->add_option("--steps", train.Steps, "Optimiser steps")->capture_default_str();
  trainCommand->add_option("--batch", train.BatchSize, "Tiles per step")->capture_default_str();
  trainCommand->add_option("--lr", train.LearningRate, "Peak learning rate (AdamW)")->capture_default_str();
  trainCommand->add_option("--warmup", train.WarmupSteps, "Warm-up steps")->capture_default_str();
  trainCommand->add_option("--validate-every", train.ValidateEvery, "Steps between validations")->capture_default_str();
  trainCommand->add_option("--checkpoint-every", train.CheckpointEvery, "Steps between checkpoints")->capture_default_str();
  trainCommand->add_option("--checkpoints", train.Checkpoints, "Checkpoint folder (default OUTPUT.checkpoints)");
  trainCommand->add_flag("--resume", train.Resume, "Continue from the checkpoint folder");
  trainCommand->add_option("--seed", train.Seed, "Seed of weights, data and clicks")->capture_default_str();
  trainCommand->add_option("--threads", train.Threads, "Threads (0: all cores)")->capture_default_str();
  trainCommand->add_option("--device", train.Device, "cpu, cuda, cuda:N or auto")->capture_default_str();

  // synth
  std::string                folder;
  SyntheticDatasetParameters synth;
  std::string                size = "512x512", level = "1", bitDepth = "8", polarity = "mixed";
  auto *                     synthCommand = app.add_subcommand("synth", "Generate a synthetic micrograph dataset.");
  synthCommand->add_option("FOLDER", folder, "Dataset folder to write (images/, masks/, splits/, manifest.json)")
    ->required();
  synthCommand->add_option("--count", synth.Count, "Number of images")->capture_default_str();
  synthCommand->add_option("--size", size, "WIDTHxHEIGHT in pixels")->capture_default_str();
  synthCommand->add_option("--level", level, "Difficulty: 1, 2, 3 or mixed")
    ->check(CLI::IsMember({ "1", "2", "3", "mixed" }))
    ->capture_default_str();
  synthCommand->add_option("--bit-depth", bitDepth, "8, 16 or mixed")
    ->check(CLI::IsMember({ "8", "16", "mixed" }))
    ->capture_default_str();
  synthCommand->add_option("--polarity", polarity, "bright, dark or mixed")
    ->check(CLI::IsMember({ "bright", "dark", "mixed" }))
    ->capture_default_str();
  synthCommand->add_option("--seed", synth.Seed, "Seed: same seed, same bytes")->capture_default_str();
  synthCommand->add_flag("--coarse-phases", synth.CoarsePhases,
                         "A third of the images hold a coarse phase (cuboidal precipitates, coarse second phase)");
  synthCommand->add_flag("--second-phase", synth.SecondPhase,
                         "Half of the images hold a second phase of opposite polarity, left out of the masks");
  synthCommand->add_option("--train", synth.TrainFraction, "Fraction of images in splits/train.txt")
    ->capture_default_str();
  synthCommand->add_option("--val", synth.ValidationFraction, "Fraction in splits/val.txt (the rest: test)")
    ->capture_default_str();

  // evaluate
  EvaluateOptions evaluate;
  auto *          evaluateCommand = app.add_subcommand("evaluate", "Compare predicted masks with the ground truth.");
  evaluateCommand->add_option("PREDICTION", evaluate.Prediction, "A mask or a folder of masks named like the truth")
    ->required();
  evaluateCommand->add_option("TRUTH", evaluate.Truth, "A mask, a folder of masks or a dataset folder")->required();
  evaluateCommand->add_option("--split", evaluate.Split, "With a dataset: train, val or test")
    ->check(CLI::IsMember({ "train", "val", "test" }));
  evaluateCommand->add_option("--exclude", evaluate.Exclude, "Mask of pixels that do not count");
  evaluateCommand->add_option("--tolerance", evaluate.Metrics.BoundaryTolerance, "Boundary F tolerance (px)")
    ->capture_default_str();
  evaluateCommand->add_option("--object-iou", evaluate.Metrics.ObjectMatchIoU, "IoU at which objects match")
    ->capture_default_str();
  evaluateCommand->add_option("--markdown", evaluate.Markdown, "Write the Markdown table here");
  evaluateCommand->add_option("--json", evaluate.JSON, "Write JSON here");
  evaluateCommand->add_option("--csv", evaluate.CSV, "Write CSV here");
  bool quiet = false;
  evaluateCommand->add_flag("--quiet", quiet, "Do not print the table");

  // bench
  BenchOptions bench;
  auto *       benchCommand = app.add_subcommand("bench", "The accuracy table: SCoP-SAM (automatic, 1 and 3 clicks), priors off, Otsu, adaptive.");
  benchCommand->add_option("DATASET", bench.Datasets, "Dataset folders (their test split where there is one)")->required();
  benchCommand->add_option("--model", bench.Model, "Model file (default: the embedded model)");
  benchCommand->add_option("--prior-off-model", bench.PriorOffModel, "The same network trained with priors off and the same budget");
  benchCommand->add_option("--split", bench.Split, "train, val or test (default: test where present, else all)")
    ->check(CLI::IsMember({ "train", "val", "test" }));
  benchCommand->add_option("--seed", bench.Seed, "Seed of the simulated clicks")->capture_default_str();
  benchCommand->add_option("--threshold", bench.Threshold, "Probability at or above which a pixel is phase")->capture_default_str();
  benchCommand->add_option("--threads", bench.Threads, "Threads (0: all cores)")->capture_default_str();
  benchCommand->add_option("--device", bench.Device, "cpu, cuda, cuda:N or auto")->capture_default_str();
  benchCommand->add_option("--markdown", bench.Markdown, "Write the Markdown tables here");
  benchCommand->add_option("--json", bench.JSON, "Write JSON here");

  // baseline
  BaselineCommandOptions baseline;
  std::string            method = "otsu", baselinePolarity = "auto";
  auto *                 baselineCommand = app.add_subcommand("baseline", "Threshold baselines (Otsu, adaptive).");
  baselineCommand->add_option("INPUT", baseline.Input, "An image, a folder of images or a dataset")->required();
  baselineCommand->add_option("OUTPUT", baseline.Output, "A mask file (for one image) or a folder")->required();
  baselineCommand->add_option("--method", method, "otsu or adaptive")
    ->check(CLI::IsMember({ "otsu", "adaptive" }))
    ->capture_default_str();
  baselineCommand->add_option("--polarity", baselinePolarity, "bright, dark or auto (the minority class)")
    ->check(CLI::IsMember({ "bright", "dark", "auto" }))
    ->capture_default_str();
  baselineCommand->add_option("--block-size", baseline.Baseline.BlockSize, "Adaptive window (odd, px)")
    ->capture_default_str();
  baselineCommand->add_option("--offset", baseline.Baseline.Offset, "Adaptive offset (normalised gray levels)")
    ->capture_default_str();
  baselineCommand->add_option("--split", baseline.Split, "With a dataset: train, val or test")
    ->check(CLI::IsMember({ "train", "val", "test" }));

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

  try
  {
    if (*segmentCommand)
    {
      segment.Progress = isatty(STDERR_FILENO) != 0;
      RunSegment(segment);
    }
    else if (*trainCommand)
    {
      train.Progress = isatty(STDERR_FILENO) != 0;
      for (int i = 0; i < argc; ++i)
      {
        train.CommandLine += (i ? " " : "") + std::string(argv[i]);
      }
      RunTrain(train);
    }
    else if (*benchCommand)
    {
      bench.Progress = isatty(STDERR_FILENO) != 0;
      std::cout << BenchToMarkdown(RunBench(bench), bench);
    }
    else if (*quantifyCommand)
    {
      RunQuantify(quantify);
    }
    else if (*initCommand)
    {
      RunInitModel(initModel);
    }
    else if (*importCommand)
    {
      const auto unused = RunImportSAM(checkpoint, imported);
      for (const auto & name : unused)
      {
        std::cerr << "scopsam: note: the checkpoint's tensor " << name << " has no place in the network" << std::endl;
      }
    }
    else if (*priorsCommand)
    {
      for (const auto & path : RunPriors(priors))
      {
        std::cout << path << '\n';
      }
    }
    else if (*synthCommand)
    {
      ParseSize(size, synth.Width, synth.Height);
      synth.Level = level == "mixed" ? 0 : std::stoi(level);
      synth.BitDepth = bitDepth == "mixed" ? 0 : std::stoi(bitDepth);
      synth.Polarity = polarity == "bright" ? 1 : (polarity == "dark" ? -1 : 0);
      RunSynth(folder, synth);
    }
    else if (*evaluateCommand)
    {
      const auto summary = RunEvaluate(evaluate);
      if (!quiet)
      {
        std::cout << ToMarkdown(summary);
      }
    }
    else if (*baselineCommand)
    {
      baseline.Baseline.Method = ParseBaselineMethod(method);
      baseline.Baseline.Polarity = baselinePolarity == "bright" ? 1 : (baselinePolarity == "dark" ? -1 : 0);
      RunBaseline(baseline);
    }
    return ExitDone;
  }
  catch (const InputError & e)
  {
    std::cerr << "scopsam: " << OneLine(e.what()) << std::endl;
    return ExitBadInput;
  }
  catch (const itk::ExceptionObject & e)
  {
    std::cerr << "scopsam: " << ExceptionMessage(e) << std::endl;
    return ExitFailure;
  }
  catch (const std::exception & e)
  {
    std::cerr << "scopsam: " << OneLine(e.what()) << std::endl;
    return ExitFailure;
  }
}

} // namespace scopsam
