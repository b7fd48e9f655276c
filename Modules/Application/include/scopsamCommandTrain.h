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
#ifndef scopsamCommandTrain_h
#define scopsamCommandTrain_h

#include "SCoPSAMApplicationExport.h"
#include "scopsamTrainer.h"

#include <cstdint>
#include <string>
#include <vector>

/** \file scopsamCommandTrain.h
 * \brief `scopsam train`: a network trained on synthetic tiles and/or annotated datasets.
 * \ingroup SCoPSAMApplication
 */
namespace scopsam
{

/** `scopsam train OUTPUT`: trains a network on synthetic tiles made on the fly and/or annotated datasets. */
struct TrainCommandOptions
{
  std::string              Output;
  std::string              Configuration{ "small" };
  std::string              Init;      // a model file to fine-tune (else fresh weights)
  std::string              PriorEntryPoints{ "encoder,prompt,decoder" };
  std::vector<std::string> Data;      // dataset folders (their train split; val split for validation)
  std::vector<std::string> PromptedData; // dataset folders whose masks are a target of clicks only (DatasetTarget::Prompted)
  std::string              Fold;      // "I/K": each --data set's train and val fields of view dealt to K folds,
                                      // fold I validates, the others train (ReadDatasetFold); empty: the splits
  double                   SyntheticFraction{ -1.0 }; // -1: 1 without data, 0.5 with
  double                   PromptedShare{ -1.0 };     // of the dataset tiles, from the --prompted-data sets (-1: as any set)
  double                   NegativeClicksAlone{ 0.0 }; // of the prompted-target tiles, with negative clicks only
  double                   ErrorClicks{ 0.0 }; // of the prompted tiles, clicks on the error of the network's masks
  int                      ErrorClickRounds{ 1 }; // up to this many, each on the error of the mask before it
  std::string              Teacher; // a model whose probabilities the synthetic tiles also learn (distillation)
  double                   DistillationWeight{ TrainingOptions{}.DistillationWeight };
  double                   BoundaryWeight{ TrainingOptions{}.BoundaryWeight }; // extra cross-entropy on the outline
  std::string              Levels{ "1,2,3,3" };
  bool                     CoarsePhases{ false }; // synthetic tiles may hold the coarse morphologies
  bool                     SecondPhase{ false };  // synthetic tiles may hold a second phase, picked by clicks
  std::string              Effects{ "none" };     // instrument effects of the synthetic tiles (InstrumentEffects::Parse)
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

/** `scopsam finetune IMAGE MASK [IMAGE MASK ...] OUTPUT.pt`: a model fitted to the user's own annotated micrographs,
 * starting from the embedded default model. One pair: the field's right-hand quarter is held out; several: the last
 * pair is. The held-out part picks the checkpoint and threshold and is segmented with the starting and the
 * fine-tuned model; the last line says whether fine-tuning helped. The frozen defaults are the recipe of
 * results.md ("Fine-tuning as a command"); training itself is RunTrain() on a dataset folder made of the pairs. */
struct FinetuneOptions
{
  std::vector<std::string> Arguments; // IMAGE MASK pairs, then the output model file
  /** How it trains: RunTrain's options with the fine-tuning defaults (FinetuneTraining()); RunFinetune sets the
   * output, the data, the checkpoints and the validation schedule. */
  TrainCommandOptions Training = FinetuneTraining();

  /** The frozen recipe: the embedded default model, 150 steps of batch 4 at 2e-4 after 15 warm-up steps, seed 7,
   * the user's tiles only. */
  static TrainCommandOptions
  FinetuneTraining()
  {
    TrainCommandOptions t;
    t.Init = "default";
    t.Steps = 150;
    t.BatchSize = 4;
    t.LearningRate = 2e-4;
    t.WarmupSteps = 15;
    t.Seed = 7;
    t.SyntheticFraction = 0.0;
    return t;
  }
};
/** The held-out IoU before and after. */
struct FinetuneResult
{
  double HeldOutIoUBefore{ 0.0 };
  double HeldOutIoUAfter{ 0.0 };
};
SCoPSAMApplication_EXPORT FinetuneResult
RunFinetune(const FinetuneOptions & options);

} // namespace scopsam

#endif
