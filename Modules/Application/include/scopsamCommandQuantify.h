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
#ifndef scopsamCommandQuantify_h
#define scopsamCommandQuantify_h

#include "SCoPSAMApplicationExport.h"
#include "scopsamPhaseMeasurements.h"

#include <cstddef>
#include <string>
#include <vector>

/** \file scopsamCommandQuantify.h
 * \brief `scopsam quantify`: the phase of a mask measured; the measurement options `segment --stats` shares.
 * \ingroup SCoPSAMApplication
 */
namespace scopsam
{

/** How particles are measured; shared by `scopsam quantify` and `scopsam segment --stats`. */
struct MeasureOptions
{
  double      PixelSize{ 0.0 };            // micrometres per pixel; 0: a trustworthy file calibration, else pixels
  std::size_t MinimumParticlePixels{ 4 };  // smaller components are noise, removed from every figure
  bool        ExcludeBorderParticles{ false };
  bool        SeparateTouchingParticles{ false }; // split touching particles (watershed of the distance map)
};

/** The files a quantification writes (empty: not written). With several fields, Overlay, Outlines and MaskVTI
 * name folders that receive one file per field; the JSON, the CSV and the plots cover all fields together. */
struct QuantificationOutputs
{
  std::string JSON;       // the summary (scopsam::MeasurementsToJSON); "-": standard output
  std::string Table;      // the readable table (MeasurementsToTable): "-" the terminal, .md Markdown, .csv CSV
  std::string CSV;        // one row per particle
  std::string Histogram;  // size histogram (SVG)
  std::string Cumulative; // cumulative size distribution (SVG)
  std::string Overlay;    // the micrograph with the phase outlined (PNG; needs the micrograph)
  std::string Outlines;   // particle outlines with their measurements (.vtp)
  std::string MaskVTI;    // the mask as VTK image data (.vti)
};
/** The outputs `segment --stats FILE.json` writes: FILE.json, FILE_table.md, FILE_particles.csv,
 * FILE_histogram.svg, FILE_cumulative.svg, FILE_outlines.vtp and FILE_mask.vti (the overlay is segment's own
 * --overlay). */
SCoPSAMApplication_EXPORT QuantificationOutputs
QuantificationOutputsBeside(const std::string & json);

/** `scopsam quantify MASK [IMAGE]`: measures the phase of a mask, or of every mask of a folder (the fields of one
 * sample, with statistics over fields). IMAGE (a micrograph, or a folder of micrographs named like the masks)
 * adds each particle's mean intensity and the overlay picture. */
struct QuantifyOptions
{
  std::string           Mask;
  std::string           Image;
  std::string           Exclude; // regions that are not part of the field (non-zero); one file for every field
  double                MaskThreshold{ -1.0 }; // < 0: the mask must be binary; else phase where value >= it
  MeasureOptions        Measure;
  QuantificationOutputs Outputs;
};
/** Returns the measurements of every field. Throws InputError. */
SCoPSAMApplication_EXPORT std::vector<FieldMeasurements>
RunQuantify(const QuantifyOptions & options);

} // namespace scopsam

#endif
