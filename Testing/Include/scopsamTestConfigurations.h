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
#ifndef scopsamTestConfigurations_h
#define scopsamTestConfigurations_h

#include "scopsamModelConfig.h"

namespace scopsam
{

/** A small network for fast tests: 64-pixel tiles, an encoder 48 wide of two blocks (one windowed, one global),
 * prompts and decoder 32 wide, every prior entry point on. Its weights are always fresh or trained by the test. */
inline ModelConfig
TinyTestConfiguration()
{
  ModelConfig c = ModelConfig::Small();
  c.Name = "tiny";
  c.TileSize = 64;
  c.EncoderDim = 48;
  c.EncoderDepth = 2;
  c.EncoderHeads = 2;
  c.WindowSize = 2;
  c.GlobalBlocks = { 1 };
  c.PositionGrid = 4;
  c.EmbedDim = 32;
  c.DecoderHeads = 2;
  c.DecoderMlpDim = 64;
  c.AdapterDim = 8;
  return c;
}

} // namespace scopsam

#endif
