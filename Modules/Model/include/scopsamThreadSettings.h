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
#ifndef scopsamThreadSettings_h
#define scopsamThreadSettings_h

#include "SCoPSAMModelExport.h"

#include <mutex>

/** \file scopsamThreadSettings.h
 * \brief The process-wide thread settings of LibTorch and OpenBLAS, set for a scope and restored at its end.
 * \ingroup SCoPSAMModel
 */
namespace scopsam
{

/** Sets LibTorch's intra-op threads and the BLAS library's threads (OpenBLAS, where it is the one loaded, reached
 * through dlsym) for the lifetime of the object, and puts back what it found when it ends. Both settings belong
 * to the process, so the guard also holds a process-wide (recursive) lock: guards on several threads, and the runs
 * of SegmentationEngine::Predict() (which takes one for itself), follow each other instead of undoing each other's
 * settings. A thread that holds a guard must therefore not wait for a Predict() on another thread.
 *
 * The ITK filter sets its work units for the network with one:
 * \code
 *   const scopsam::ScopedThreadSettings threads(numberOfWorkUnits); // restored when GenerateData() returns
 *   engine->Predict(grid, ...);                                    // runs numberOfWorkUnits tiles at a time
 * \endcode
 * A count below 1 leaves that setting as it is. Two pools of spinning threads on the same cores slow each other
 * down (Documentation/benchmarks.md), hence one BLAS thread by default. */
/** The range of every thread count a user gives (each --threads, the Python work units, Slicer's threads): 0 (all
 * cores) to 1024. More threads than cores are accepted and capped where they run
 * (ScopedThreadSettings::GetMaximumUsefulThreads()), so memory and thread count stay bounded by the machine, not by
 * the value. */
constexpr int MaximumThreadsArgument = 1024;

class SCoPSAMModel_EXPORT ScopedThreadSettings
{
public:
  explicit ScopedThreadSettings(int intraOpThreads, int blasThreads = 1);
  ~ScopedThreadSettings();
  ScopedThreadSettings(const ScopedThreadSettings &) = delete;
  ScopedThreadSettings &
  operator=(const ScopedThreadSettings &) = delete;

  /** Twice the threads the hardware runs at once (at least 2). Thread counts asked for are capped at it: more
   * threads buy no speed, and each CPU tile worker holds one tile's activations, so memory stays bounded by the
   * machine, not by the value asked for. */
  static int
  GetMaximumUsefulThreads();
  /** LibTorch's intra-op threads as the calling thread sees them. */
  static int
  GetIntraOpThreads();
  /** OpenBLAS's threads, or 0 where OpenBLAS is not the BLAS loaded. */
  static int
  GetBLASThreads();

private:
  std::unique_lock<std::recursive_mutex> m_Lock;
  int                                    m_IntraOpThreads{ 0 }; // to restore; 0: untouched
  int                                    m_BLASThreads{ 0 };
};

} // namespace scopsam

#endif
