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
#ifndef scopsamCommandPriors_h
#define scopsamCommandPriors_h

#include "SCoPSAMApplicationExport.h"
#include "scopsamPriorParameters.h"

#include <functional>
#include <string>
#include <vector>

/** \file scopsamCommandPriors.h
 * \brief `scopsam priors`: both priors of an image, with the parameters of scopsamPriorParameters.h.
 * \ingroup SCoPSAMApplication
 */
namespace scopsam
{

/** `scopsam priors INPUT PREFIX`: both priors of an image. */
struct PriorsOptions
{
  std::string         Input;
  std::string         Prefix;          // PREFIX_gradient.FORMAT, PREFIX_grayscale.FORMAT (may be empty when one of
  std::string         GradientOutput;  //   these two names the file of that prior instead; an empty one and an
  std::string         GrayscaleOutput; //   empty prefix: that prior is not written)
  std::string         Format{ "mha" }; // mha, nrrd or nii: float, streamed
  bool                Previews{ false }; // also 8-bit PNG per channel
  // The priors' parameters; defaults and ranges: scopsamPriorParameters.h.
  std::vector<double> Scales = std::vector<double>(PriorParameters::DefaultScales.begin(), PriorParameters::DefaultScales.end());
  double              IntegrationScale{ PriorParameters::IntegrationScale.Default };
  double              MagnitudeScale{ PriorParameters::MagnitudeScale.Default };
  unsigned int        WindowRadius{ static_cast<unsigned int>(PriorParameters::WindowRadius.Default) };
  double              Epsilon{ PriorParameters::Epsilon.Default };
  double              ContrastScale{ PriorParameters::ContrastScale.Default };
  double              GlobalScale{ PriorParameters::GlobalScale.Default };
  scopsam::Polarity   Polarity{ PriorParameters::DefaultPolarity };
  unsigned int        StreamDivisions{ 0 }; // 0: automatic, pieces of about 2^19 pixels
  unsigned int        Threads{ 0 }; // 0: ITK's default
  std::function<void(double)> ReportProgress; // called with the fraction done, when set
};
/** Writes PREFIX_gradient.<format> (magnitude, coherence) and PREFIX_grayscale.<format> (local, global), each a
 * two-component float image; with Previews also PREFIX_<prior>_<channel>.png. Returns the paths written. */
SCoPSAMApplication_EXPORT std::vector<std::string>
RunPriors(const PriorsOptions & options);

} // namespace scopsam

#endif
