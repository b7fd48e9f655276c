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
#ifndef itkPhaseQuantificationImageFilter_h
#define itkPhaseQuantificationImageFilter_h

#include "itkImage.h"
#include "itkImageToImageFilter.h"
#include "scopsamPhaseMeasurements.h"

#include <string>

namespace itk
{

/** \class PhaseQuantificationImageFilter
 * \brief Measures the particles of a phase mask the way a metallographer reports them.
 *
 * The input is a 2-D phase mask (non-zero = phase). Optional inputs: the micrograph (`FeatureImage`), whose mean
 * gray level is measured per particle, and an exclusion mask (`ExclusionMask`, non-zero = not part of the field,
 * e.g. an SEM data bar). The output is the label image of the particles that were measured (0 elsewhere, label
 * `i` = `GetFieldMeasurements().Particles[i - 1]`); the figures are read with GetFieldMeasurements() after
 * Update(), or as JSON with GetMeasurementsAsJSON().
 *
 * Per field: the area fraction of the phase over the field (the image minus the excluded regions), the particle
 * count and number per unit area, the intercepts per unit test-line length N_L over every row and column and the
 * mean free path (1 - A_A) / N_L of ASTM E1245. Per particle: area, equivalent circular diameter, perimeter (ITK's
 * ShapeLabelObject estimate), maximum and minimum Feret diameters (calipers over the convex hull of the pixels'
 * corners), aspect ratio (Feret maximum / minimum), circularity 4 pi A / P^2 (capped at 1), orientation of the
 * major axis of inertia, mean intensity, distance from its centroid to the nearest other centroid, and whether it
 * touches the image edge or an excluded region (then it is truncated, and its sizes are lower bounds).
 *
 * Connected components with fewer than MinimumParticlePixels pixels are specks of noise: they are removed from
 * every figure, the area fraction included, and counted in `RemovedSpecks`. With ExcludeBorderParticles on, border
 * particles stay in the area fraction and the intercepts but leave the particle list, the count and the density.
 *
 * Touching particles are one connected component. With SeparateTouchingParticles on, each component is split along
 * the watershed of its distance map (ITK's MorphologicalWatershedFromMarkersImageFilter on the negated Maurer
 * distance, markers at the maxima that rise more than SeparationDepth pixels above the saddle to the next, as
 * HMaximaImageFilter finds them): two discs that touch at a neck count as two, while a single convex particle, whose
 * distance map has one maximum, stays one. The split assigns every pixel to a particle, so the area fraction does
 * not change.
 *
 * Lengths are in the physical unit of the mask's spacing; set LengthUnit to say which ("um", "mm", "nm"; "px"
 * when the spacing is 1 pixel), so that densities can be given per mm^2.
 *
 * Labelling and perimeters come from ITK's BinaryImageToShapeLabelMapFilter (LabelImageToShapeLabelMapFilter on
 * the watershed labels when separating).
 *
 * \ingroup SCoPSAMQuantification
 */
template <typename TMaskImage, typename TFeatureImage = Image<float, TMaskImage::ImageDimension>,
          typename TLabelImage = Image<unsigned int, TMaskImage::ImageDimension>>
class ITK_TEMPLATE_EXPORT PhaseQuantificationImageFilter : public ImageToImageFilter<TMaskImage, TLabelImage>
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(PhaseQuantificationImageFilter);

  using Self = PhaseQuantificationImageFilter;
  using Superclass = ImageToImageFilter<TMaskImage, TLabelImage>;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;

  itkNewMacro(Self);
  itkTypeMacro(PhaseQuantificationImageFilter, ImageToImageFilter);

  using MaskImageType = TMaskImage;
  using FeatureImageType = TFeatureImage;
  using LabelImageType = TLabelImage;
  static constexpr unsigned int ImageDimension = TMaskImage::ImageDimension;
  static_assert(ImageDimension == 2, "PhaseQuantificationImageFilter measures 2-D sections (stereology of a plane)");

  /** The phase mask (non-zero = phase); the same as SetInput(). */
  void
  SetMaskImage(const MaskImageType * mask)
  {
    this->SetInput(mask);
  }
  const MaskImageType *
  GetMaskImage() const
  {
    return this->GetInput();
  }

  /** Optional: the micrograph, for each particle's mean intensity. Same size as the mask. */
  itkSetInputMacro(FeatureImage, FeatureImageType);
  itkGetInputMacro(FeatureImage, FeatureImageType);

  /** Optional: non-zero where the image is not part of the field (data bars, background around a sample). */
  itkSetInputMacro(ExclusionMask, MaskImageType);
  itkGetInputMacro(ExclusionMask, MaskImageType);

  /** Components with fewer pixels are noise and removed from every figure (default 4). */
  itkSetMacro(MinimumParticlePixels, SizeValueType);
  itkGetConstMacro(MinimumParticlePixels, SizeValueType);

  /** Leave particles touching the image edge or an excluded region out of the list, count and density. */
  itkSetMacro(ExcludeBorderParticles, bool);
  itkGetConstMacro(ExcludeBorderParticles, bool);
  itkBooleanMacro(ExcludeBorderParticles);

  /** 8-connected particles (default) or 4-connected. */
  itkSetMacro(FullyConnected, bool);
  itkGetConstMacro(FullyConnected, bool);
  itkBooleanMacro(FullyConnected);

  /** Split touching particles along the watershed of the distance map (default off). */
  itkSetMacro(SeparateTouchingParticles, bool);
  itkGetConstMacro(SeparateTouchingParticles, bool);
  itkBooleanMacro(SeparateTouchingParticles);

  /** With SeparateTouchingParticles: how far (pixels) a distance maximum must rise above the saddle to the next to
   * be a particle of its own (default 2: a neck at least 2 pixels narrower, on each side, than the particles it
   * joins). Larger values split less. */
  itkSetClampMacro(SeparationDepth, double, 0.0, 1.0e6);
  itkGetConstMacro(SeparationDepth, double);

  /** Name of the length unit of the spacing ("um", "mm", "nm", "px"); reported with every figure. */
  itkSetStringMacro(LengthUnit);
  itkGetStringMacro(LengthUnit);

  /** Name of the field in reports (e.g. the image's file name). */
  itkSetStringMacro(FieldName);
  itkGetStringMacro(FieldName);

  /** The measurements of the last Update(). */
  itkGetConstReferenceMacro(FieldMeasurements, scopsam::FieldMeasurements);

  /** Convenience getters (also reachable from wrapped languages). */
  double
  GetAreaFraction() const
  {
    return m_FieldMeasurements.AreaFraction;
  }
  SizeValueType
  GetNumberOfParticles() const
  {
    return m_FieldMeasurements.ParticleCount;
  }

  /** The JSON report of this field (scopsam::MeasurementsToJSON). */
  std::string
  GetMeasurementsAsJSON() const;

protected:
  PhaseQuantificationImageFilter();
  ~PhaseQuantificationImageFilter() override = default;

  /** Every figure needs the whole field: all inputs are requested whole, the output is produced whole. */
  void
  GenerateInputRequestedRegion() override;
  void
  EnlargeOutputRequestedRegion(DataObject * output) override;
  void
  VerifyInputInformation() ITKv5_CONST override;

  void
  GenerateData() override;

  void
  PrintSelf(std::ostream & os, Indent indent) const override;

private:
  SizeValueType              m_MinimumParticlePixels{ 4 };
  bool                       m_ExcludeBorderParticles{ false };
  bool                       m_FullyConnected{ true };
  bool                       m_SeparateTouchingParticles{ false };
  double                     m_SeparationDepth{ 2.0 };
  std::string                m_LengthUnit{ "px" };
  std::string                m_FieldName{ "field" };
  scopsam::FieldMeasurements m_FieldMeasurements;
};

} // namespace itk

#ifndef ITK_MANUAL_INSTANTIATION
#  include "itkPhaseQuantificationImageFilter.hxx"
#endif

#endif
