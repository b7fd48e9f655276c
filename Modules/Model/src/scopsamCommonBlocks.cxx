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
#include "scopsamCommonBlocks.h"

#include <stdexcept>

namespace scopsam
{
namespace network
{

LayerNorm2dImpl::LayerNorm2dImpl(int64_t channels, double eps)
  : eps(eps)
{
  weight = register_parameter("weight", torch::ones({ channels }));
  bias = register_parameter("bias", torch::zeros({ channels }));
}

torch::Tensor
LayerNorm2dImpl::forward(const torch::Tensor & x)
{
  const auto mean = x.mean(1, true);
  const auto variance = (x - mean).pow(2).mean(1, true);
  const auto normalized = (x - mean) / torch::sqrt(variance + eps);
  return weight.view({ 1, -1, 1, 1 }) * normalized + bias.view({ 1, -1, 1, 1 });
}

MLPBlockImpl::MLPBlockImpl(int64_t dim, int64_t hidden, bool relu)
  : relu(relu)
{
  lin1 = register_module("lin1", torch::nn::Linear(dim, hidden));
  lin2 = register_module("lin2", torch::nn::Linear(hidden, dim));
}

torch::Tensor
MLPBlockImpl::forward(const torch::Tensor & x)
{
  const auto h = lin1(x);
  return lin2(relu ? torch::relu(h) : torch::gelu(h));
}

MLPImpl::MLPImpl(int64_t input, int64_t hidden, int64_t output, int64_t count)
{
  for (int64_t i = 0; i < count; ++i)
  {
    layers->push_back(torch::nn::Linear(i == 0 ? input : hidden, i == count - 1 ? output : hidden));
  }
  register_module("layers", layers);
}

torch::Tensor
MLPImpl::forward(torch::Tensor x)
{
  for (size_t i = 0; i < layers->size(); ++i)
  {
    x = layers[i]->as<torch::nn::Linear>()->forward(x);
    if (i + 1 < layers->size())
    {
      x = torch::relu(x);
    }
  }
  return x;
}

torch::nn::Conv2d
Conv(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding, bool bias)
{
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding).bias(bias));
}

void
ZeroInitialise(const torch::nn::Linear & layer)
{
  torch::NoGradGuard noGrad;
  layer->weight.zero_();
  if (layer->bias.defined())
  {
    layer->bias.zero_();
  }
}

void
ZeroInitialise(const std::shared_ptr<torch::nn::Module> & convolution)
{
  auto conv = std::dynamic_pointer_cast<torch::nn::Conv2dImpl>(convolution);
  if (!conv)
  {
    throw std::logic_error("ZeroInitialise: not a Conv2d");
  }
  torch::NoGradGuard noGrad;
  conv->weight.zero_();
  if (conv->bias.defined())
  {
    conv->bias.zero_();
  }
}

} // namespace network
} // namespace scopsam
