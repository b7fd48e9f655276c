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
#include "scopsamDevice.h"

namespace scopsam
{

torch::Device
ChooseDevice(const std::string & name)
{
  if (name == "cpu")
  {
    return torch::kCPU;
  }
  if (name == "auto")
  {
    return torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  }
  if (name.rfind("cuda", 0) == 0)
  {
    if (!torch::cuda::is_available())
    {
      // Named as every front end names it (the command line's --device, Python's and Slicer's device).
      throw ModelError("CUDA was asked for (device '" + name +
                       "') but this LibTorch has no CUDA or no GPU is visible; use device cpu or auto");
    }
    try
    {
      const torch::Device device(name);
      if (device.index() >= static_cast<int>(torch::cuda::device_count()))
      {
        throw ModelError("no CUDA device " + name + " (" + std::to_string(torch::cuda::device_count()) + " visible)");
      }
      return device;
    }
    catch (const c10::Error &)
    {
      throw ModelError("unknown device '" + name + "' (cpu, cuda, cuda:N or auto)");
    }
  }
  throw ModelError("unknown device '" + name + "' (cpu, cuda, cuda:N or auto)");
}

void
PlaceOnDevice(LoadedModel & model, const DeviceOptions & options)
{
  model.Device = ChooseDevice(options.Device);
  model.Half = options.HalfPrecision && model.Device.is_cuda();
  model.Threads = options.Threads;
  if (model.Script)
  {
    model.Script->to(model.Device);
    model.Script->eval();
  }
  else
  {
    model.Net->to(model.Device);
    if (model.Half)
    {
      model.Net->to(torch::kHalf);
    }
    model.Net->eval();
  }
}

} // namespace scopsam
