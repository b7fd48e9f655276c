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
#include "scopsamCommandSynth.h"
#include "scopsamCommandRegistration.h"
#include "scopsamErrors.h"

#include <CLI/CLI.hpp>

#include <memory>

namespace scopsam
{
namespace
{

/** "512x384" -> width 512, height 384; a single number is a square. */
void
ParseSize(const std::string & text, int & width, int & height)
{
  const auto x = text.find('x');
  try
  {
    std::size_t used = 0;
    width = std::stoi(text.substr(0, x), &used);
    if (used != text.substr(0, x).size())
    {
      throw std::invalid_argument(text);
    }
    if (x != std::string::npos)
    {
      const std::string second = text.substr(x + 1);
      height = std::stoi(second, &used);
      if (used != second.size())
      {
        throw std::invalid_argument(text);
      }
    }
    else
    {
      height = width;
    }
  }
  catch (const std::exception &)
  {
    throw InputError("--size must look like 512x512, got '" + text + "'");
  }
}

} // namespace

void
RunSynth(const std::string & folder, const SyntheticDatasetParameters & parameters)
{
  if (folder.empty())
  {
    throw InputError("the output folder is empty");
  }
  WriteSyntheticDataset(folder, parameters);
}

Subcommand
RegisterSynthCommand(CLI::App & app)
{
  struct Arguments
  {
    std::string                folder;
    SyntheticDatasetParameters synth;
    std::string                size = "512x512", level = "1", bitDepth = "8", polarity = "mixed", effects = "none";
  };
  auto   a = std::make_shared<Arguments>();
  auto * command = app.add_subcommand("synth", "Generate a synthetic micrograph dataset.");
  command->add_option("FOLDER", a->folder, "Dataset folder to write (images/, masks/, splits/, manifest.json)")->required();
  command->add_option("--count", a->synth.Count, "Number of images")->capture_default_str();
  command->add_option("--size", a->size, "WIDTHxHEIGHT in pixels")->capture_default_str();
  command->add_option("--level", a->level, "Difficulty: 1, 2, 3 or mixed")
    ->check(CLI::IsMember({ "1", "2", "3", "mixed" }))
    ->capture_default_str();
  command->add_option("--bit-depth", a->bitDepth, "8, 16 or mixed")
    ->check(CLI::IsMember({ "8", "16", "mixed" }))
    ->capture_default_str();
  command->add_option("--polarity", a->polarity, "bright, dark or mixed")
    ->check(CLI::IsMember({ "bright", "dark", "mixed" }))
    ->capture_default_str();
  command->add_option("--seed", a->synth.Seed, "Seed: same seed, same bytes")->capture_default_str();
  command->add_flag("--coarse-phases", a->synth.CoarsePhases,
                    "A third of the images hold a coarse phase (cuboidal precipitates, coarse second phase)");
  command->add_flag("--second-phase", a->synth.SecondPhase,
                    "Half of the images hold a second phase of opposite polarity, left out of the masks");
  command->add_option("--effects", a->effects,
                      "Instrument effects on every image: sem, ct, or a list of se-edges, topography, charging, "
                      "curtaining, scan-jitter, ct-sample, ct-rings, ct-texture, ct-partial-volume")
    ->capture_default_str();
  command->add_option("--train", a->synth.TrainFraction, "Fraction of images in splits/train.txt")->capture_default_str();
  command->add_option("--val", a->synth.ValidationFraction, "Fraction in splits/val.txt (the rest: test)")
    ->capture_default_str();
  return { command, [a] {
            ParseSize(a->size, a->synth.Width, a->synth.Height);
            a->synth.Level = a->level == "mixed" ? 0 : std::stoi(a->level);
            a->synth.BitDepth = a->bitDepth == "mixed" ? 0 : std::stoi(a->bitDepth);
            a->synth.Polarity = a->polarity == "bright" ? 1 : (a->polarity == "dark" ? -1 : 0);
            a->synth.Effects = InstrumentEffects::Parse(a->effects);
            RunSynth(a->folder, a->synth);
          } };
}

} // namespace scopsam
