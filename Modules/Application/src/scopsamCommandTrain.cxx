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
#include "scopsamCommandTrain.h"
#include "scopsamCommandModel.h"
#include "scopsamCommandRegistration.h"
#include "scopsamModelConfig.h"
#include "scopsamFrontEnd.h"

#include <CLI/CLI.hpp>
#include <memory>
#include <unistd.h>

#include "scopsamCommandSegment.h"
#include "scopsamImageIO.h"
#include "scopsamMetrics.h"
#include "scopsamOpenCVBridge.h"
#include "scopsamSegmentationEngine.h"
#include "scopsamSegmentationSupport.h"
#include "scopsamSyntheticMicrograph.h"
#include "scopsamTrainer.h"
#include "scopsamTrainingSamples.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace fs = std::filesystem;

namespace scopsam
{

void
RunTrain(const TrainCommandOptions & o)
{
  if (o.Output.empty())
  {
    throw InputError("the output model file is empty");
  }
  if (o.Steps < 1 || o.BatchSize < 1 || o.WarmupSteps < 1 || o.ValidateEvery < 1 || o.CheckpointEvery < 1 ||
      !(o.LearningRate > 0.0 && o.LearningRate < 1.0))
  {
    throw InputError("--steps, --batch, --warmup, --validate-every and --checkpoint-every must be positive, --lr in (0, 1)");
  }
  if (o.BatchSize > 256)
  {
    // Training memory is a function of batch x tile^2 (activations kept for the backward pass).
    throw InputError("--batch must be in [1, 256], got " + std::to_string(o.BatchSize));
  }
  CheckThreadsArgument(o.Threads);
  int fold = 0, folds = 0; // cross-validation (--fold I/K); folds 0: the datasets' own splits
  if (!o.Fold.empty())
  {
    char slash = 0;
    std::istringstream in(o.Fold);
    if (!(in >> fold >> slash >> folds) || slash != '/' || !in.eof() || (o.Data.empty() && o.PromptedData.empty()))
    {
      throw InputError("--fold takes I/K (fold I of K, counted from 0) and needs --data or --prompted-data, got '" +
                       o.Fold + "'");
    }
  }
  RefuseToOverwriteInputs(o.Output, { o.Init, o.Teacher });
  DeviceOptions device;
  device.Device = o.Device;
  device.Threads = o.Threads;
  std::unique_ptr<SegmentationEngine> engine;
  try
  {
    if (!o.Init.empty())
    {
      engine = LoadEngine(o.Init, device); // a file, or "default": the embedded default model
    }
    else
    {
      engine = SegmentationEngine::Create(ConfigurationFor(o.Configuration, o.PriorEntryPoints, o.TileSize), o.Seed, device);
    }
  }
  catch (const ModelError & e)
  {
    throw InputError(e.what());
  }
  std::unique_ptr<SegmentationEngine> teacher; // --teacher: the synthetic tiles' teacher (Trainer::SetTeacher())
  if (!o.Teacher.empty())
  {
    try
    {
      teacher = LoadEngine(o.Teacher, device);
    }
    catch (const ModelError & e)
    {
      throw InputError("--teacher: " + std::string(e.what()));
    }
  }
  const ModelConfig & config = engine->GetConfig();

  SampleOptions samples;
  samples.TileSize = config.TileSize;
  samples.Seed = o.Seed;
  samples.Threads = static_cast<unsigned int>(std::max(0, o.Threads));
  samples.Levels.clear();
  {
    std::stringstream levels(o.Levels);
    for (std::string level; std::getline(levels, level, ',');)
    {
      try
      {
        samples.Levels.push_back(std::stoi(level));
      }
      catch (const std::exception &)
      {
        throw InputError("--levels takes levels 1, 2 or 3 separated by commas, got '" + o.Levels + "'");
      }
    }
  }
  samples.CoarsePhases = o.CoarsePhases;
  samples.SecondPhase = o.SecondPhase;
  samples.Effects = InstrumentEffects::Parse(o.Effects);
  const bool anyData = !o.Data.empty() || !o.PromptedData.empty();
  if (o.PromptedShare != -1.0 && (o.PromptedData.empty() || o.Data.empty()))
  {
    throw InputError("--prompted-share needs --data and --prompted-data");
  }
  samples.PromptedShare = o.PromptedShare; // its range: the sample factory's
  samples.SyntheticFraction = o.SyntheticFraction >= 0.0 ? o.SyntheticFraction : (anyData ? 0.5 : 1.0);
  TrainingSampleFactory factory(config, samples);
  std::vector<TrainingSample>  validation = factory.SyntheticValidation(4);
  std::vector<ValidationImage> validationImages; // the val splits, whole: they pick the checkpoint and threshold
  std::vector<std::pair<std::string, DatasetTarget>> datasets;
  for (const auto & folder : o.Data)
  {
    datasets.emplace_back(folder, DatasetTarget::Automatic);
  }
  for (const auto & folder : o.PromptedData)
  {
    datasets.emplace_back(folder, DatasetTarget::Prompted);
  }
  for (const auto & [folder, target] : datasets)
  {
    if (folds > 0)
    {
      const DatasetFold split = ReadDatasetFold(folder, fold, folds);
      factory.AddDataset(folder, split.Train, target);
      for (auto & image : factory.ValidationImages(folder, split.HeldOut, target))
      {
        validationImages.push_back(std::move(image));
      }
      continue;
    }
    factory.AddDataset(folder, fs::exists(fs::path(folder) / "splits" / "train.txt") ? "train" : "", target);
    if (fs::exists(fs::path(folder) / "splits" / "val.txt"))
    {
      for (auto & image : factory.ValidationImages(folder, "val", target))
      {
        validationImages.push_back(std::move(image));
      }
    }
  }

  TrainingOptions training;
  training.Steps = o.Steps;
  training.BatchSize = o.BatchSize;
  training.LearningRate = o.LearningRate;
  training.WarmupSteps = std::min(o.WarmupSteps, o.Steps);
  training.ValidateEvery = o.ValidateEvery;
  training.ValidateFirst = !o.Init.empty(); // a fine-tuning: what it starts from, scored first (step 0)
  training.NegativeClicksAlone = o.NegativeClicksAlone; // its range: the trainer's
  training.ErrorClicks = o.ErrorClicks;                 // likewise
  training.ErrorClickRounds = o.ErrorClickRounds;       // likewise
  training.DistillationWeight = o.DistillationWeight;   // likewise
  training.BoundaryWeight = o.BoundaryWeight;           // likewise
  training.CheckpointEvery = o.CheckpointEvery;
  training.CheckpointFolder = o.Checkpoints.empty() ? o.Output + ".checkpoints" : o.Checkpoints;
  training.Seed = o.Seed;
  std::string best; // the checkpoint picked on the val splits
  try
  {
    Trainer trainer(*engine, training);
    if (teacher)
    {
      trainer.SetTeacher(*teacher);
    }
    if (o.Resume)
    {
      trainer.Resume(training.CheckpointFolder);
    }
    double lastIoU = -1.0;
    int    firstStep = -1; // the first step this run made (a resumed run starts later)
    trainer.Train([&factory](std::uint64_t index) { return factory.Make(index); }, validation,
                  [&](const TrainingReport & r) {
                    if (r.ValidationIoU >= 0.0)
                    {
                      lastIoU = r.ValidationIoU;
                    }
                    std::ostringstream line;
                    line << "step " << r.Step << "/" << r.Steps << "  loss " << std::fixed << std::setprecision(4) << r.Loss
                         << "  lr " << std::scientific << std::setprecision(2) << r.LearningRate << std::fixed
                         << "  synthetic val IoU ";
                    if (lastIoU >= 0.0)
                    {
                      line << std::setprecision(3) << lastIoU;
                    }
                    else
                    {
                      line << "-"; // not validated yet
                    }
                    if (r.Validation.Score >= 0.0)
                    {
                      line << "  val images " << r.Validation.Score << " at threshold " << std::setprecision(2)
                           << r.Validation.Threshold << std::setprecision(3);
                      for (const auto & [set, iou] : r.Validation.SetIoU)
                      {
                        line << "  " << set << " " << iou;
                      }
                      line << "  IoU head error " << r.Validation.IoUHeadError << (r.Best ? "  (best)" : "");
                    }
                    if (firstStep < 0 && r.Step > 0)
                    {
                      firstStep = r.Step - 1;
                    }
                    line << "  " << std::setprecision(0) << r.Seconds << " s, cpu " << r.CPUSeconds << " s";
                    if (r.Step < r.Steps && firstStep >= 0 && r.Step > firstStep)
                    {
                      // From the rate measured so far in this run (validations included).
                      const double left = r.Seconds / (r.Step - firstStep) * (r.Steps - r.Step);
                      line << ", about " << std::setprecision(0) << std::ceil(left / 60.0) << " min left";
                    }
                    if (o.Progress)
                    {
                      const int filled = 30 * r.Step / r.Steps;
                      std::cerr << "\r[" << std::string(filled, '#') << std::string(30 - filled, ' ') << "] " << line.str()
                                << std::flush;
                    }
                    else if (r.ValidationIoU >= 0.0)
                    {
                      std::cout << line.str() << std::endl;
                    }
                  },
                  validationImages);
    if (o.Progress)
    {
      std::cerr << std::endl;
    }
    best = trainer.GetBestModelPath();
  }
  catch (const ModelError & e)
  {
    throw InputError(e.what());
  }
  if (!best.empty())
  {
    // The output is the checkpoint picked on the val splits, with the threshold it was picked at.
    try
    {
      engine = SegmentationEngine::Load(best, device);
    }
    catch (const ModelError & e)
    {
      throw InputError(e.what());
    }
    std::cout << "output: the best checkpoint on the val splits (" << best << "), threshold " << engine->GetConfig().Threshold
              << std::endl;
  }
  engine->SetProvenance(o.CommandLine.empty() ? "scopsam train" : o.CommandLine, 1.0);
  engine->SetIoUHeadTrained(engine->GetConfig().IoUHeadTrained || training.IoUWeight > 0.0);
  try
  {
    engine->Save(o.Output);
  }
  catch (const ModelError & e)
  {
    throw InputError(e.what());
  }
}

namespace
{
/** A folder removed when it goes out of scope (the fine-tuning's dataset and checkpoints). */
struct ScratchFolder
{
  fs::path Path;
  ~ScratchFolder()
  {
    std::error_code error;
    fs::remove_all(Path, error);
  }
};

/** Columns [x0, x1) of an image as a new image. */
template <typename TImage>
typename TImage::Pointer
Columns(const TImage * image, int x0, int x1)
{
  const cv::Mat all = MatFromImage(image);
  return ImageFromMat<typename TImage::PixelType>(all.colRange(x0, x1).clone());
}

/** IoU of `model`'s automatic mask of `image` against `truth` (a mask file), through RunSegment; the mask is
 * written as `work`/`name`.png. */
double
HeldOutIoU(const std::string & image, const std::string & truth, const std::string & model, const fs::path & work,
           const std::string & name, const TrainCommandOptions & t)
{
  SegmentOptions segment;
  segment.Input = image;
  segment.Output = (work / (name + ".png")).string();
  segment.Model = model == "default" ? "" : model;
  segment.Device = t.Device;
  segment.Threads = t.Threads;
  RunSegment(segment);
  return EvaluateMasks(MatFromImage(ReadMask(segment.Output).GetPointer()), MatFromImage(ReadMask(truth).GetPointer())).IoU;
}
} // namespace

FinetuneResult
RunFinetune(const FinetuneOptions & o)
{
  if (o.Arguments.size() < 3 || o.Arguments.size() % 2 == 0)
  {
    throw InputError("finetune takes IMAGE MASK pairs and then the output model file, got " +
                     std::to_string(o.Arguments.size()) + " arguments");
  }
  const std::string output = o.Arguments.back();
  const std::size_t pairs = (o.Arguments.size() - 1) / 2;
  std::vector<std::string> inputs(o.Arguments.begin(), o.Arguments.end() - 1);
  RefuseToOverwriteInputs(output, inputs);
  if (fs::path(output).extension() != ".pt")
  {
    throw InputError("the output model file is a .pt file, got '" + output + "'");
  }
  const ScratchFolder work{ fs::path(output + ".finetune") };
  std::error_code     error;
  fs::remove_all(work.Path, error);
  for (const char * folder : { "image", "label", "splits" })
  {
    fs::create_directories(work.Path / "data" / folder);
  }
  const fs::path data = work.Path / "data";
  std::ofstream  train(data / "splits" / "train.txt"), val(data / "splits" / "val.txt");
  std::string    heldOutImage, heldOutMask;
  for (std::size_t p = 0; p < pairs; ++p)
  {
    const auto image = ReadGrayImage(o.Arguments[2 * p]);
    const auto mask = ReadBinaryMask(o.Arguments[2 * p + 1]); // a micrograph given as the mask is refused
    const auto size = image->GetLargestPossibleRegion().GetSize();
    if (mask->GetLargestPossibleRegion().GetSize() != size)
    {
      throw InputError(o.Arguments[2 * p + 1] + " is not the size of " + o.Arguments[2 * p]);
    }
    const std::string name = "field" + std::to_string(p);
    const auto        write = [&](const std::string & part, const GrayImage2D * i, const UInt8Image2D * m) {
      scopsam::WriteImage(i, (data / "image" / (part + ".mha")).string());
      scopsam::WriteImage(m, (data / "label" / (part + "_mask.png")).string());
    };
    if (pairs == 1)
    {
      // One field: its right-hand quarter is held out, the rest trains.
      const int width = static_cast<int>(size[0]), cut = width - width / 4;
      if (width < 64)
      {
        throw InputError(o.Arguments[0] + " is too narrow (" + std::to_string(width) + " px) to hold out a quarter");
      }
      write(name + "_train", Columns(image.GetPointer(), 0, cut), Columns(mask.GetPointer(), 0, cut));
      write(name + "_held_out", Columns(image.GetPointer(), cut, width), Columns(mask.GetPointer(), cut, width));
      train << name << "_train\n";
      val << name << "_held_out\n";
      heldOutImage = (data / "image" / (name + "_held_out.mha")).string();
      heldOutMask = (data / "label" / (name + "_held_out_mask.png")).string();
    }
    else
    {
      write(name, image, mask);
      (p + 1 == pairs ? val : train) << name << "\n";
      if (p + 1 == pairs)
      {
        heldOutImage = (data / "image" / (name + ".mha")).string();
        heldOutMask = (data / "label" / (name + "_mask.png")).string();
      }
    }
  }
  train.close();
  val.close();
  std::cout << "fine-tuning " << (o.Training.Init == "default" ? "the embedded default model" : o.Training.Init) << " on "
            << (pairs == 1 ? "three quarters of " + o.Arguments[0] + " (the right-hand quarter held out)"
                           : std::to_string(pairs - 1) + " fields (" + o.Arguments[2 * (pairs - 1)] + " held out)")
            << ", " << o.Training.Steps << " steps" << std::endl;

  TrainCommandOptions t = o.Training;
  t.Output = output;
  t.Data = { data.string() };
  t.ValidateEvery = std::max(1, t.Steps / 5);
  t.CheckpointEvery = t.ValidateEvery;
  t.Checkpoints = (work.Path / "checkpoints").string();
  if (t.CommandLine.empty())
  {
    t.CommandLine = "scopsam finetune";
  }
  const auto     start = std::chrono::steady_clock::now();
  FinetuneResult result;
  result.HeldOutIoUBefore = HeldOutIoU(heldOutImage, heldOutMask, t.Init, work.Path, "before", t);
  RunTrain(t); // writes the model atomically: a failed run leaves no file
  result.HeldOutIoUAfter = HeldOutIoU(heldOutImage, heldOutMask, output, work.Path, "after", t);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::ostringstream last;
  last << std::fixed << std::setprecision(3) << "held-out IoU " << result.HeldOutIoUBefore << " -> "
       << result.HeldOutIoUAfter << " (" << std::showpos << result.HeldOutIoUAfter - result.HeldOutIoUBefore
       << std::noshowpos << ") in " << std::setprecision(0) << seconds << " s: "
       << (result.HeldOutIoUAfter > result.HeldOutIoUBefore
             ? "fine-tuning helped; segment with --model " + output
             : "fine-tuning did not help on the held-out part; keep the starting model (or annotate more)")
       << " (the held-out part also picked the checkpoint, so the gain is optimistic)";
  std::cout << last.str() << std::endl;
  return result;
}

Subcommand
RegisterFinetuneCommand(CLI::App & app, const std::string & commandLine)
{
  auto o = std::make_shared<FinetuneOptions>();
  o->Training.CommandLine = commandLine;
  auto * command = app.add_subcommand(
    "finetune", "Fit the model to your own annotated micrographs: IMAGE MASK [IMAGE MASK ...] OUTPUT.pt. About 1 minute "
                "per 150 steps on 2 cores; the last line says whether it helped on a held-out part.");
  command->add_option("IMAGE MASK ... OUTPUT", o->Arguments, "Micrograph and mask pairs, then the model file to write")
    ->required();
  auto & t = o->Training;
  command->add_option("--init", t.Init, "Model to start from: a file, or default (the embedded model)")
    ->capture_default_str();
  command->add_option("--steps", t.Steps, "Optimiser steps")->capture_default_str();
  command->add_option("--batch", t.BatchSize, "Tiles per step")->capture_default_str();
  command->add_option("--lr", t.LearningRate, "Peak learning rate")->capture_default_str();
  command->add_option("--seed", t.Seed, "Seed")->capture_default_str();
  command->add_option("--threads", t.Threads, "Threads (0: all cores)")->capture_default_str();
  command->add_option("--device", t.Device, "cpu, cuda, cuda:N or auto")->capture_default_str();
  return { command, [o] {
            o->Training.Progress = isatty(STDERR_FILENO) != 0;
            RunFinetune(*o);
          } };
}

Subcommand
RegisterTrainCommand(CLI::App & app, const std::string & commandLine)
{
  auto o = std::make_shared<TrainCommandOptions>();
  o->CommandLine = commandLine;
  auto * command = app.add_subcommand("train", "Train a network (synthetic data made on the fly and/or datasets).");
  command->add_option("OUTPUT", o->Output, "Model file to write")->required();
  command->add_option("--config", o->Configuration, "small, small_fine (8-px patches) or vit_b (for fresh weights)")
    ->check(CLI::IsMember(ModelConfig::Names()))
    ->capture_default_str();
  command->add_option("--init", o->Init,
                      "Fine-tune this model: a file (e.g. imported SAM) or \"default\", the embedded default model; "
                      "with val splits, its own weights are scored first (step 0) and may be the output");
  command->add_option("--priors", o->PriorEntryPoints, "Prior entry points of a fresh network, or none")->capture_default_str();
  command->add_option("--data", o->Data, "Dataset folder (repeatable); its train split trains, its val split validates");
  command->add_option("--prompted-data", o->PromptedData,
                      "Dataset folder (repeatable) whose masks are a target of clicks only (a phase other than automatic "
                      "mode's, e.g. nasa_super1_tertiary): its tiles always carry clicks drawn from the mask, never train "
                      "automatic mode; its val split is scored by the click protocol (mIoU after 5 clicks on the network's own "
                      "masks) and votes with the automatic sets in the pick of the checkpoint");
  command->add_option("--prompted-share", o->PromptedShare,
                      "Share of the dataset tiles drawn from the --prompted-data sets (default: each set as often as any other)");
  command->add_option("--error-clicks", o->ErrorClicks,
                      "Share of the prompted tiles that get instead clicks on the error of the network's own masks "
                      "(positive on a missed pixel, negative on a false one), the first on the automatic mask's, as "
                      "Segment Anything's training and the click protocol draw them; default 0");
  command->add_option("--error-click-rounds", o->ErrorClickRounds,
                      "With --error-clicks: such a tile gets 1..N clicks, each on the error of the mask the clicks "
                      "before it give; default 1");
  auto * teacher = command->add_option("--teacher", o->Teacher,
                      "A model (a file, or default) whose probabilities the synthetic tiles also learn, under the same "
                      "clicks (distillation): a stage that adds real micrographs keeps what that model did on synthetic "
                      "ones");
  command->add_option("--distill-weight", o->DistillationWeight,
                      "With --teacher: the weight of the teacher's term (binary cross-entropy against its probabilities)")
    ->capture_default_str()
    ->needs(teacher);
  command->add_option("--boundary-weight", o->BoundaryWeight,
                      "Extra weight of the cross-entropy on the true outline (the pixels with a neighbour of the other "
                      "class): 1 + W there; default 0")
    ->capture_default_str();
  command->add_option("--negative-clicks-alone", o->NegativeClicksAlone,
                      "Share of the --prompted-data tiles holding the phase whose clicks are negative only (\"not this\" "
                      "without \"this\", as the first clicks on a mask of the other phase are); default 0");
  command->add_option("--fold", o->Fold,
                      "Cross-validation I/K: each --data (and --prompted-data) set's train and val fields of view (name up "
                      "to its first '_') dealt to K folds; fold I validates, the rest trains");
  command->add_option("--synthetic-fraction", o->SyntheticFraction, "Share of synthetic tiles (default 1 without data, 0.5 with)");
  command->add_option("--levels", o->Levels, "Synthetic levels drawn from, e.g. 1,2,3,3")->capture_default_str();
  command->add_flag("--coarse-phases", o->CoarsePhases,
                    "A third of the synthetic tiles hold a coarse phase (cuboidal precipitates, coarse second phase)");
  command->add_flag("--second-phase", o->SecondPhase,
                    "Half of the synthetic tiles hold a second phase of opposite polarity; simulated clicks pick one");
  command->add_option("--effects", o->Effects,
                      "Instrument effects of the synthetic tiles, each on half of them: sem, ct, or a list of se-edges, "
                      "topography, charging, curtaining, scan-jitter, ct-sample, ct-rings, ct-texture, ct-partial-volume")
    ->capture_default_str();
  command->add_option("--tile", o->TileSize, "Tile size of a fresh network (0: the configuration's)")->capture_default_str();
  command->add_option("--steps", o->Steps, "Optimiser steps")->capture_default_str();
  command->add_option("--batch", o->BatchSize, "Tiles per step")->capture_default_str();
  command->add_option("--lr", o->LearningRate, "Peak learning rate (AdamW)")->capture_default_str();
  command->add_option("--warmup", o->WarmupSteps, "Warm-up steps")->capture_default_str();
  command->add_option("--validate-every", o->ValidateEvery, "Steps between validations")->capture_default_str();
  command->add_option("--checkpoint-every", o->CheckpointEvery, "Steps between checkpoints")->capture_default_str();
  command->add_option("--checkpoints", o->Checkpoints, "Checkpoint folder (default OUTPUT.checkpoints)");
  command->add_flag("--resume", o->Resume, "Continue from the checkpoint folder");
  command->add_option("--seed", o->Seed, "Seed of weights, data and clicks")->capture_default_str();
  command->add_option("--threads", o->Threads, "Threads (0: all cores)")->capture_default_str();
  command->add_option("--device", o->Device, "cpu, cuda, cuda:N or auto")->capture_default_str();
  return { command, [o] {
            o->Progress = isatty(STDERR_FILENO) != 0;
            RunTrain(*o);
          } };
}

} // namespace scopsam
