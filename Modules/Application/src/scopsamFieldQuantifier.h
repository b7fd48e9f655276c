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
#ifndef scopsamFieldQuantifier_h
#define scopsamFieldQuantifier_h

#include "scopsamCommandQuantify.h"
#include "scopsamImageIO.h"
#include "scopsamMaskChecks.h"

#include <string>
#include <utility>
#include <vector>

namespace scopsam
{

/** The one code path from masks to the quantification files, for `scopsam quantify` and `segment --stats`:
 * measures field after field (writing each field's picture and VTK files as it goes) and, at Finish(), the
 * report, the CSV and the plots over all fields. Internal to the command line. */
class FieldQuantifier
{
public:
  /** `manyFields`: Overlay, Outlines and MaskVTI of `outputs` are folders (one file per field). */
  FieldQuantifier(const MeasureOptions & measure, const QuantificationOutputs & outputs, bool manyFields);

  /** Measures one field. `maskFile` is the file the mask came from and `imageFile` that of the micrograph (empty:
   * none); their calibration may be used. `image` (the micrograph) and `exclude` may be null. The mask's spacing is
   * replaced by the chosen calibration. */
  void
  Add(const std::string & name, UInt8Image2D * mask, const std::string & maskFile, const std::string & imageFile,
      const GrayImage2D * image, const UInt8Image2D * exclude);

  /** Attaches the checks of the last field's mask (scopsam::MaskSignals) and their warnings to its report, and
   * prints each warning on stderr. */
  void
  AddChecks(const MaskSignals & signals);

  /** Writes the JSON report, the CSV and the plots; returns the measurements of every field. */
  std::vector<FieldMeasurements>
  Finish();

  /** The files Finish() (and Add(), for one field) will write, as (what, path) for CheckOutputPaths(); the
   * per-field folders of many fields are not files and are not listed. */
  std::vector<std::pair<std::string, std::string>>
  OutputFiles() const;

private:
  std::string
  PerFieldPath(const std::string & option, const std::string & name, const std::string & extension) const;

  MeasureOptions                 m_Measure;
  QuantificationOutputs          m_Outputs;
  bool                           m_ManyFields;
  std::string                    m_PixelSizeSource;
  std::vector<FieldMeasurements> m_Fields;
};

} // namespace scopsam

#endif
