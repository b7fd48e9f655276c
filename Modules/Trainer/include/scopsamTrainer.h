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
#ifndef scopsamTrainer_h
#define scopsamTrainer_h

#include "SCoPSAMTrainerExport.h"
#include "scopsamSegmentationEngine.h"

#include <cstdint>
#include <functional>
#include <random>
#include <memory>
#include <string>
#include <vector>

/** \file scopsamTrainer.h
 * \brief Training SCoP-SAM networks (LibTorch), from scratch or from a model file.
 *
 * The trainer sees tiles already prepared by its caller (the image normalised to [0, 1], its priors, its mask), so
 * it needs no ITK: the command line (`scopsam train`) prepares them with the prior filters and the synthetic
 * generator. Loss: binary cross-entropy plus DiceWeight x (1 - soft Dice) per tile, averaged over the batch: the
 * cross-entropy calibrates every pixel, the Dice term keeps a 2 % phase from being learnt as "all matrix". AdamW with
 * linear warm-up and cosine decay to MinimumLearningRateFraction x LearningRate; gradient norm clipped at 1.
 * Prompt simulation: a fraction PromptedFraction of the tiles get 1..MaxPositiveClicks positive and
 * 0..MaxNegativeClicks negative clicks drawn from the mask (each an appearance token and a point token); the others
 * train automatic mode. Tiles of a prompted dataset (TrainingSample::PromptedOnly) are always prompted, a share
 * NegativeClicksAlone of them with negative clicks only (what a user clicks first on a mask that marks the other phase).
 * A share ErrorClicks of the prompted tiles gets instead the clicks a user gives: the network's automatic mask of
 * the tile is made (no gradient) and a click lands on its error (ErrorRegionClick()), then, for up to
 * ErrorClickRounds rounds, the mask those clicks give and a click on its error, as Segment Anything's training
 * draws its later points from the error region of the previous mask; the loss is taken on the last mask.
 * Distillation (SetTeacher()): on the synthetic tiles (TrainingSample::Synthetic) the loss gains DistillationWeight x
 * the binary cross-entropy of the network's mask against a teacher network's probability for the same tile and the
 * same clicks - so that a stage that adds real micrographs keeps what an earlier network did on synthetic ones
 * (learning without forgetting, with the earlier network as the teacher). With a fixed seed and thread count a CPU
 * run repeats exactly. The thread count is the engine's (DeviceOptions::Threads), held with one BLAS thread while the
 * trainer runs and restored after (ScopedThreadSettings); 0 leaves LibTorch's and the BLAS library's own settings.
 *
 * LibTorch without ITK: the trainer builds where PyTorch's LibTorch is and ITK is not; it reaches the network
 * through SCoPSAMModel's internal interface (Modules/Model/src/scopsamLoadedModel.h).
 * \ingroup SCoPSAMTrainer
 */
namespace scopsam
{

/** One training tile: Size x Size pixels, Image and Mask (0 or 1) row-major, Priors as PriorChannels planes.
 * Phases, where the tile holds two phases: per pixel 0 (rest), 1 or 2 (which phase), Mask being both; the
 * trainer then draws, for some of its prompted tiles, clicks that pick one phase and makes that phase the target.
 * PromptedOnly: the Mask is a target only under clicks (a prompted dataset, DatasetTarget::Prompted: a phase that is
 * not automatic mode's target on the same pixels); the trainer then always draws clicks from it, at least one, and
 * never trains automatic mode on it. */
struct TrainingSample
{
  std::int64_t              Size{ 0 };
  std::vector<float>        Image;
  std::vector<float>        Priors;
  std::vector<float>        Mask;
  std::vector<std::uint8_t> Phases; // empty: one phase
  bool                      PromptedOnly{ false };
  bool                      Synthetic{ false }; // made by the synthetic generator: a teacher's tile (SetTeacher())
};

/** A whole validation image of one dataset split, prepared like a training image (normalised image, priors, mask):
 * the trainer runs the engine over it as inference does (tile grid, blending) and scores the whole image - in
 * automatic mode, or, for an image of a prompted dataset, by the click protocol of `scopsam bench` (RITM's rule,
 * scopsamProtocolClick.h): from the automatic mask, TrainingOptions::ValidationClicks clicks, each at the deepest
 * error of the mask the clicks before it give, all earlier clicks kept, answered by the network's own click path. */
struct ValidationImage
{
  std::string        Set;  // the dataset it belongs to: scores are reported and averaged per set
  std::string        Name;
  std::int64_t       Width{ 0 }, Height{ 0 };
  std::vector<float> Image;
  std::vector<float> Priors;
  std::vector<float> Mask;
  bool               Prompted{ false }; // the Mask is the target of clicks only: scored by the click protocol
};

/** The validation images scored. The threshold (of 0.20, 0.25, ..., 0.80) is automatic mode's, the one the model
 * stores: the one with the highest mean over the automatic sets of their per-set mean IoU, so that a set of 4 images
 * counts as much as one of 20 (where no set is automatic, the model's own threshold stays). At that threshold each
 * set gets one figure - an automatic set the mean IoU of its automatic masks, a prompted set ("SET (prompted)") the
 * mean IoU after the protocol's clicks - and Score, which picks the checkpoint, is the mean over every set. */
struct ValidationScore
{
  double                                        Score{ -1 };      // mean over sets at Threshold; -1: nothing validated
  double                                        Threshold{ 0.5 };
  std::vector<std::pair<std::string, double>>   SetIoU;           // per set, at Threshold
  double                                        IoUHeadError{ -1 }; // mean |predicted IoU - true IoU| over the
                                                                    // automatic images; -1: none
};

/** A simulated click on a mask's error (SAM's training points after the first; RITM's protocol in spirit): a pixel
 * drawn uniformly from the interior of the error (missed or false pixels whose 5 x 5 neighbourhood is all of their
 * kind; the whole error where no interior is left), positive on a missed pixel, negative on a false one - so the
 * larger error region gets the click more often, and thin boundary errors rarely. `predicted` and `truth`: Size x
 * Size, row-major, non-zero = phase. False where the mask has no error. */
struct ErrorClick
{
  std::int64_t X{ 0 }, Y{ 0 };
  int          Label{ 1 };
};
SCoPSAMTrainer_EXPORT bool
ErrorRegionClick(const std::vector<std::uint8_t> & predicted, const std::vector<std::uint8_t> & truth, std::int64_t size,
                 std::mt19937_64 & random, ErrorClick & click);

/** Makes training tile number `index`; the same index must give the same tile (for repeatable runs). */
using SampleSource = std::function<TrainingSample(std::uint64_t index)>;

struct TrainingOptions
{
  int           Steps{ 2000 };
  int           BatchSize{ 8 };
  double        LearningRate{ 4e-4 };
  double        MinimumLearningRateFraction{ 0.05 };
  double        WeightDecay{ 0.05 };
  int           WarmupSteps{ 100 };
  double        DiceWeight{ 1.0 };
  double        IoUWeight{ 1.0 }; // weight of the IoU head's loss: squared error against the true IoU of each mask
  double        DistillationWeight{ 1.0 }; // weight of the teacher's term on synthetic tiles, where there is a teacher
  double        BoundaryWeight{ 0.0 }; // extra weight of the cross-entropy on the true outline (scopsamTrainerLoss.h)
  double        PromptedFraction{ 0.5 };
  int           MaxPositiveClicks{ 3 };
  int           MaxNegativeClicks{ 2 };
  double        NegativeClicksAlone{ 0.0 }; // of the prompted-target tiles that hold the phase: this share gets only
                                            // negative clicks (1..MaxNegativeClicks), "not this" without "this"
  double        ErrorClicks{ 0.0 }; // of the prompted tiles: this share gets instead clicks on the error of the
                                    // network's own masks (ErrorRegionClick()), as SAM's training draws them
  int           ErrorClickRounds{ 1 }; // such a tile gets 1..ErrorClickRounds clicks, each on the error of the mask
                                       // the clicks before it give (the first: of the automatic mask)
  int           ValidateEvery{ 200 };
  int           ValidationClicks{ 5 }; // protocol clicks a prompted validation image is scored after (mIoU@5)
  bool          ValidateFirst{ false }; // a run that starts at step 0 validates its initial weights first (step 0)
  int           CheckpointEvery{ 200 };
  std::string   CheckpointFolder; // empty: no checkpoints
  bool          MakeBatchesAhead{ true }; // the next batch is made on a worker thread while a step runs
  std::uint64_t Seed{ 1 };
};

/** What the trainer reports after every step (ValidationIoU < 0 where no validation ran). */
struct TrainingReport
{
  int    Step{ 0 };
  int    Steps{ 0 };
  double Loss{ 0 };
  double LearningRate{ 0 };
  double ValidationIoU{ -1 };
  ValidationScore Validation; // on the whole validation images, where the trainer was given some
  bool   Best{ false };       // this validation is the best so far: the checkpoint folder's best.pt holds it
  double Seconds{ 0 };    // wall time since Train() began (this process; a resumed run starts again at 0)
  double CPUSeconds{ 0 }; // CPU time of the whole process (all its threads) over the same span
};
using TrainingCallback = std::function<void(const TrainingReport &)>;

class SCoPSAMTrainer_EXPORT Trainer
{
public:
  /** Trains the network of `engine` in place (a native SCoP-SAM model, not TorchScript). */
  Trainer(SegmentationEngine & engine, const TrainingOptions & options);
  ~Trainer();
  Trainer(const Trainer &) = delete;
  Trainer &
  operator=(const Trainer &) = delete;

  /** A teacher for the synthetic tiles (see the file's description): a native SCoP-SAM model of the same tile size,
   * prior channels and device, kept by the caller for the trainer's life; it is only run, never trained. Throws
   * ModelError when it does not fit. */
  void
  SetTeacher(const SegmentationEngine & teacher);

  /** Continues from a checkpoint folder (model.pt, optimizer.pt, state.json) written by an earlier run with the
   * same options: the weights, the optimiser's moments and the step. Throws ModelError when it does not fit. */
  void
  Resume(const std::string & checkpointFolder);
  int
  GetStep() const;

  /** Runs the remaining steps; validation (automatic mode, mean IoU at 0.5) every ValidateEvery steps and at the end
   * (and at step 0, before any step, with ValidateFirst: a fine-tuning's initial weights are then scored, reported
   * with Loss 0, and are a candidate for best.pt like every later validation);
   * checkpoints every CheckpointEvery steps and at the end. The next batch is made on a worker thread while the
   * current step runs. With validation images, every validation also scores them (ValidateImages()) and the best
   * score so far is kept, with its threshold stored in the model, as best.pt in the checkpoint folder: the weights
   * are picked on validation images only. */
  void
  Train(const SampleSource & source, const std::vector<TrainingSample> & validation, const TrainingCallback & callback = nullptr,
        const std::vector<ValidationImage> & validationImages = {});

  /** Scores whole validation images: automatic mode, and the click protocol on prompted ones (see ValidationScore). */
  ValidationScore
  ValidateImages(const std::vector<ValidationImage> & images);

  /** The path of the best checkpoint (best.pt in the checkpoint folder); empty when none was kept yet. */
  std::string
  GetBestModelPath() const;

  /** Mean IoU (threshold 0.5, automatic mode) of the network on samples. */
  double
  Validate(const std::vector<TrainingSample> & samples);

  /** Loss of one batch without updating anything (for tests). */
  double
  EvaluateLoss(const std::vector<TrainingSample> & batch, std::uint64_t clickSeed);

  struct Impl;

private:
  std::unique_ptr<Impl> m_Impl;
};

} // namespace scopsam

#endif
