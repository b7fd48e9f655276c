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
#ifndef scopsamCalibration_h
#define scopsamCalibration_h

#include "SCoPSAMDataExport.h"

#include <optional>
#include <string>

/** \file scopsamCalibration.h
 * \brief The pixel size that a scanning electron microscope writes into its TIFF files.
 *
 * SEM software records the calibration in its own places, read here by the project's own TIFF directory reader
 * (the formats as tifffile and Gwyddion decode them):
 * - FEI / Thermo Fisher: an INI-like text in the private tags 34680 (FEI_SFEG) or 34682 (FEI_HELIOS); the
 *   `PixelWidth` of its `[Scan]` section (else `[EScan]`), in metres.
 * - Zeiss SmartSEM: the text of tag 34118 (CZ_SEM), whose line `Image Pixel Size = 2.791 nm` gives the value with
 *   its unit (pm, nm, um or its micro sign, mm).
 * - TESCAN: tag 50431, a text header with `PixelSizeX=` in metres.
 * - Any other writer: XResolution with ResolutionUnit inch or centimetre, unless it is a screen default (72 or
 *   96 dpi, what image programs write when they know nothing of the specimen) or no unit is given.
 * \ingroup SCoPSAMData
 */
namespace scopsam
{

/** A pixel size read from a file and where it came from. */
struct FileCalibration
{
  double      MicrometresPerPixel{ 0.0 };
  std::string Source; // e.g. "FEI_HELIOS tag 34682 of a.tif: [Scan] PixelWidth = 1.5e-08 m"
};

/** The calibration a TIFF file records (the vendor tags first, in the order above, then the resolution tags);
 * empty for a file that is not TIFF or carries none. A value that is not a positive finite length below 1 mm per
 * pixel counts as none. Throws InputError when the TIFF's directory is corrupt. */
SCoPSAMData_EXPORT std::optional<FileCalibration>
ReadTIFFCalibration(const std::string & path);

} // namespace scopsam

#endif
