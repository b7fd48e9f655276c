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
#ifndef scopsamLoadedModel_h
#define scopsamLoadedModel_h

// The internal, torch-typed interface of the SCoPSAMModel library: the network an engine holds, for the code that
// trains it (SCoPSAMTrainer), imports weights into it and tests it from inside. Not installed; no public header
// includes it, so ITK's wrapping and the filters never see a torch:: type.
#include "scopsamNetwork.h"
#include "scopsamSegmentationEngine.h"

#include <torch/script.h>

#include <memory>
#include <optional>
#include <string>

namespace scopsam
{

/** A network with its configuration, where it runs and what it is called: a native SCoP-SAM network (Net) or a
 * TorchScript module (Script). */
struct LoadedModel
{
  ModelConfig                       Config;
  network::SCoPSAMNet               Net{ nullptr };
  std::optional<torch::jit::Module> Script;
  torch::Device                     Device{ torch::kCPU };
  bool                              Half{ false };
  int                               Threads{ 0 }; // DeviceOptions::Threads
  std::string                       Identity;
  std::string                       Checksum; // SegmentationEngine::GetChecksum()
};

/** The model inside an engine, and an engine around a model. */
struct EngineAccess
{
  static LoadedModel &
  Model(const SegmentationEngine & engine)
  {
    return *engine.m_Model;
  }
  static std::unique_ptr<SegmentationEngine>
  Wrap(std::unique_ptr<LoadedModel> model)
  {
    return std::unique_ptr<SegmentationEngine>(new SegmentationEngine(std::move(model)));
  }
};

/** The network of an engine (for the trainer and white-box tests). */
inline LoadedModel &
ModelOf(const SegmentationEngine & engine)
{
  return EngineAccess::Model(engine);
}

} // namespace scopsam

#endif
