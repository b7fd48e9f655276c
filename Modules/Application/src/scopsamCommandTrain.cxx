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

#include <CLI/CLI.hpp>
#include <memory>
#include <unistd.h>

#include "scopsamImageIO.h"
#include "scopsamSegmentationEngine.h"
#include "scopsamSegmentationSupport.h"
#include "scopsamTrainer.h"
#include "scopsamTrainingSamples.h"

#include <cmath>
#include <filesystem>
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
  RefuseToOverwriteInputs(o.Output, { o.Init });
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
  samples.SyntheticFraction = o.SyntheticFraction >= 0.0 ? o.SyntheticFraction : (o.Data.empty() ? 1.0 : 0.5);
  TrainingSampleFactory factory(config, samples);
  std::vector<TrainingSample>  validation = factory.SyntheticValidation(4);
  std::vector<ValidationImage> validationImages; // the val splits, whole: they pick the checkpoint and threshold
  for (const auto & folder : o.Data)
  {
    factory.AddDataset(folder, fs::exists(fs::path(folder) / "splits" / "train.txt") ? "train" : "");
    if (fs::exists(fs::path(folder) / "splits" / "val.txt"))
    {
      for (auto & image : factory.ValidationImages(folder, "val"))
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
  training.CheckpointEvery = o.CheckpointEvery;
  training.CheckpointFolder = o.Checkpoints.empty() ? o.Output + ".checkpoints" : o.Checkpoints;
  training.Seed = o.Seed;
  std::string best; // the checkpoint picked on the val splits
  try
  {
    Trainer trainer(*engine, training);
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
                    if (firstStep < 0)
                    {
                      firstStep = r.Step - 1;
                    }
                    line << "  " << std::setprecision(0) << r.Seconds << " s";
                    if (r.Step < r.Steps && r.Step > firstStep)
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

Subcommand
RegisterTrainCommand(CLI::App & app, const std::string & commandLine)
{
  auto o = std::make_shared<TrainCommandOptions>();
  o->CommandLine = commandLine;
  auto * command = app.add_subcommand("train", "Train a network (synthetic data made on the fly and/or datasets).");
  command->add_option("OUTPUT", o->Output, "Model file to write")->required();
  command->add_option("--config", o->Configuration, "small or vit_b (for fresh weights)")
    ->check(CLI::IsMember({ "small", "vit_b" }))
    ->capture_default_str();
  command->add_option("--init", o->Init,
                      "Fine-tune this model: a file (e.g. imported SAM) or \"default\", the embedded default model");
  command->add_option("--priors", o->PriorEntryPoints, "Prior entry points of a fresh network, or none")->capture_default_str();
  command->add_option("--data", o->Data, "Dataset folder (repeatable); its train split trains, its val split validates");
  command->add_option("--synthetic-fraction", o->SyntheticFraction, "Share of synthetic tiles (default 1 without data, 0.5 with)");
  command->add_option("--levels", o->Levels, "Synthetic levels drawn from, e.g. 1,2,3,3")->capture_default_str();
  command->add_flag("--coarse-phases", o->CoarsePhases,
                    "A third of the synthetic tiles hold a coarse phase (cuboidal precipitates, coarse second phase)");
  command->add_flag("--second-phase", o->SecondPhase,
                    "Half of the synthetic tiles hold a second phase of opposite polarity; simulated clicks pick one");
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
