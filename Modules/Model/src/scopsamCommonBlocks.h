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
#ifndef scopsamCommonBlocks_h
#define scopsamCommonBlocks_h

/** \file scopsamCommonBlocks.h
 * \brief The building blocks that several stages share (Segment Anything's modeling/common.py, and its MLP).
 *
 * LayerNorm2d and MLPBlock carry SAM's parameter names (weight, bias; lin1, lin2), MLP carries those of SAM's
 * mask decoder MLP (layers.0, layers.1, ...), so that SAM weights load into them. The helpers below make the
 * convolutions of every stage and zero the output layers of the prior entry points, which start at zero so that
 * pretrained SAM weights are unchanged until training moves them.
 *
 * Internal to the SCoPSAMModel library, like every network header: no public header includes it.
 * \ingroup SCoPSAMModel
 */

#include <torch/torch.h>

namespace scopsam
{
namespace network
{

/** LayerNorm over the channels of an [N, C, H, W] tensor (SAM's LayerNorm2d). */
struct LayerNorm2dImpl : torch::nn::Module
{
  explicit LayerNorm2dImpl(int64_t channels, double eps = 1e-6);
  torch::Tensor
  forward(const torch::Tensor & x);
  torch::Tensor weight, bias;
  double        eps;
};
TORCH_MODULE(LayerNorm2d);

/** Two linear layers with an activation between (SAM's MLPBlock: lin1, lin2); ReLU or GELU. */
struct MLPBlockImpl : torch::nn::Module
{
  MLPBlockImpl(int64_t dim, int64_t hidden, bool relu);
  torch::Tensor
  forward(const torch::Tensor & x);
  torch::nn::Linear lin1{ nullptr }, lin2{ nullptr };
  bool              relu;
};
TORCH_MODULE(MLPBlock);

/** A stack of `count` linear layers with ReLU between (SAM's MLP: layers.0, layers.1, ...). */
struct MLPImpl : torch::nn::Module
{
  MLPImpl(int64_t input, int64_t hidden, int64_t output, int64_t count);
  torch::Tensor
  forward(torch::Tensor x);
  torch::nn::ModuleList layers;
};
TORCH_MODULE(MLP);

/** A 2-D convolution with the options of SAM's modules spelled out. */
torch::nn::Conv2d
Conv(int64_t in, int64_t out, int64_t kernel, int64_t stride = 1, int64_t padding = 0, bool bias = true);

/** Sets the weight and bias of a linear layer to zero. */
void
ZeroInitialise(const torch::nn::Linear & layer);

/** Sets the weight and bias of a convolution (a Conv2d, e.g. a child of a Sequential) to zero. */
void
ZeroInitialise(const std::shared_ptr<torch::nn::Module> & convolution);

} // namespace network
} // namespace scopsam

#endif
