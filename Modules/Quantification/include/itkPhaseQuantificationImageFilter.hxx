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
#ifndef itkPhaseQuantificationImageFilter_hxx
#define itkPhaseQuantificationImageFilter_hxx

#include "itkBinaryImageToShapeLabelMapFilter.h"
#include "itkConnectedComponentImageFilter.h"
#include "itkHMaximaImageFilter.h"
#include "itkLabelImageToShapeLabelMapFilter.h"
#include "itkMaskImageFilter.h"
#include "itkMorphologicalWatershedFromMarkersImageFilter.h"
#include "itkMultiplyImageFilter.h"
#include "itkRegionalMaximaImageFilter.h"
#include "itkSignedMaurerDistanceMapImageFilter.h"
#include "itkImageRegionConstIterator.h"
#include "itkImageRegionIterator.h"
#include "itkMath.h"

#include <algorithm>
#include <cmath>

namespace itk
{

template <typename TMaskImage, typename TFeatureImage, typename TLabelImage>
PhaseQuantificationImageFilter<TMaskImage, TFeatureImage, TLabelImage>::PhaseQuantificationImageFilter()
{
  this->AddOptionalInputName("FeatureImage");
  this->AddOptionalInputName("ExclusionMask");
}

template <typename TMaskImage, typename TFeatureImage, typename TLabelImage>
void
PhaseQuantificationImageFilter<TMaskImage, TFeatureImage, TLabelImage>::GenerateInputRequestedRegion()
{
  Superclass::GenerateInputRequestedRegion();
  for (auto & input : this->GetInputs())
  {
    if (auto * image = dynamic_cast<ImageBase<ImageDimension> *>(input.GetPointer()))
    {
      image->SetRequestedRegionToLargestPossibleRegion();
    }
  }
}

template <typename TMaskImage, typename TFeatureImage, typename TLabelImage>
void
PhaseQuantificationImageFilter<TMaskImage, TFeatureImage, TLabelImage>::EnlargeOutputRequestedRegion(DataObject * output)
{
  Superclass::EnlargeOutputRequestedRegion(output);
  output->SetRequestedRegionToLargestPossibleRegion();
}

template <typename TMaskImage, typename TFeatureImage, typename TLabelImage>
void
PhaseQuantificationImageFilter<TMaskImage, TFeatureImage, TLabelImage>::VerifyInputInformation() ITKv5_CONST
{
  Superclass::VerifyInputInformation();
  const auto size = this->GetInput()->GetLargestPossibleRegion().GetSize();
  for (const double spacing : this->GetInput()->GetSpacing())
  {
    if (!(spacing > 0.0 && spacing <= scopsam::MaximumPixelSize))
    {
      itkExceptionMacro("the mask's pixel size (spacing " << this->GetInput()->GetSpacing() << ") must be in (0, "
                                                          << scopsam::MaximumPixelSize << "]");
    }
  }
  if (const auto * feature = this->GetFeatureImage())
  {
    if (feature->GetLargestPossibleRegion().GetSize() != size)
    {
      itkExceptionMacro("the feature image (" << feature->GetLargestPossibleRegion().GetSize()
                                              << ") is not the size of the mask (" << size << ")");
    }
  }
  if (const auto * exclusion = this->GetExclusionMask())
  {
    if (exclusion->GetLargestPossibleRegion().GetSize() != size)
    {
      itkExceptionMacro("the exclusion mask (" << exclusion->GetLargestPossibleRegion().GetSize()
                                               << ") is not the size of the mask (" << size << ")");
    }
  }
}

namespace PhaseQuantificationDetail
{
/** The particles of `binary` (1 = phase) split along the watershed of the distance map: markers at the maxima of
 * the Maurer distance that rise more than `depth` pixels above their saddle, basins grown on the negated distance
 * and kept inside the phase; every phase pixel belongs to one basin. */
template <typename TBinaryImage, typename TLabelMap>
typename TLabelMap::Pointer
SeparatedParticles(const TBinaryImage * binary, double depth, bool fullyConnected, ThreadIdType workUnits)
{
  constexpr unsigned int Dimension = TBinaryImage::ImageDimension;
  using DistanceImageType = Image<float, Dimension>;
  using BasinImageType = Image<typename TLabelMap::LabelType, Dimension>;

  auto distance = SignedMaurerDistanceMapImageFilter<TBinaryImage, DistanceImageType>::New();
  distance->SetInput(binary);
  distance->SetBackgroundValue(0);
  distance->SetInsideIsPositive(true);
  distance->SetSquaredDistance(false);
  distance->SetUseImageSpacing(false); // pixels: the depth is a number of pixels whatever the calibration

  auto raised = HMaximaImageFilter<DistanceImageType, DistanceImageType>::New();
  raised->SetInput(distance->GetOutput());
  raised->SetHeight(depth);
  raised->SetFullyConnected(fullyConnected);
  auto maxima = RegionalMaximaImageFilter<DistanceImageType, TBinaryImage>::New();
  maxima->SetInput(raised->GetOutput());
  maxima->SetForegroundValue(1);
  maxima->SetBackgroundValue(0);
  maxima->SetFullyConnected(fullyConnected);
  maxima->SetFlatIsMaxima(false); // an image without phase has no marker
  auto insidePhase = MaskImageFilter<TBinaryImage, TBinaryImage>::New();
  insidePhase->SetInput(maxima->GetOutput());
  insidePhase->SetMaskImage(binary);
  auto markers = ConnectedComponentImageFilter<TBinaryImage, BasinImageType>::New();
  markers->SetInput(insidePhase->GetOutput());
  markers->SetFullyConnected(fullyConnected);

  auto valleys = MultiplyImageFilter<DistanceImageType, DistanceImageType, DistanceImageType>::New();
  valleys->SetInput(distance->GetOutput());
  valleys->SetConstant(-1.0f);
  auto basins = MorphologicalWatershedFromMarkersImageFilter<DistanceImageType, BasinImageType>::New();
  basins->SetInput(valleys->GetOutput());
  basins->SetMarkerImage(markers->GetOutput());
  basins->SetMarkWatershedLine(false);
  basins->SetFullyConnected(fullyConnected);
  auto particles = MaskImageFilter<BasinImageType, TBinaryImage>::New();
  particles->SetInput(basins->GetOutput());
  particles->SetMaskImage(binary);

  auto labelMap = LabelImageToShapeLabelMapFilter<BasinImageType, TLabelMap>::New();
  labelMap->SetInput(particles->GetOutput());
  labelMap->SetBackgroundValue(0);
  labelMap->SetComputePerimeter(true);
  labelMap->SetComputeFeretDiameter(false);
  labelMap->SetNumberOfWorkUnits(workUnits);
  labelMap->Update();
  typename TLabelMap::Pointer result = labelMap->GetOutput();
  result->DisconnectPipeline();
  return result;
}
} // namespace PhaseQuantificationDetail

template <typename TMaskImage, typename TFeatureImage, typename TLabelImage>
void
PhaseQuantificationImageFilter<TMaskImage, TFeatureImage, TLabelImage>::GenerateData()
{
  using BinaryImageType = Image<unsigned char, ImageDimension>;
  using LabelObjectType = ShapeLabelObject<SizeValueType, ImageDimension>;
  using LabelMapType = LabelMap<LabelObjectType>;
  using IndexType = typename BinaryImageType::IndexType;

  const MaskImageType *    mask = this->GetInput();
  const FeatureImageType * feature = this->GetFeatureImage();
  const MaskImageType *    exclusion = this->GetExclusionMask();
  const auto               region = mask->GetLargestPossibleRegion();
  const auto               spacing = mask->GetSpacing();
  const double             pixelArea = spacing[0] * spacing[1];

  // The field: 1 = phase, 0 = rest or excluded; `frontier` marks the excluded pixels and their 8-neighbours.
  auto binary = BinaryImageType::New();
  binary->CopyInformation(mask);
  binary->SetRegions(region);
  binary->Allocate();
  typename BinaryImageType::Pointer frontier;
  SizeValueType                     fieldPixels = region.GetNumberOfPixels();
  {
    ImageRegionConstIterator<MaskImageType> in(mask, region);
    ImageRegionIterator<BinaryImageType>    out(binary, region);
    for (; !in.IsAtEnd(); ++in, ++out)
    {
      out.Set(in.Get() != NumericTraits<typename MaskImageType::PixelType>::ZeroValue() ? 1 : 0);
    }
  }
  if (exclusion)
  {
    frontier = BinaryImageType::New();
    frontier->CopyInformation(mask);
    frontier->SetRegions(region);
    frontier->Allocate(true);
    for (ImageRegionConstIteratorWithIndex<MaskImageType> it(exclusion, region); !it.IsAtEnd(); ++it)
    {
      if (it.Get() == NumericTraits<typename MaskImageType::PixelType>::ZeroValue())
      {
        continue;
      }
      const IndexType index = it.GetIndex();
      binary->SetPixel(index, 0);
      --fieldPixels;
      for (int dy = -1; dy <= 1; ++dy)
      {
        for (int dx = -1; dx <= 1; ++dx)
        {
          IndexType neighbour = index;
          neighbour[0] += dx;
          neighbour[1] += dy;
          if (region.IsInside(neighbour))
          {
            frontier->SetPixel(neighbour, 1);
          }
        }
      }
    }
  }

  // Connected components (or the watershed basins inside them), pixel counts, centroids and perimeters: ITK's shape
  // label maps.
  typename LabelMapType::ConstPointer labelMap;
  if (m_SeparateTouchingParticles)
  {
    labelMap = PhaseQuantificationDetail::SeparatedParticles<BinaryImageType, LabelMapType>(
      binary, m_SeparationDepth, m_FullyConnected, this->GetNumberOfWorkUnits());
  }
  else
  {
    auto components = BinaryImageToShapeLabelMapFilter<BinaryImageType, LabelMapType>::New();
    components->SetInput(binary);
    components->SetInputForegroundValue(1);
    components->SetFullyConnected(m_FullyConnected);
    components->SetComputePerimeter(true);
    components->SetComputeFeretDiameter(false); // computed below on the pixels' corners, with the minimum width
    components->SetNumberOfWorkUnits(this->GetNumberOfWorkUnits());
    components->Update();
    labelMap = components->GetOutput();
  }

  scopsam::FieldMeasurements field;
  field.Name = m_FieldName;
  field.Unit = m_LengthUnit;
  field.FieldArea = static_cast<double>(fieldPixels) * pixelArea;

  auto labels = this->GetOutput();
  labels->SetBufferedRegion(labels->GetRequestedRegion());
  labels->Allocate(true);

  SizeValueType                          phasePixels = 0;
  std::vector<std::array<double, 2>>     centroids;
  std::vector<std::array<double, 2>>     corners;
  for (typename LabelMapType::ConstIterator it(labelMap); !it.IsAtEnd(); ++it)
  {
    const LabelObjectType * object = it.GetLabelObject();
    const SizeValueType     pixels = object->GetNumberOfPixels();
    if (pixels < m_MinimumParticlePixels)
    {
      ++field.RemovedSpecks;
      for (SizeValueType i = 0; i < object->GetNumberOfLines(); ++i)
      {
        const auto & line = object->GetLine(i);
        IndexType    index = line.GetIndex();
        for (SizeValueType k = 0; k < line.GetLength(); ++k, ++index[0])
        {
          binary->SetPixel(index, 0);
        }
      }
      continue;
    }
    phasePixels += pixels;

    scopsam::ParticleMeasurement particle;
    particle.Pixels = pixels;
    particle.TouchesBorder = object->GetNumberOfPixelsOnBorder() > 0;
    const auto centroid = object->GetCentroid();
    particle.CentroidX = centroid[0];
    particle.CentroidY = centroid[1];
    const auto continuousCentroid = mask->template TransformPhysicalPointToContinuousIndex<double>(centroid);

    // One pass over the runs: corners of each run (its convex hull is the particle's), second moments, intensity.
    corners.clear();
    double mu20 = 0, mu02 = 0, mu11 = 0, intensity = 0;
    for (SizeValueType i = 0; i < object->GetNumberOfLines(); ++i)
    {
      const auto &    line = object->GetLine(i);
      const IndexType start = line.GetIndex();
      const auto      length = static_cast<double>(line.GetLength());
      for (const double dy : { -0.5, 0.5 })
      {
        for (const double x : { start[0] - 0.5, start[0] + length - 0.5 })
        {
          ContinuousIndex<double, ImageDimension> corner;
          corner[0] = x;
          corner[1] = start[1] + dy;
          typename MaskImageType::PointType point;
          mask->TransformContinuousIndexToPhysicalPoint(corner, point);
          corners.push_back({ point[0], point[1] });
        }
      }
      IndexType index = start;
      for (SizeValueType k = 0; k < line.GetLength(); ++k, ++index[0])
      {
        const double dx = (index[0] - continuousCentroid[0]) * spacing[0];
        const double dy = (index[1] - continuousCentroid[1]) * spacing[1];
        mu20 += dx * dx;
        mu02 += dy * dy;
        mu11 += dx * dy;
        if (feature)
        {
          intensity += static_cast<double>(feature->GetPixel(index));
        }
        if (frontier && frontier->GetPixel(index))
        {
          particle.TouchesBorder = true;
        }
      }
    }

    particle.Area = static_cast<double>(pixels) * pixelArea;
    particle.EquivalentDiameter = std::sqrt(4.0 * particle.Area / Math::pi);
    particle.Perimeter = object->GetPerimeter();
    const auto feret = scopsam::ComputeFeretDiameters(corners);
    particle.FeretMaximum = feret.Maximum;
    particle.FeretMinimum = feret.Minimum;
    particle.AspectRatio = feret.Minimum > 0 ? feret.Maximum / feret.Minimum : 0.0;
    particle.Circularity =
      particle.Perimeter > 0 ? std::min(1.0, 4.0 * Math::pi * particle.Area / (particle.Perimeter * particle.Perimeter)) : 0.0;
    // Index y grows downwards; on screen, counter-clockwise is the negative of the angle in index space.
    double angle = -0.5 * std::atan2(2.0 * mu11, mu20 - mu02) * 180.0 / Math::pi;
    if (angle <= -90.0)
    {
      angle += 180.0;
    }
    particle.Orientation = angle;
    if (feature)
    {
      particle.MeanIntensity = intensity / static_cast<double>(pixels);
    }
    if (particle.TouchesBorder && m_ExcludeBorderParticles)
    {
      ++field.ExcludedBorderParticles;
      continue;
    }
    field.BorderParticleCount += particle.TouchesBorder ? 1 : 0;

    particle.Label = static_cast<std::uint32_t>(field.Particles.size() + 1);
    if (particle.Label > static_cast<std::uint64_t>(NumericTraits<typename LabelImageType::PixelType>::max()))
    {
      itkExceptionMacro("more particles than the label image's pixel type can number ("
                        << static_cast<std::uint64_t>(NumericTraits<typename LabelImageType::PixelType>::max())
                        << "): use a wider label pixel type");
    }
    for (SizeValueType i = 0; i < object->GetNumberOfLines(); ++i)
    {
      const auto & line = object->GetLine(i);
      IndexType    index = line.GetIndex();
      for (SizeValueType k = 0; k < line.GetLength(); ++k, ++index[0])
      {
        labels->SetPixel(index, static_cast<typename LabelImageType::PixelType>(particle.Label));
      }
    }
    centroids.push_back({ particle.CentroidX, particle.CentroidY });
    field.Particles.push_back(particle);
  }

  const auto nearest = scopsam::NearestNeighbourDistances(centroids);
  for (std::size_t i = 0; i < nearest.size(); ++i)
  {
    field.Particles[i].NearestNeighbourDistance = nearest[i];
  }
  field.ParticleCount = field.Particles.size();
  field.PhaseArea = static_cast<double>(phasePixels) * pixelArea;
  field.AreaFraction = fieldPixels > 0 ? static_cast<double>(phasePixels) / static_cast<double>(fieldPixels) : 0.0;
  field.NumberDensity = field.FieldArea > 0 ? static_cast<double>(field.ParticleCount) / field.FieldArea : 0.0;

  // Intercepts: every row and every column of the field is a test line; a particle is entered where the phase
  // starts after a rest pixel, an excluded pixel or the image edge.
  const auto            size = region.GetSize();
  const unsigned char * phase = binary->GetBufferPointer(); // the whole region is buffered, row after row
  SizeValueType         rowIntercepts = 0, columnIntercepts = 0;
  for (SizeValueType y = 0; y < size[1]; ++y)
  {
    const unsigned char * row = phase + y * size[0];
    const unsigned char * above = y > 0 ? row - size[0] : nullptr;
    for (SizeValueType x = 0; x < size[0]; ++x)
    {
      if (row[x])
      {
        rowIntercepts += (x == 0 || !row[x - 1]) ? 1 : 0;
        columnIntercepts += (above == nullptr || !above[x]) ? 1 : 0;
      }
    }
  }
  const double lineLength = static_cast<double>(fieldPixels) * (spacing[0] + spacing[1]);
  field.InterceptsPerLength = lineLength > 0 ? static_cast<double>(rowIntercepts + columnIntercepts) / lineLength : 0.0;
  if (field.InterceptsPerLength > 0)
  {
    field.MeanFreePath = (1.0 - field.AreaFraction) / field.InterceptsPerLength;
  }
  m_FieldMeasurements = std::move(field);
}

template <typename TMaskImage, typename TFeatureImage, typename TLabelImage>
std::string
PhaseQuantificationImageFilter<TMaskImage, TFeatureImage, TLabelImage>::GetMeasurementsAsJSON() const
{
  scopsam::QuantificationSettings settings;
  settings.MinimumParticlePixels = m_MinimumParticlePixels;
  settings.ExcludeBorderParticles = m_ExcludeBorderParticles;
  settings.FullyConnected = m_FullyConnected;
  settings.SeparateTouchingParticles = m_SeparateTouchingParticles;
  settings.PixelSizeSource = "the image spacing, in " + m_LengthUnit;
  return scopsam::MeasurementsToJSON({ m_FieldMeasurements }, settings);
}

template <typename TMaskImage, typename TFeatureImage, typename TLabelImage>
void
PhaseQuantificationImageFilter<TMaskImage, TFeatureImage, TLabelImage>::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "MinimumParticlePixels: " << m_MinimumParticlePixels << std::endl;
  os << indent << "ExcludeBorderParticles: " << m_ExcludeBorderParticles << std::endl;
  os << indent << "FullyConnected: " << m_FullyConnected << std::endl;
  os << indent << "SeparateTouchingParticles: " << m_SeparateTouchingParticles << std::endl;
  os << indent << "SeparationDepth: " << m_SeparationDepth << std::endl;
  os << indent << "LengthUnit: " << m_LengthUnit << std::endl;
  os << indent << "FieldName: " << m_FieldName << std::endl;
  os << indent << "Particles (last update): " << m_FieldMeasurements.ParticleCount << std::endl;
  os << indent << "AreaFraction (last update): " << m_FieldMeasurements.AreaFraction << std::endl;
}

} // namespace itk

#endif
