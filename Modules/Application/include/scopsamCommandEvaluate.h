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
#ifndef scopsamCommandEvaluate_h
#define scopsamCommandEvaluate_h

#include "SCoPSAMApplicationExport.h"
#include "scopsamBaselines.h"
#include "scopsamMetrics.h"

#include <string>
#include <vector>

/** \file scopsamCommandEvaluate.h
 * \brief `scopsam evaluate` and `scopsam baseline`: masks against the truth, and the threshold baselines.
 * \ingroup SCoPSAMApplication
 */
namespace scopsam
{

/** `scopsam evaluate PREDICTION TRUTH`. */
struct EvaluateOptions
{
  std::string       Prediction; // a mask file or a folder of masks named like the truth
  std::string       Truth;      // a mask file, a folder of masks or a dataset folder
  std::string       Split;      // with a dataset: train, val or test
  std::string       Exclude;    // a mask of pixels that do not count (one file for all images)
  std::string       Markdown, JSON, CSV;
  EvaluationOptions Metrics;
};
SCoPSAMApplication_EXPORT EvaluationSummary
RunEvaluate(const EvaluateOptions & options);

/** `scopsam baseline INPUT OUTPUT`. */
struct BaselineCommandOptions
{
  std::string     Input;  // an image, a folder of images or a dataset
  std::string     Output; // a file when Input is a file, else a folder
  std::string     Split;
  BaselineOptions Baseline;
};
/** Returns the masks written. */
SCoPSAMApplication_EXPORT std::vector<std::string>
RunBaseline(const BaselineCommandOptions & options);

} // namespace scopsam

#endif
