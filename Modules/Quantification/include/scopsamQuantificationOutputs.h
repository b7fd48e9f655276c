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
#ifndef scopsamQuantificationOutputs_h
#define scopsamQuantificationOutputs_h

#include "SCoPSAMQuantificationExport.h"
#include "scopsamPhaseMeasurements.h"

#include "itkImage.h"

#include <string>
#include <vector>

/** \file scopsamQuantificationOutputs.h
 * \brief Files a quantification produces besides its JSON and CSV: size-distribution plots (SVG) and VTK files
 * for 3D Slicer and ParaView. Every file is written atomically.
 * \ingroup SCoPSAMQuantification
 */
namespace scopsam
{

/** Which size-distribution plot. */
enum class SizePlot
{
  Histogram, // particles per diameter bin
  Cumulative // cumulative number fraction (%) at or below each diameter
};

/** An SVG plot of the particles' equivalent circular diameters over all `fields`, with axes, ticks and the unit in
 * the axis label. Bin widths are "nice" numbers giving about sqrt(n) bins (5 to 30). */
SCoPSAMQuantification_EXPORT std::string
SizeDistributionSVG(const std::vector<FieldMeasurements> & fields, SizePlot plot);

/** Writes the outlines of the particles of `labels` (the label image of itk::PhaseQuantificationImageFilter) as
 * closed polylines in physical coordinates (`.vtp`): one cell per outline (holes are cells of their own,
 * `IsHole` = 1), carrying the particle's measurements from `field` as cell data (Label, Area,
 * EquivalentDiameter, Perimeter, FeretMaximum, FeretMinimum, AspectRatio, Circularity, Orientation,
 * MeanIntensity, NearestNeighbourDistance, TouchesBorder). */
SCoPSAMQuantification_EXPORT void
WriteParticleOutlinesVTP(const itk::Image<unsigned int, 2> * labels, const FieldMeasurements & field,
                         const std::string & path);

/** Writes an image as VTK image data (`.vti`) with its origin and spacing; the point-data array is called `name`. */
SCoPSAMQuantification_EXPORT void
WriteImageVTI(const itk::Image<float, 2> * image, const std::string & name, const std::string & path);
SCoPSAMQuantification_EXPORT void
WriteImageVTI(const itk::Image<unsigned char, 2> * image, const std::string & name, const std::string & path);

} // namespace scopsam

#endif
