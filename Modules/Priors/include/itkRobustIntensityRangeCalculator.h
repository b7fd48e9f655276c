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
#ifndef itkRobustIntensityRangeCalculator_h
#define itkRobustIntensityRangeCalculator_h

#include "itkObject.h"
#include "itkObjectFactory.h"
#include "scopsamIntensityNormalization.h"

namespace itk
{

/** \class RobustIntensityRangeCalculator
 * \brief Robust gray-level range and matrix mode of a whole image, in one streamed histogram pass.
 *
 * The range maps the lower and upper percentile (default 0.5 % and 99.5 %) of the image's gray levels to 0 and 1;
 * the matrix mode is the most frequent normalised gray level. Both are whole-image statistics: SCoP-SAM computes
 * them once per image and hands them down to every region, stream piece and tile, so that no seams appear.
 *
 * When the image is the output of a pipeline, Compute() updates it in NumberOfStreamDivisions pieces of its largest
 * possible region and accumulates the histogram, so that memory stays bounded by one piece; the image's requested
 * region is restored afterwards. An image without a source must have its largest possible region buffered.
 *
 * Integer pixel types of up to 16 bits get one exact bin per gray level and need one pass. Other types need a
 * minimum/maximum pass first and then 65536 bins between them (percentiles exact to 1/65536 of the range).
 *
 * \ingroup SCoPSAMPriors
 */
template <typename TInputImage>
class ITK_TEMPLATE_EXPORT RobustIntensityRangeCalculator : public Object
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(RobustIntensityRangeCalculator);

  using Self = RobustIntensityRangeCalculator;
  using Superclass = Object;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;

  using ImageType = TInputImage;
  using PixelType = typename ImageType::PixelType;
  using RegionType = typename ImageType::RegionType;

  itkNewMacro(Self);
  itkTypeMacro(RobustIntensityRangeCalculator, Object);

  /** The image to measure. */
  itkSetConstObjectMacro(Image, ImageType);
  itkGetConstObjectMacro(Image, ImageType);

  /** Fraction of pixels below the value mapped to 0. Default 0.005; range [0, 0.5). */
  itkSetMacro(LowerPercentile, double);
  itkGetConstMacro(LowerPercentile, double);

  /** Fraction of pixels below the value mapped to 1. Default 0.995; range (0.5, 1]. */
  itkSetMacro(UpperPercentile, double);
  itkGetConstMacro(UpperPercentile, double);

  /** Number of pieces the image is updated in when it comes from a pipeline. Default 16; at least 1. */
  itkSetMacro(NumberOfStreamDivisions, unsigned int);
  itkGetConstMacro(NumberOfStreamDivisions, unsigned int);

  /** Run the pass. Throws itk::ExceptionObject on an empty image or invalid percentiles. */
  void
  Compute();

  /** Results of the last Compute(). */
  const scopsam::IntensityStatistics &
  GetStatistics() const
  {
    return m_Statistics;
  }

protected:
  RobustIntensityRangeCalculator() = default;
  ~RobustIntensityRangeCalculator() override = default;
  void
  PrintSelf(std::ostream & os, Indent indent) const override;

private:
  template <typename TVisitor>
  void
  VisitPixels(TVisitor && visitor);

  typename ImageType::ConstPointer m_Image;
  double                           m_LowerPercentile{ 0.005 };
  double                           m_UpperPercentile{ 0.995 };
  unsigned int                     m_NumberOfStreamDivisions{ 16 };
  scopsam::IntensityStatistics     m_Statistics;
};

/** \class RobustIntensityStatisticsCache
 * \brief The whole-image statistics a filter keeps between updates.
 *
 * A filter that normalises by RobustIntensityRangeCalculator's statistics needs them before its first region, and
 * every later stream piece must reuse them. Get() runs the streamed pass only when the filter (`owner`, whose
 * parameters include the percentiles) or the pipeline upstream of the image changed since the last pass.
 *
 * \ingroup SCoPSAMPriors
 */
template <typename TInputImage>
class RobustIntensityStatisticsCache
{
public:
  const scopsam::IntensityStatistics &
  Get(const Object * owner, const TInputImage * image, double lowerPercentile, double upperPercentile,
      unsigned int streamDivisions)
  {
    if (m_Time.GetMTime() == 0 || m_Time < owner->GetMTime() || m_Time < image->GetPipelineMTime())
    {
      const auto calculator = RobustIntensityRangeCalculator<TInputImage>::New();
      calculator->SetImage(image);
      calculator->SetLowerPercentile(lowerPercentile);
      calculator->SetUpperPercentile(upperPercentile);
      calculator->SetNumberOfStreamDivisions(streamDivisions);
      calculator->Compute();
      m_Statistics = calculator->GetStatistics();
      m_Time.Modified();
    }
    return m_Statistics;
  }

private:
  scopsam::IntensityStatistics m_Statistics;
  TimeStamp                    m_Time;
};

} // namespace itk

#ifndef ITK_MANUAL_INSTANTIATION
#  include "itkRobustIntensityRangeCalculator.hxx"
#endif

#endif
