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
#include "scopsamThreadSettings.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <thread>

#include <dlfcn.h>

namespace scopsam
{
namespace
{

std::recursive_mutex &
ProcessLock()
{
  static std::recursive_mutex lock;
  return lock;
}

// OpenBLAS keeps a pool of its own (where LibTorch was linked against it); it is reached by name, so that the
// library also links where the BLAS is another one.
using SetThreadsFunction = void (*)(int);
using GetThreadsFunction = int (*)();

SetThreadsFunction
OpenBLASSetThreads()
{
  static const auto function = reinterpret_cast<SetThreadsFunction>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  return function;
}

GetThreadsFunction
OpenBLASGetThreads()
{
  static const auto function = reinterpret_cast<GetThreadsFunction>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  return function;
}

} // namespace

ScopedThreadSettings::ScopedThreadSettings(int intraOpThreads, int blasThreads)
  : m_Lock(ProcessLock())
{
  intraOpThreads = std::min(intraOpThreads, GetMaximumUsefulThreads());
  if (intraOpThreads >= 1)
  {
    const int current = at::get_num_threads();
    if (current != intraOpThreads)
    {
      at::set_num_threads(intraOpThreads);
      m_IntraOpThreads = current;
    }
  }
  if (blasThreads >= 1 && OpenBLASSetThreads() != nullptr && OpenBLASGetThreads() != nullptr)
  {
    const int current = OpenBLASGetThreads()();
    if (current != blasThreads)
    {
      OpenBLASSetThreads()(blasThreads);
      m_BLASThreads = current;
    }
  }
}

int
ScopedThreadSettings::GetMaximumUsefulThreads()
{
  return 2 * std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

ScopedThreadSettings::~ScopedThreadSettings()
{
  if (m_BLASThreads >= 1)
  {
    OpenBLASSetThreads()(m_BLASThreads);
  }
  if (m_IntraOpThreads >= 1)
  {
    at::set_num_threads(m_IntraOpThreads);
  }
}

int
ScopedThreadSettings::GetIntraOpThreads()
{
  return at::get_num_threads();
}

int
ScopedThreadSettings::GetBLASThreads()
{
  return OpenBLASGetThreads() != nullptr ? OpenBLASGetThreads()() : 0;
}

} // namespace scopsam
