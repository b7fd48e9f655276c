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
#ifndef scopsamModelFiles_h
#define scopsamModelFiles_h

// Model files (internal to SCoPSAMModel), SCoP-SAM's counterpart of Segment Anything's build_sam: a network built
// from a configuration, native model files (format version, configuration and every tensor by name and shape),
// TorchScript modules of the documented signature, and the import of SAM ViT-B checkpoints.
#include "scopsamLoadedModel.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace scopsam
{

/** A network of `config` with fresh weights drawn from `seed`, on the CPU. */
std::unique_ptr<LoadedModel>
BuildModel(const ModelConfig & config, std::uint64_t seed);

/** A native model file or a TorchScript file, read to the CPU. */
std::unique_ptr<LoadedModel>
ReadModelFile(const std::string & path);

/** A native model file's bytes (an embedded model); `name` names it in errors and in the identity. */
std::unique_ptr<LoadedModel>
ReadModelBytes(const char * data, std::size_t size, const std::string & name);

/** Writes a native model (weights as float32 on the CPU, and the configuration): temporary file, then rename. */
void
WriteModelFile(const LoadedModel & model, const std::string & path);

/** Writes `bytes` to `path` through a temporary file of this process in the same folder, checked and closed before
 * it is renamed onto `path`: a failure (a full disk, a missing folder) removes it, leaves an earlier file untouched
 * and throws ModelError("cannot write PATH: ..."). Model files and the trainer's checkpoint files go through it. */
void
WriteFileAtomically(const std::string & path, const std::string & bytes);

/** Copies the tensors of a SAM ViT-B checkpoint (a plain dict) into a vit_b network; see
 * SegmentationEngine::ImportSAM(). */
std::vector<std::string>
ImportSAMCheckpoint(LoadedModel & model, const std::string & checkpoint, std::vector<std::string> * notLoaded);

} // namespace scopsam

#endif
