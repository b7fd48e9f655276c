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
#include "scopsamModelConfig.h"
#include "scopsamJSONNumbers.h"
#include "scopsamTileGrid.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include <stdexcept>
#include <string>
#include <utility>

namespace scopsam
{

ModelConfig
ModelConfig::Small()
{
  return ModelConfig{};
}

ModelConfig
ModelConfig::SmallFine()
{
  // The small encoder on 8-pixel patches: four times the tokens of a 256-pixel tile (32 x 32), so that a particle of
  // a few pixels owns a token of its own; the decoder's masks come out at 1/2 instead of 1/4 resolution.
  ModelConfig c;
  c.Name = "small_fine";
  c.PatchSize = 8;
  c.PositionGrid = 32;
  return c;
}

ModelConfig
ModelConfig::VitB()
{
  ModelConfig c;
  c.Name = "vit_b";
  c.TileSize = 1024;
  c.EncoderDim = 768;
  c.EncoderDepth = 12;
  c.EncoderHeads = 12;
  c.WindowSize = 14;
  c.GlobalBlocks = { 2, 5, 8, 11 };
  c.PositionGrid = 64;
  c.EmbedDim = 256;
  c.DecoderHeads = 8;
  c.DecoderMlpDim = 2048;
  c.AdapterDim = 192;
  return c;
}

const std::vector<std::string> &
ModelConfig::Names()
{
  static const std::vector<std::string> names{ "small", "small_fine", "vit_b" };
  return names;
}

ModelConfig
ModelConfig::Named(const std::string & name)
{
  if (name == "small")
  {
    return Small();
  }
  if (name == "small_fine")
  {
    return SmallFine();
  }
  if (name == "vit_b")
  {
    return VitB();
  }
  std::string known;
  for (const auto & n : Names())
  {
    known += (known.empty() ? "" : ", ") + n;
  }
  throw std::invalid_argument("unknown model configuration '" + name + "' (" + known + ")");
}

double
ModelConfig::ParameterBound() const
{
  // Terms of each stage, each rounded up (sizes as double: no overflow for hostile values).
  const double d = EncoderDim, e = EmbedDim, p = PatchSize, a = AdapterDim, m = DecoderMlpDim;
  const double grid = std::max(WindowSize, TileSize / std::max(PatchSize, 1));
  const double encoderBlock = 12 * d * d + 16 * d + 4 * (2 * grid - 1) * d + 4 * d * a;
  const double encoder = EncoderDepth * encoderBlock + (3 + PriorChannels) * p * p * d +
                         double(PositionGrid) * PositionGrid * d + d * e + 9 * e * e + 4 * e;
  const double decoderLayer = 16 * e * e + 2 * e * m + 16 * e;
  const double decoder = (DecoderDepth + 1) * decoderLayer + 8 * e * e + 4 * 3 * e * e + 256 * (e + 260) +
                         64 * double(MaskInChannels) * MaskInChannels + 64 * e;
  const double refine = 64 * double(RefineChannels) * (RefineChannels + e + 8);
  return encoder + decoder + refine + 4 * (e + 8) * e;
}

void
ModelConfig::Validate() const
{
  auto require = [](bool ok, const std::string & what) {
    if (!ok)
    {
      throw std::invalid_argument("invalid model configuration: " + what);
    }
  };
  require(PatchSize >= 4 && PatchSize <= 64, "PatchSize must be in [4, 64]");
  require(TileSize >= 2 * PatchSize && TileSize <= MaximumTileSize && TileSize % (4 * PatchSize) == 0,
          "TileSize must be a multiple of 4 x PatchSize in [2 PatchSize, " + std::to_string(MaximumTileSize) + "]");
  require(EncoderDim > 0 && EncoderDim <= 4096 && EncoderHeads > 0 && EncoderHeads <= 64 &&
            EncoderDim % EncoderHeads == 0,
          "EncoderDim (at most 4096) must divide by EncoderHeads (at most 64)");
  require(EncoderDepth >= 1 && EncoderDepth <= 64, "EncoderDepth must be in [1, 64]");
  require(WindowSize >= 0 && WindowSize <= 128, "WindowSize must be in [0, 128]");
  for (const int b : GlobalBlocks)
  {
    require(b >= 0 && b < EncoderDepth, "GlobalBlocks must name blocks of the encoder");
  }
  require(PositionGrid >= 1 && PositionGrid <= 256, "PositionGrid must be in [1, 256]");
  require(DecoderHeads >= 1 && DecoderHeads <= 64, "DecoderHeads must be in [1, 64]");
  require(EmbedDim >= 16 && EmbedDim <= 2048 && EmbedDim % 8 == 0 && EmbedDim % DecoderHeads == 0,
          "EmbedDim must be a multiple of 8 and of DecoderHeads in [16, 2048]");
  require(DecoderDepth >= 1 && DecoderDepth <= 16 && DecoderMlpDim >= 1 && DecoderMlpDim <= 16384 &&
            MaskInChannels >= 4 && MaskInChannels <= 256 && MaskInChannels % 4 == 0,
          "decoder sizes must be positive and at most 16 layers, an MLP of 16384, MaskInChannels a multiple of 4 up to 256");
  require(PriorChannels >= 0 && PriorChannels <= 4, "PriorChannels must be in [0, 4]");
  require(AdapterDim >= 1 && AdapterDim <= 4096, "AdapterDim must be in [1, 4096]");
  require(RefineChannels >= 1 && RefineChannels <= 64, "RefineChannels must be in [1, 64]");
  require(ParameterBound() <= MaximumParameters,
          "the network would have up to " + std::to_string(static_cast<long long>(ParameterBound() / 1e6)) +
            " M weights; at most " + std::to_string(static_cast<long long>(MaximumParameters / 1e6)) + " M are allowed");
  PolarityName(Polarity); // throws std::invalid_argument for a value outside the enumeration
  require(Threshold >= 0.0 && Threshold <= 1.0, "threshold must be in [0, 1]");
  require(LowerPercentile >= 0 && LowerPercentile < 0.5 && UpperPercentile > 0.5 && UpperPercentile <= 1.0,
          "percentiles must satisfy 0 <= lower < 0.5 < upper <= 1");
  require(!GradientScales.empty() && GradientScales.size() <= PriorParameters::MaximumNumberOfScales,
          "GradientScales must hold 1 to " + std::to_string(PriorParameters::MaximumNumberOfScales) + " scales");
  for (const double scale : GradientScales)
  {
    require(PriorParameters::ScaleRange.Contains(scale),
            "each of the GradientScales must be " + PriorParameters::ScaleRange.Requirement());
  }
  for (const auto & [value, parameter] : { std::pair{ IntegrationScale, PriorParameters::IntegrationScale },
                                           std::pair{ MagnitudeScale, PriorParameters::MagnitudeScale },
                                           std::pair{ static_cast<double>(WindowRadius), PriorParameters::WindowRadius },
                                           std::pair{ GrayscaleEpsilon, PriorParameters::Epsilon },
                                           std::pair{ ContrastScale, PriorParameters::ContrastScale },
                                           std::pair{ GlobalScale, PriorParameters::GlobalScale } })
  {
    require(parameter.Range.Contains(value), std::string(parameter.Name) + " must be " + parameter.Range.Requirement());
  }
}

std::string
ModelConfig::ToJSON() const
{
  nlohmann::json j;
  j["name"] = Name;
  j["tile_size"] = TileSize;
  j["patch_size"] = PatchSize;
  j["encoder_dim"] = EncoderDim;
  j["encoder_depth"] = EncoderDepth;
  j["encoder_heads"] = EncoderHeads;
  j["window_size"] = WindowSize;
  j["global_blocks"] = GlobalBlocks;
  j["position_grid"] = PositionGrid;
  j["embed_dim"] = EmbedDim;
  j["decoder_depth"] = DecoderDepth;
  j["decoder_heads"] = DecoderHeads;
  j["decoder_mlp_dim"] = DecoderMlpDim;
  j["mask_in_channels"] = MaskInChannels;
  j["prior_channels"] = PriorChannels;
  j["priors_in_encoder"] = PriorsInEncoder;
  j["priors_in_prompt"] = PriorsInPrompt;
  j["priors_in_decoder"] = PriorsInDecoder;
  j["adapter_dim"] = AdapterDim;
  j["refine_channels"] = RefineChannels;
  j["gradient_scales"] = GradientScales;
  j["integration_scale"] = IntegrationScale;
  j["magnitude_scale"] = MagnitudeScale;
  j["window_radius"] = WindowRadius;
  j["grayscale_epsilon"] = GrayscaleEpsilon;
  j["contrast_scale"] = ContrastScale;
  j["global_scale"] = GlobalScale;
  j["polarity"] = PolarityName(Polarity);
  j["lower_percentile"] = LowerPercentile;
  j["upper_percentile"] = UpperPercentile;
  j["threshold"] = Threshold;
  j["iou_head_trained"] = IoUHeadTrained;
  j["training"] = Training;
  j["training_pixel_scale"] = TrainingPixelScale;
  return j.dump();
}

ModelConfig
ModelConfig::FromJSON(const std::string & text)
{
  ModelConfig c;
  try
  {
    const auto j = nlohmann::json::parse(text);
    c.Name = j.at("name");
    c.TileSize = JSONInteger<int>(j.at("tile_size"));
    c.PatchSize = JSONInteger<int>(j.at("patch_size"));
    c.EncoderDim = JSONInteger<int>(j.at("encoder_dim"));
    c.EncoderDepth = JSONInteger<int>(j.at("encoder_depth"));
    c.EncoderHeads = JSONInteger<int>(j.at("encoder_heads"));
    c.WindowSize = JSONInteger<int>(j.at("window_size"));
    c.GlobalBlocks = JSONIntegers<int>(j.at("global_blocks"));
    c.PositionGrid = JSONInteger<int>(j.at("position_grid"));
    c.EmbedDim = JSONInteger<int>(j.at("embed_dim"));
    c.DecoderDepth = JSONInteger<int>(j.at("decoder_depth"));
    c.DecoderHeads = JSONInteger<int>(j.at("decoder_heads"));
    c.DecoderMlpDim = JSONInteger<int>(j.at("decoder_mlp_dim"));
    c.MaskInChannels = JSONInteger<int>(j.at("mask_in_channels"));
    c.PriorChannels = JSONInteger<int>(j.at("prior_channels"));
    c.PriorsInEncoder = j.at("priors_in_encoder");
    c.PriorsInPrompt = j.at("priors_in_prompt");
    c.PriorsInDecoder = j.at("priors_in_decoder");
    c.AdapterDim = JSONInteger<int>(j.at("adapter_dim"));
    c.RefineChannels = j.contains("refine_channels") ? JSONInteger<int>(j.at("refine_channels")) : 8;
    c.GradientScales = j.at("gradient_scales").get<std::vector<double>>();
    c.IntegrationScale = j.at("integration_scale");
    c.MagnitudeScale = j.at("magnitude_scale");
    c.WindowRadius = JSONInteger<int>(j.at("window_radius"));
    c.GrayscaleEpsilon = j.at("grayscale_epsilon");
    c.ContrastScale = j.at("contrast_scale");
    c.GlobalScale = j.at("global_scale");
    c.Polarity = ParsePolarity(j.at("polarity").get<std::string>());
    c.LowerPercentile = j.at("lower_percentile");
    c.UpperPercentile = j.at("upper_percentile");
    c.Threshold = j.value("threshold", 0.5); // files written before the stored threshold: 0.5
    c.IoUHeadTrained = j.value("iou_head_trained", false);
    c.Training = j.value("training", "");
    c.TrainingPixelScale = j.value("training_pixel_scale", 1.0);
  }
  catch (const nlohmann::json::exception & e)
  {
    throw std::invalid_argument(std::string("malformed model configuration: ") + e.what());
  }
  c.Validate();
  return c;
}

} // namespace scopsam
