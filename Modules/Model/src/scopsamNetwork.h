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
#ifndef scopsamNetwork_h
#define scopsamNetwork_h

/** \file scopsamNetwork.h
 * \brief SCoP-SAM's network in LibTorch, one header per stage as Segment Anything's modeling/ package has them.
 *
 * This header only gathers the stages, as modeling/__init__.py does:
 * - scopsamSam.h: SCoPSAMNet, the whole network (SAM's Sam), and MaskPrediction (logits and predicted IoU);
 * - scopsamImageEncoder.h: the ViT image encoder, with its prior entry points in scopsamImageEncoderPriors.h
 *   (prior patch embedding, PriorAdapter);
 * - scopsamPromptEncoder.h: the prompt encoder and TilePrompts, with the dense prior prompt in
 *   scopsamPromptEncoderPriors.h;
 * - scopsamMaskDecoder.h: the mask decoder and its IoU head, with the prior fusion in scopsamMaskDecoderPriors.h;
 * - scopsamTwoWayTransformer.h: the two-way transformer of the mask decoder;
 * - scopsamCommonBlocks.h: LayerNorm2d, MLPBlock, MLP.
 *
 * Parameter names are those of SAM's PyTorch code, so that SAM ViT-B weights load into the shared parts.
 * Internal to the SCoPSAMModel library: no public header includes a network header, so ITK's wrapping and the
 * filters never see a torch:: type.
 * \ingroup SCoPSAMModel
 */

#include "scopsamSam.h"

#endif
