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
#ifndef scopsamPriorChannels_h
#define scopsamPriorChannels_h

#include <array>
#include <stdexcept>
#include <string>
#include <vector>

/** \file scopsamPriorChannels.h
 * \brief The network's prior input: which prior channels, in which order.
 *
 * A network with P prior channels reads the first P of PriorChannelOrder, as planes after the normalised image:
 * the gradient prior's two outputs (itk::GradientPriorFilter: scale-normalised gradient magnitude, structure-tensor
 * coherence), then the grayscale prior's two (itk::GrayscalePriorFilter: local contrast, departure from the matrix
 * mode). Training samples, the segmentation filter and a prior image given to it (SetPriorImage()) all follow this
 * order. No ITK and no LibTorch here: ModelConfig names it.
 * \ingroup SCoPSAMModel
 */
namespace scopsam
{

enum class PriorChannel
{
  GradientMagnitude, // itk::GradientPriorFilter, component 0
  Coherence,         // itk::GradientPriorFilter, component 1
  LocalContrast,     // itk::GrayscalePriorFilter, component 0
  GlobalDeparture    // itk::GrayscalePriorFilter, component 1
};

/** The prior filter a channel comes from and its component in that filter's two-component output. */
enum class PriorSource
{
  Gradient,
  Grayscale
};

/** Every prior channel, in the order the network reads them. */
constexpr std::array<PriorChannel, 4> PriorChannelOrder{ PriorChannel::GradientMagnitude, PriorChannel::Coherence,
                                                         PriorChannel::LocalContrast, PriorChannel::GlobalDeparture };

constexpr PriorSource
SourceOf(PriorChannel channel)
{
  return channel == PriorChannel::GradientMagnitude || channel == PriorChannel::Coherence ? PriorSource::Gradient
                                                                                           : PriorSource::Grayscale;
}

constexpr unsigned int
ComponentOf(PriorChannel channel)
{
  return channel == PriorChannel::GradientMagnitude || channel == PriorChannel::LocalContrast ? 0u : 1u;
}

inline std::string
NameOf(PriorChannel channel)
{
  switch (channel)
  {
    case PriorChannel::GradientMagnitude:
      return "gradient magnitude";
    case PriorChannel::Coherence:
      return "coherence";
    case PriorChannel::LocalContrast:
      return "local contrast";
    case PriorChannel::GlobalDeparture:
      break;
  }
  return "global departure";
}

/** The channels of a network with `count` prior channels: the first `count` of PriorChannelOrder. Throws
 * std::invalid_argument outside [0, 4]. */
inline std::vector<PriorChannel>
FirstPriorChannels(int count)
{
  if (count < 0 || count > static_cast<int>(PriorChannelOrder.size()))
  {
    throw std::invalid_argument("a network takes 0 to 4 prior channels, not " + std::to_string(count));
  }
  return { PriorChannelOrder.begin(), PriorChannelOrder.begin() + count };
}

} // namespace scopsam

#endif
