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
#ifndef scopsamDevice_h
#define scopsamDevice_h

// Device selection: which device a name means, and moving a loaded model there (internal to SCoPSAMModel).
#include "scopsamLoadedModel.h"

namespace scopsam
{

/** The device of "cpu", "cuda", "cuda:N" or "auto" (CUDA when there is one); ModelError where there is none. */
torch::Device
ChooseDevice(const std::string & name);

/** Moves the model to the device of `options` in evaluation mode (half precision on CUDA where asked). */
void
PlaceOnDevice(LoadedModel & model, const DeviceOptions & options);

} // namespace scopsam

#endif
