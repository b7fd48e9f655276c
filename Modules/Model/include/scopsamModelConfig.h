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
#ifndef scopsamModelConfig_h
#define scopsamModelConfig_h

#include "SCoPSAMModelExport.h"
#include "scopsamPriorChannels.h"
#include "scopsamPriorParameters.h"

#include <string>
#include <vector>

/** \file scopsamModelConfig.h
 * \brief Everything a SCoP-SAM model file says about itself besides its weights.
 *
 * A model file carries its configuration as JSON next to the tensors: the network's shapes, which prior entry
 * points are on, the prior channels and the parameters of the prior filters that made them, and the intensity
 * normalisation. Loading checks the file's format version and that every tensor has the shape this
 * configuration implies. No LibTorch types here: ITK's wrapping parses the headers that include this one.
 * \ingroup SCoPSAMModel
 */
namespace scopsam
{

/** Version of the model-file format. A file of another version is refused with a message naming both. */
constexpr int ModelFormatVersion = 1;

struct ModelConfig
{
  std::string Name{ "small" }; // "small" (CPU-friendly), "small_fine" (8-px patches) or "vit_b" (SAM ViT-B's)

  // Image encoder (SAM layout).
  int              TileSize{ 256 };   // pixels the network sees; SAM ViT-B was trained at 1024
  int              PatchSize{ 16 };
  int              EncoderDim{ 192 };
  int              EncoderDepth{ 4 };
  int              EncoderHeads{ 3 };
  int              WindowSize{ 8 };   // windowed attention, in tokens
  std::vector<int> GlobalBlocks{ 1, 3 };
  int              PositionGrid{ 16 }; // size of the absolute position embedding grid (SAM ViT-B: 64)

  // Prompt encoder and mask decoder.
  int EmbedDim{ 128 };        // SAM: 256
  int DecoderDepth{ 2 };
  int DecoderHeads{ 4 };      // SAM: 8
  int DecoderMlpDim{ 512 };   // SAM: 2048
  int MaskInChannels{ 16 };

  // Priors: the first PriorChannels of PriorChannelOrder (see GetPriorChannels()).
  int                 PriorChannels{ 4 };
  bool                PriorsInEncoder{ true };  // prior patch embedding and adapters
  bool                PriorsInPrompt{ true };   // dense prior prompt
  bool                PriorsInDecoder{ true };  // full-resolution prior fusion
  int                 AdapterDim{ 48 };
  int                 RefineChannels{ 8 }; // width of the full-resolution prior fusion and refinement
  // The prior filters' parameters: defaults and ranges from scopsamPriorParameters.h, checked by Validate().
  std::vector<double> GradientScales = std::vector<double>(PriorParameters::DefaultScales.begin(),
                                                           PriorParameters::DefaultScales.end());
  double              IntegrationScale{ PriorParameters::IntegrationScale.Default };
  double              MagnitudeScale{ PriorParameters::MagnitudeScale.Default };
  int                 WindowRadius{ static_cast<int>(PriorParameters::WindowRadius.Default) };
  double              GrayscaleEpsilon{ PriorParameters::Epsilon.Default };
  double              ContrastScale{ PriorParameters::ContrastScale.Default };
  double              GlobalScale{ PriorParameters::GlobalScale.Default };
  scopsam::Polarity   Polarity{ PriorParameters::DefaultPolarity }; // stored by name ("both")

  // Intensity normalisation (percentiles of the whole image mapped to 0 and 1).
  double LowerPercentile{ 0.005 };
  double UpperPercentile{ 0.995 };

  // Automatic mode's decision: a pixel is phase where the probability is at least Threshold. Chosen by the trainer
  // on the validation images (the mean over sets of the per-set mean IoU) and stored with the weights, so that every
  // front end uses the threshold the model was selected with; a caller's explicit threshold overrides it.
  double Threshold{ 0.5 };
  // Whether a loss term fitted the IoU head (scopsam train's IoU loss); false: its output is that of the random
  // initialisation or of an imported SAM checkpoint, and front ends show it marked "untrained".
  bool IoUHeadTrained{ false };

  // Provenance: how the weights were made (free text), and the pixel scale of the training data.
  std::string Training;
  double      TrainingPixelScale{ 1.0 };

  /** The small CPU-friendly configuration (the embedded default model's). */
  static ModelConfig
  Small();
  /** Small on 8-pixel patches (32 x 32 tokens per tile; the encoder comparison of Documentation/results.md). */
  static ModelConfig
  SmallFine();
  /** SAM ViT-B's shapes: 1024-pixel tiles, 768-wide encoder of 12 blocks, 256-wide prompts and decoder. */
  static ModelConfig
  VitB();
  /** One of Names(); throws std::invalid_argument otherwise. */
  static ModelConfig
  Named(const std::string & name);
  /** The configurations Named() builds: "small", "small_fine", "vit_b" (the command lines' choices). */
  static const std::vector<std::string> &
  Names();

  /** The prior channels the network reads, in order (scopsamPriorChannels.h). */
  std::vector<PriorChannel>
  GetPriorChannels() const
  {
    return FirstPriorChannels(PriorChannels);
  }

  /** An upper bound of the number of weights of this configuration's network, from its sizes alone (before anything
   * is allocated): what Validate() caps, so that a model file cannot ask for a network that would not fit. */
  double
  ParameterBound() const;
  /** The most weights a configuration may have (ParameterBound()): 400 M, four times SAM ViT-B. */
  static constexpr double MaximumParameters = 400e6;

  /** Throws std::invalid_argument naming the first inconsistent field; every size has an upper limit. */
  void
  Validate() const;

  std::string
  ToJSON() const;
  /** Throws std::invalid_argument on malformed JSON or missing fields. */
  static ModelConfig
  FromJSON(const std::string & json);

  bool
  operator==(const ModelConfig & other) const
  {
    return ToJSON() == other.ToJSON();
  }
};

/** The tile sizes a network of `config` takes are multiples of this (4 patches: the mask decoder upsamples the
 * 1/16 embedding by 4) in [TileSizeMultiple, MaximumTileSize] (scopsamTileGrid.h). */
inline int
TileSizeMultiple(const ModelConfig & config)
{
  return 4 * config.PatchSize;
}

} // namespace scopsam

#endif
