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
#ifndef itkPriorImageFilterBase_h
#define itkPriorImageFilterBase_h

#include "itkImageToImageFilter.h"
#include "itkRobustIntensityRangeCalculator.h"
#include "scopsamPriorKernels.h"

/** Defines Set<name>(value) that throws an itk::ExceptionObject naming the parameter and the admissible range when
 * `condition` (an expression of `_arg`) is false. */
#define scopsamSetCheckedMacro(name, type, condition, requirement)                                                    \
  virtual void Set##name(const type _arg)                                                                             \
  {                                                                                                                   \
    if (!(condition))                                                                                                 \
    {                                                                                                                 \
      itkExceptionMacro(<< #name << " must be " << requirement << ", got " << _arg);                                 \
    }                                                                                                                 \
    if (this->m_##name != _arg)                                                                                       \
    {                                                                                                                 \
      this->m_##name = _arg;                                                                                          \
      this->Modified();                                                                                               \
    }                                                                                                                 \
  }                                                                                                                   \
  ITK_MACROEND_NOOP_STATEMENT

/** Defines Set<name>(value) checked against `parameter`, an entry of scopsamPriorParameters.h: a value outside its
 * range throws an itk::ExceptionObject that names the parameter and the range. */
#define scopsamSetPriorParameterMacro(name, type, parameter)                                                         \
  scopsamSetCheckedMacro(name, type, (parameter).Range.Contains(static_cast<double>(_arg)), (parameter).Range.Requirement())

namespace itk
{

/** \class PriorImageFilterBase
 * \brief What the two SCoP-SAM prior filters share: intensity normalisation, padding, slabs and threads.
 *
 * A prior is a local function of the normalised image. This base class
 * - maps gray levels to [0, 1] with the image's robust intensity range (scopsam::IntensityNormalization), either
 *   given by SetIntensityRange() or computed by one streamed histogram pass over the input
 *   (RobustIntensityRangeCalculator) before the first region is generated, and cached until the input or a
 *   parameter changes;
 * - pads the input requested region by the prior's reach (GetReach()), as BoxImageFilter does, and replicates the
 *   border of the largest possible region, so that a streamed or tiled run equals a whole-image run;
 * - splits each work unit into blocks of about 2^17 pixels, so that the temporary buffers of a work unit stay
 *   small and in cache whatever the region, and calls ComputePrior() on each padded block.
 *
 * The output pixel is a scalar (one prior channel) or a two-component pixel such as itk::Vector<float, 2> (both
 * channels the derived filter offers).
 *
 * \ingroup SCoPSAMPriors
 */
template <typename TInputImage, typename TOutputImage>
class ITK_TEMPLATE_EXPORT PriorImageFilterBase : public ImageToImageFilter<TInputImage, TOutputImage>
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(PriorImageFilterBase);

  using Self = PriorImageFilterBase;
  using Superclass = ImageToImageFilter<TInputImage, TOutputImage>;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;

  using InputImageType = TInputImage;
  using OutputImageType = TOutputImage;
  using InputPixelType = typename InputImageType::PixelType;
  using OutputPixelType = typename OutputImageType::PixelType;
  using OutputImageRegionType = typename OutputImageType::RegionType;
  using IntensityRangeType = FixedArray<double, 2>;

  static constexpr unsigned int ImageDimension = TInputImage::ImageDimension;
  static_assert(ImageDimension >= 1 && ImageDimension <= 3, "the priors support 1-, 2- and 3-D images");

  itkTypeMacro(PriorImageFilterBase, ImageToImageFilter);

  /** Gray levels mapped to 0 and 1. Unset by default: then the robust range of the whole input is computed. Set it
   * to share one normalisation across several images, or when the caller already knows it; lower < upper. */
  virtual void
  SetIntensityRange(const IntensityRangeType & range);
  void
  SetIntensityRange(double lower, double upper)
  {
    IntensityRangeType range;
    range[0] = lower;
    range[1] = upper;
    this->SetIntensityRange(range);
  }
  itkGetConstReferenceMacro(IntensityRange, IntensityRangeType);
  /** Forget a range given by SetIntensityRange(): it is computed from the input again. */
  virtual void
  ClearIntensityRange();
  itkGetConstMacro(IntensityRangeIsSet, bool);

  /** Percentiles of the computed range. Defaults 0.005 and 0.995; 0 <= lower < 0.5 < upper <= 1. */
  scopsamSetCheckedMacro(LowerPercentile, double, _arg >= 0.0 && _arg < 0.5, "in [0, 0.5)");
  itkGetConstMacro(LowerPercentile, double);
  scopsamSetCheckedMacro(UpperPercentile, double, _arg > 0.5 && _arg <= 1.0, "in (0.5, 1]");
  itkGetConstMacro(UpperPercentile, double);

  /** Pieces of the histogram pass over a pipeline input. Default 64; 1 to 65536. */
  scopsamSetCheckedMacro(NumberOfHistogramStreamDivisions, unsigned int, _arg >= 1 && _arg <= 65536, "in [1, 65536]");
  itkGetConstMacro(NumberOfHistogramStreamDivisions, unsigned int);

  /** The statistics the last update used (the given range, or the computed range and mode). */
  const scopsam::IntensityStatistics &
  GetIntensityStatistics() const
  {
    return m_Statistics;
  }

  /** Pixels of padding the prior needs on each side of a region, on every axis. */
  virtual unsigned int
  GetReach() const = 0;

protected:
  PriorImageFilterBase();
  ~PriorImageFilterBase() override = default;
  void
  PrintSelf(std::ostream & os, Indent indent) const override;

  /** Whether the histogram pass must run (the range is not given, or a derived filter needs the mode). */
  virtual bool
  NeedsHistogramPass() const
  {
    return !m_IntensityRangeIsSet;
  }

  /** Fills `first` (and `second` where not null) for the slab inside `padded`. Called from several threads. */
  virtual void
  ComputePrior(const float *               padded,
               const scopsam::BufferSize & paddedSize,
               float *                     first,
               float *                     second) const = 0;

  void
  GenerateInputRequestedRegion() override;

  /** Runs the histogram pass, when needed, before the pipeline generates this filter's output. */
  void
  UpdateOutputData(DataObject * output) override;

  void
  VerifyPreconditions() ITKv5_CONST override;

  void
  DynamicThreadedGenerateData(const OutputImageRegionType & outputRegion) override;

  /** Number of channels the output pixel holds: 1 or 2. */
  static unsigned int
  GetNumberOfOutputComponents();

  /** Block shape of the computation (see DynamicThreadedGenerateData): at most BlockWidth columns and about
   * BlockPixels output pixels, which keeps a block's buffers within a core's L2 cache. */
  static constexpr SizeValueType BlockWidth = 1024;
  static constexpr SizeValueType BlockPixels = SizeValueType{ 1 } << 17;

private:
  IntensityRangeType           m_IntensityRange;
  bool                         m_IntensityRangeIsSet{ false };
  double                       m_LowerPercentile{ 0.005 };
  double                       m_UpperPercentile{ 0.995 };
  unsigned int                 m_NumberOfHistogramStreamDivisions{ 64 };
  scopsam::IntensityStatistics m_Statistics;
  RobustIntensityStatisticsCache<InputImageType> m_StatisticsCache;
};

} // namespace itk

#ifndef ITK_MANUAL_INSTANTIATION
#  include "itkPriorImageFilterBase.hxx"
#endif

#endif
