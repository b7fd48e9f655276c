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
#ifndef scopsamEngineImpl_h
#define scopsamEngineImpl_h

// The engine's state, shared by the engine and the training code of the SCoPSAMModel library (not installed).
#include "scopsamNetwork.h"
#include "scopsamSegmentationEngine.h"

#include <torch/script.h>

#include <optional>

namespace scopsam
{

struct SegmentationEngine::Impl
{
  ModelConfig                       Config;
  network::SCoPSAMNet               Net{ nullptr };
  std::optional<torch::jit::Module> Script;
  torch::Device                     Device{ torch::kCPU };
  bool                              Half{ false };
  std::string                       Identity;

  /** Moves the network to the device of `options` and sets LibTorch's threads. */
  void
  PlaceOn(const DeviceOptions & options);
};

} // namespace scopsam

#endif
