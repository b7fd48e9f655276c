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
#include "scopsamCommandModel.h"
#include "scopsamCommandRegistration.h"
#include "scopsamModelConfig.h"

#include "scopsamImageIO.h"
#include "scopsamSegmentationEngine.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>
#include <sstream>

namespace scopsam
{

ModelConfig
ConfigurationFor(const std::string & name, const std::string & priorEntryPoints, int tileSize)
{
  ModelConfig config;
  try
  {
    config = ModelConfig::Named(name);
  }
  catch (const std::invalid_argument & e)
  {
    throw InputError(e.what());
  }
  config.PriorsInEncoder = config.PriorsInPrompt = config.PriorsInDecoder = false;
  std::stringstream points(priorEntryPoints);
  for (std::string point; std::getline(points, point, ',');)
  {
    if (point == "encoder")
    {
      config.PriorsInEncoder = true;
    }
    else if (point == "prompt")
    {
      config.PriorsInPrompt = true;
    }
    else if (point == "decoder")
    {
      config.PriorsInDecoder = true;
    }
    else if (point != "none")
    {
      throw InputError("unknown prior entry point '" + point + "' (encoder, prompt, decoder or none)");
    }
  }
  if (tileSize != 0)
  {
    config.TileSize = tileSize;
  }
  try
  {
    config.Validate();
  }
  catch (const std::invalid_argument & e)
  {
    throw InputError(e.what());
  }
  return config;
}

void
RunInitModel(const InitModelOptions & o)
{
  ModelConfig config = ConfigurationFor(o.Configuration, o.PriorEntryPoints, o.TileSize);
  config.Training = "fresh weights (scopsam init-model, seed " + std::to_string(o.Seed) + "): not trained";
  RefuseToOverwriteInputs(o.Output, {});
  try
  {
    SegmentationEngine::Create(config, o.Seed)->Save(o.Output);
  }
  catch (const ModelError & e)
  {
    throw InputError(e.what());
  }
}

std::vector<std::string>
RunImportSAM(const std::string & checkpoint, const std::string & output)
{
  RefuseToOverwriteInputs(output, { checkpoint });
  try
  {
    ModelConfig config = ModelConfig::VitB();
    config.Training = "SAM ViT-B weights imported from " + checkpoint + "; prior entry points at their zero start";
    auto       engine = SegmentationEngine::Create(config, 1);
    const auto unused = engine->ImportSAM(checkpoint);
    engine->Save(output);
    return unused;
  }
  catch (const ModelError & e)
  {
    throw InputError(e.what());
  }
}

std::string
RunCheckModel(const std::string & model, const std::string & resave)
{
  if (!resave.empty())
  {
    RefuseToOverwriteInputs(resave, { model });
  }
  try
  {
    const auto          engine = SegmentationEngine::Load(model);
    const ModelConfig & config = engine->GetConfig();
    std::ostringstream  out;
    out << "model: " << engine->GetIdentity() << "\n"
        << "configuration: " << config.Name << ", tile " << config.TileSize << ", prior channels " << config.PriorChannels
        << (engine->IsTorchScript() ? " (TorchScript)" : "") << "\n"
        << "threshold: " << config.Threshold << "\n"
        << "IoU head: " << (config.IoUHeadTrained ? "trained" : "untrained") << "\n"
        << "training: " << (config.Training.empty() ? "(not recorded)" : config.Training) << "\n"
        << "checksum: " << engine->GetChecksum() << "\n";
    if (!resave.empty())
    {
      engine->Save(resave);
      out << "re-saved: " << resave << " (with its SHA-256)\n";
    }
    return out.str();
  }
  catch (const ModelError & e)
  {
    throw InputError(e.what());
  }
}

Subcommand
RegisterCheckModelCommand(CLI::App & app)
{
  auto   paths = std::make_shared<std::pair<std::string, std::string>>(); // model, resave
  auto * command = app.add_subcommand(
    "check-model", "Check a model file (format, sizes, shapes, SHA-256 of its weights) and say what it is; "
                   "--resave writes it again in the current format, with its checksum.");
  command->add_option("MODEL", paths->first, "Model file to check")->required();
  command->add_option("--resave", paths->second, "Write the checked model to this file, with its SHA-256");
  return { command, [paths] { std::cout << RunCheckModel(paths->first, paths->second) << std::flush; } };
}

Subcommand
RegisterInitModelCommand(CLI::App & app)
{
  auto   o = std::make_shared<InitModelOptions>();
  auto * command = app.add_subcommand("init-model", "Write a network with fresh, seeded weights (untrained).");
  command->add_option("OUTPUT", o->Output, "Model file to write")->required();
  command->add_option("--config", o->Configuration, "small, small_fine (8-px patches) or vit_b")
    ->check(CLI::IsMember(ModelConfig::Names()))
    ->capture_default_str();
  command->add_option("--priors", o->PriorEntryPoints, "Prior entry points: encoder,prompt,decoder or none")
    ->capture_default_str();
  command->add_option("--tile", o->TileSize, "Tile size (0: the configuration's)")->capture_default_str();
  command->add_option("--seed", o->Seed, "Seed of the initial weights")->capture_default_str();
  return { command, [o] { RunInitModel(*o); } };
}

Subcommand
RegisterImportSAMCommand(CLI::App & app)
{
  auto   paths = std::make_shared<std::pair<std::string, std::string>>(); // checkpoint, output
  auto * command = app.add_subcommand("import-sam", "Build the vit_b network with SAM ViT-B's weights.");
  command->add_option("CHECKPOINT", paths->first, "SAM checkpoint converted by Utilities/convert_sam_checkpoint.py")
    ->required();
  command->add_option("OUTPUT", paths->second, "Model file to write")->required();
  return { command, [paths] {
            for (const auto & name : RunImportSAM(paths->first, paths->second))
            {
              std::cerr << "scopsam: note: the checkpoint's tensor " << name << " has no place in the network" << std::endl;
            }
          } };
}

} // namespace scopsam
