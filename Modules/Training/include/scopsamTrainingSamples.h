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
#ifndef scopsamTrainingSamples_h
#define scopsamTrainingSamples_h

#include "SCoPSAMTrainingExport.h"
#include "scopsamDataset.h"
#include "scopsamModelConfig.h"
#include "scopsamErrors.h"
#include "scopsamSyntheticMicrograph.h"
#include "scopsamTrainer.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

/** \file scopsamTrainingSamples.h
 * \brief Training tiles for scopsam::Trainer.
 *
 * Synthetic tiles are whole synthetic micrographs of the tile's size (DESIGN section 4), made on the fly from
 * (seed, index): their level drawn from Levels, their bit depth and polarity at random, the coarse morphologies
 * on offer when CoarsePhases is set. Dataset tiles are random
 * crops of annotated micrographs (DESIGN section 4 layout), normalised and given their priors once per image, on the
 * whole image, as the segmentation filter does. Each dataset is one set: a dataset tile draws its set uniformly, then
 * an image of the set by its size, so that a set of 10 images and one of 16 weigh the same; with PromptedShare in
 * [0, 1] and sets of both targets, that share of the dataset tiles comes from the prompted sets (uniformly among
 * them) and the rest from the automatic ones. Augmentations: every
 * tile is flipped and rotated by a multiple of 90 degrees (image, priors and mask together); synthetic tiles also
 * get a gamma in [0.7, 1.4], Gaussian noise up to 0.02 and a blur up to sigma 0.8 before their priors are computed
 * (so the priors see what the network sees). Dataset tiles, with Augment, are resampled by a scale in [0.5, 2]
 * (log-uniform), given a gamma in [0.6, 1.6], a contrast in [0.75, 1.3], a blur up to sigma 1 and Gaussian noise up
 * to 0.03, and their priors are recomputed from the changed crop (padded by the priors' reach, so that the tile's
 * priors do not see the crop's border); without Augment they are crops of the once-computed whole-image planes.
 * \ingroup SCoPSAMTraining
 */
namespace scopsam
{

struct SampleOptions
{
  int                 TileSize{ 256 };
  std::uint64_t       Seed{ 1 };
  std::vector<int>    Levels{ 1, 2, 3, 3 }; // drawn uniformly: level 3 twice as often
  bool                CoarsePhases{ false }; // SyntheticParameters::CoarsePhases of the synthetic tiles
  bool                SecondPhase{ false };  // SyntheticParameters::SecondPhase: TrainingSample::Phases filled
  InstrumentEffects   Effects;               // each on a synthetic tile with probability 1/2, independently
  double              SyntheticFraction{ 1.0 };
  double              PromptedShare{ -1.0 }; // of the dataset tiles, drawn from the prompted sets (-1: each set alike)
  bool                Augment{ true };
  unsigned int        Threads{ 0 };
};

/** What a dataset's masks are the target of. Automatic: automatic mode's (and of clicks drawn from them). Prompted:
 * only of clicks - a phase that is not automatic mode's target on the same kind of micrograph (nasa_super1_tertiary:
 * the fine tertiary gamma-prime, where nasa_super1 marks all gamma-prime), so that the network learns to follow
 * clicks to it without learning to mark it unasked (TrainingSample::PromptedOnly); its validation images are scored
 * by the click protocol (ValidationImage::Prompted). */
enum class DatasetTarget
{
  Automatic,
  Prompted
};

class SCoPSAMTraining_EXPORT TrainingSampleFactory
{
public:
  TrainingSampleFactory(const ModelConfig & config, const SampleOptions & options);
  ~TrainingSampleFactory();

  /** Adds the annotated images of a dataset folder (its split, or all where split is empty). A dataset is one set of
   * the uniform draw, whatever its target. Throws InputError. */
  void
  AddDataset(const std::string & folder, const std::string & split = "train",
             DatasetTarget target = DatasetTarget::Automatic);
  /** The same for chosen items of the dataset folder (a cross-validation fold: ReadDatasetFold()). */
  void
  AddDataset(const std::string & folder, const std::vector<DatasetItem> & items,
             DatasetTarget target = DatasetTarget::Automatic);
  std::size_t
  GetNumberOfDatasetImages() const;

  /** Tile number `index`: synthetic with probability SyntheticFraction (always when no dataset was added). */
  TrainingSample
  Make(std::uint64_t index) const;

  /** A fixed set of synthetic validation tiles (seeds apart from the training ones), `perLevel` of each level. */
  std::vector<TrainingSample>
  SyntheticValidation(int perLevel) const;
  /** Every image of a dataset split, whole, for validation (Trainer::ValidateImages); their set is the folder's name.
   * A prompted dataset's images are marked Prompted (scored by the click protocol). */
  std::vector<ValidationImage>
  ValidationImages(const std::string & folder, const std::string & split,
                   DatasetTarget target = DatasetTarget::Automatic) const;
  /** The same for chosen items of the dataset folder (a cross-validation fold's held-out fields). */
  std::vector<ValidationImage>
  ValidationImages(const std::string & folder, const std::vector<DatasetItem> & items,
                   DatasetTarget target = DatasetTarget::Automatic) const;

  struct Impl;

private:
  std::unique_ptr<Impl> m_Impl;
};

} // namespace scopsam

#endif
