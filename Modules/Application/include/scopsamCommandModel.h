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
#ifndef scopsamCommandModel_h
#define scopsamCommandModel_h

#include "SCoPSAMApplicationExport.h"
#include "scopsamModelConfig.h"

#include <cstdint>
#include <string>
#include <vector>

/** \file scopsamCommandModel.h
 * \brief `scopsam init-model`, `scopsam import-sam` and `scopsam check-model`: networks with fresh or imported
 * weights, and the check (and re-save) of a model file.
 * \ingroup SCoPSAMApplication
 */
namespace scopsam
{

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

/** `scopsam check-model MODEL [--resave OUTPUT]`: loads MODEL with every check a run makes (format, configuration
 * and its size limits, tensor shapes, the SHA-256 of configuration and weights) and returns what it is, one
 * "key: value" line each (configuration, threshold, IoU head, training, checksum). With `resave` not empty, writes the
 * model again in the current format, with its checksum (a file saved before checksums gains one). Throws InputError
 * for a file that fails a check (a corrupt one: exit status 2). */
SCoPSAMApplication_EXPORT std::string
RunCheckModel(const std::string & model, const std::string & resave);

} // namespace scopsam

#endif
