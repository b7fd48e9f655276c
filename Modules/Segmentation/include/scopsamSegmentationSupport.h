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
#ifndef scopsamSegmentationSupport_h
#define scopsamSegmentationSupport_h

#include "SCoPSAMSegmentationExport.h"
#include "scopsamSegmentationEngine.h"

#include <memory>
#include <string>

namespace scopsam
{

/** The name of the default model embedded in this library, accepted wherever a model file is (an empty path too);
 * a file of that name in the working folder wins. */
constexpr const char * DefaultModelName = "default";

/** Loads a model file once per (path, modification time, device, threads) and shares it: several filters, or one
 * filter updated many times, do not reload the weights while one of them holds it. Throws ModelError as
 * SegmentationEngine::Load(). An empty path, or DefaultModelName, names the default model embedded in this library
 * (see HasDefaultModel()); the one used last is kept (13 MB) even when no filter holds it, so that calls one after
 * another with the same device settings (scopsam.segment() in a Python loop) build and verify it once.
 * \ingroup SCoPSAMSegmentation */
SCoPSAMSegmentation_EXPORT std::shared_ptr<const SegmentationEngine>
LoadSharedEngine(const std::string & path, const DeviceOptions & device);

/** A model of its own (not shared), for training to change: the file, or the embedded default model for an empty
 * path or DefaultModelName. Throws ModelError as SegmentationEngine::Load(). */
SCoPSAMSegmentation_EXPORT std::unique_ptr<SegmentationEngine>
LoadEngine(const std::string & path, const DeviceOptions & device);

/** Whether this build embeds the default model (Modules/Model/model/scopsam_small_default.pt at configure time). */
SCoPSAMSegmentation_EXPORT bool
HasDefaultModel();

} // namespace scopsam

#endif
