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
#ifndef scopsamTrainerLoss_h
#define scopsamTrainerLoss_h

#include <torch/torch.h>

/** \file scopsamTrainerLoss.h
 * \brief Pieces of the trainer's loss, internal to SCoPSAMTrainer (not installed; its tests include it).
 * \ingroup SCoPSAMTrainer
 */
namespace scopsam
{

/** The cross-entropy's pixel weights for `mask` (N x 1 x H x W, 0 or 1): 1 + `extra` on the true outline - the pixels
 * with a neighbour (of the 8) of the other class, one pixel either side of the boundary - and 1 elsewhere
 * (TrainingOptions::BoundaryWeight). Where much of a phase is outline (fine particles: 39 % of uhcs_cementite's
 * cementite lies within a pixel of an edge, Documentation/results.md), so are the masks' errors. */
inline torch::Tensor
BoundaryWeights(const torch::Tensor & mask, double extra)
{
  const auto grown = torch::max_pool2d(mask, { 3, 3 }, { 1, 1 }, { 1, 1 });    // phase or next to it
  const auto shrunk = -torch::max_pool2d(-mask, { 3, 3 }, { 1, 1 }, { 1, 1 }); // phase and all neighbours phase
  return 1.0 + extra * (grown - shrunk);
}

} // namespace scopsam

#endif
