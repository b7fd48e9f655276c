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
// Writes the seed corpus of the model_file harness: model files of the smallest configurations the loader accepts
// (the tiny test configuration narrowed to 16 channels, one block: tens of kilobytes, so that libFuzzer mutates
// every part of them), with every prior entry point and with none, each with its SHA-256. Run once; its output is
// committed in corpus/model_file:
//   build/fuzz/scopsamFuzzMakeModelSeeds Testing/Fuzz/corpus/model_file
#include "scopsamSegmentationEngine.h"
#include "scopsamTestConfigurations.h"

#include <filesystem>
#include <iostream>

int
main(int argc, char * argv[])
{
  if (argc != 2)
  {
    std::cerr << "usage: " << argv[0] << " FOLDER\n";
    return 2;
  }
  const std::filesystem::path folder(argv[1]);
  std::filesystem::create_directories(folder);
  auto with = scopsam::TinyTestConfiguration();
  with.Name = "fuzz_seed";
  with.EncoderDim = 16;
  with.EncoderDepth = 1;
  with.EncoderHeads = 1;
  with.GlobalBlocks = { 0 };
  with.EmbedDim = 16;
  with.DecoderDepth = 1;
  with.DecoderHeads = 1;
  with.DecoderMlpDim = 16;
  with.MaskInChannels = 4;
  with.AdapterDim = 4;
  with.RefineChannels = 2;
  auto without = with;
  without.PriorsInEncoder = without.PriorsInPrompt = without.PriorsInDecoder = false;
  without.Name = "fuzz_seed_no_priors";
  scopsam::SegmentationEngine::Create(with, 1)->Save((folder / "seed.pt").string());
  scopsam::SegmentationEngine::Create(without, 2)->Save((folder / "seed_no_priors.pt").string());
  return 0;
}
