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
#ifndef itkSCoPSAMSegmentationFilter_h
#define itkSCoPSAMSegmentationFilter_h

#include "itkImageToImageFilter.h"
#include "itkRobustIntensityRangeCalculator.h"
#include "itkVectorImage.h"
#include "scopsamPromptAdaptation.h"
#include "scopsamSegmentationEngine.h"

#include <memory>
#include <string>
#include <vector>

namespace itk
{

/** \class SCoPSAMSegmentationFilter
 * \brief Segments the intermediate phase of a 2-D micrograph with SCoP-SAM.
 *
 * Output 0 (GetOutput(), GetProbabilityOutput()) is the phase probability in [0, 1]; output 1 (GetMaskOutput())
 * the mask: InsideValue (255) where the probability is at least the threshold (the model's stored one unless
 * SetThreshold() was called), 0 elsewhere.
 *
 * The filter
 * - maps the input's gray levels to [0, 1] with its robust whole-image range (one streamed histogram pass, as
 *   PriorImageFilterBase does, or SetIntensityRange());
 * - computes the gradient and grayscale priors with the parameters the model was trained with, or takes them from
 *   SetPriorImage() (a VectorImage with the model's PriorChannels components, in the order gradient magnitude,
 *   coherence, local contrast, global departure);
 * - runs the network (scopsam::SegmentationEngine) over overlapping tiles of TileSize pixels with Overlap pixels of
 *   overlap, BatchSize tiles at a time, blended with a smooth window.
 *
 * Tiles are placed on the whole image, so the output of a region does not depend on how ITK streams the image: an
 * ImageFileWriter or StreamingImageFilter with several divisions gives the same pixels as one update, and memory
 * is bounded by the tiles a region needs. Progress is reported per batch of tiles and AbortGenerateData() is
 * honoured between batches.
 *
 * Prompts: clicks (AddClick(), in pixel indices; AddPhysicalClick(), in physical coordinates) mean "this phase" (label
 * 1) or "not this phase" (label 0) everywhere; so do scribbles (SetScribbleImage(): 1 this phase, 2 not this phase,
 * 0 unlabelled); a box (SetRegionOfInterest()) restricts the phase to it. Clicks and the box are checked against the
 * image here, once, when the pipeline's information is updated (itk::InvalidArgumentError).
 *
 * Clicks and scribbles act by construction, through test-time adaptation (scopsam::Adaptation,
 * scopsamPromptAdaptation.h): a filter inside this one computes the automatic result (no clicks, no scribbles)
 * once per input and setting, and a new set of prompts fits a light head on the cached features of the micrograph
 * and the network's probability, which then gives the output: encode once, prompt many times, as Segment
 * Anything's SamPredictor. GetAdaptation() is what the prompts taught, to save and apply to other micrographs
 * (SetAdaptation(), without prompts). With prompts or an adaptation the whole image is one region (the head sees
 * the whole micrograph); the mask is the adapted probability cut at scopsam::Adaptation::Threshold (0.5) unless
 * SetThreshold() was called. With a previous mask (SetPreviousMask(), an interactive loop's last result) the head
 * moves that mask instead, in the directions the prompts ask for, near them as it says and elsewhere only where it
 * is sure (scopsam::StepFromPrevious()): steadier clicks (Documentation/results.md, "Steady steps").
 * Without prompts the automatic result is unchanged.
 *
 * With NetworkClicks on (SetNetworkClicks(); off by default), clicks go to the network's own click path too: the
 * inner filter keeps the normalised image, its priors and the tiles' image embeddings (scopsam::TileEmbeddings),
 * each new set of clicks reruns only the prompt encoder and the mask decoder over the tiles, and that prompted
 * probability takes the automatic one's place as the head's prior and weak labels
 * (scopsam::AdaptationImage::WithProbability()) - or, where the user says the prompts alone define the phase
 * (SetPromptsOnly()) and gives clicks only, it is the output itself, at the model's threshold: no head is fitted
 * (UsesNetworkAlone()). For networks whose click path was trained to follow clicks (Documentation/results.md, "A
 * prompted target"); at Scale 1 only.
 *
 * Scale (SetScale()): the network sees the input resampled by Scale (a mini-pipeline inside the filter:
 * ResampleImageFilter before, this filter at scale 1, ResampleImageFilter after), and the probability comes back on
 * the input's grid before the threshold; clicks and the region of interest stay in the input's pixel indices.
 * Excluded regions (SetExclusionMask()) get probability 0 and mask 0.
 *
 * The filter's thread budget (GetNumberOfWorkUnits()) drives the prior filters, LibTorch's intra-op threads and the
 * BLAS threads, one after the other: no nested parallelism. LibTorch and BLAS hold their thread settings
 * process-wide: each network run sets them under a process-wide lock (scopsam::ScopedThreadSettings) and puts back
 * what it found when it ends, so the network runs of all filters of a process follow each other, whatever thread
 * calls Update() (the Python binding releases the GIL). One filter must not be updated from two threads at once (as
 * any ITK filter); separate filters may, and may share one engine.
 *
 * The tiles are placed once per image (GetTileGrid(), made when the output information is updated); every region,
 * the engine and the front ends read that grid.
 *
 * \ingroup SCoPSAMSegmentation
 */
template <typename TInputImage, typename TOutputImage = Image<float, TInputImage::ImageDimension>>
class ITK_TEMPLATE_EXPORT SCoPSAMSegmentationFilter : public ImageToImageFilter<TInputImage, TOutputImage>
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(SCoPSAMSegmentationFilter);

  using Self = SCoPSAMSegmentationFilter;
  using Superclass = ImageToImageFilter<TInputImage, TOutputImage>;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;

  static constexpr unsigned int ImageDimension = TInputImage::ImageDimension;
  static_assert(ImageDimension == 2, "SCoPSAMSegmentationFilter segments 2-D micrographs");

  using InputImageType = TInputImage;
  using OutputImageType = TOutputImage;
  using MaskImageType = Image<unsigned char, ImageDimension>;
  using PriorImageType = VectorImage<float, ImageDimension>;
  using RegionType = typename OutputImageType::RegionType;
  using IndexType = typename InputImageType::IndexType;
  using PointType = typename InputImageType::PointType;
  using SizeType = typename InputImageType::SizeType;
  using IntensityRangeType = FixedArray<double, 2>;

  itkNewMacro(Self);
  itkTypeMacro(SCoPSAMSegmentationFilter, ImageToImageFilter);

  /** The model: a SCoP-SAM model file or a TorchScript file (see scopsam::SegmentationEngine::Load()). */
  virtual void
  SetModelFileName(const std::string & fileName);
  itkGetStringMacro(ModelFileName);
  /** Or an engine already loaded (shared between filters). */
  virtual void
  SetEngine(std::shared_ptr<const scopsam::SegmentationEngine> engine);
  /** The engine the filter uses (loaded on first need). */
  std::shared_ptr<const scopsam::SegmentationEngine>
  GetEngine() const;

  /** "cpu" (default), "cuda", "cuda:N" or "auto". CUDA asked for where there is none is an error. A change after the
   * filter loaded its engine loads a separate one for the new device on next need (engines loaded elsewhere are
   * not touched). An engine given by SetEngine() runs where it was loaded: changing the device then is an error. */
  virtual void
  SetDevice(const std::string & device);
  itkGetStringMacro(Device);
  /** Half precision on CUDA. Default off. A change loads a separate engine, as SetDevice(). */
  virtual void
  SetUseHalfPrecision(bool half);
  itkGetConstMacro(UseHalfPrecision, bool);
  itkBooleanMacro(UseHalfPrecision);

  /** Tile size in pixels; 0 (default) takes the model's. A multiple of 4 x the model's patch size. */
  virtual void
  SetTileSize(unsigned int size);
  itkGetConstMacro(TileSize, unsigned int);
  /** Overlap of neighbouring tiles in pixels; -1 (default) takes a quarter of the tile. */
  virtual void
  SetOverlap(int overlap);
  itkGetConstMacro(Overlap, int);
  /** Tiles per network call. Default 4; range [1, 1024]. */
  virtual void
  SetBatchSize(unsigned int size);
  itkGetConstMacro(BatchSize, unsigned int);
  /** Blending window of overlapping tiles: 0 cosine (default), 1 Gaussian, 2 flat. */
  virtual void
  SetBlendingWindow(unsigned int window);
  itkGetConstMacro(BlendingWindow, unsigned int);

  /** Probability at or above which a pixel is phase in the mask; range [0, 1]. By default the mask uses the model's
   * own threshold (ModelConfig::Threshold: chosen on validation images when the model was trained, 0.5 for older
   * files); SetThreshold() overrides it for this filter and turns UseModelThreshold off, UseModelThresholdOn() goes
   * back to the model's. GetEffectiveThreshold() says which value the mask uses (it loads the model). */
  virtual void
  SetThreshold(double threshold);
  itkGetConstMacro(Threshold, double);
  virtual void
  SetUseModelThreshold(bool use);
  itkGetConstMacro(UseModelThreshold, bool);
  itkBooleanMacro(UseModelThreshold);
  double
  GetEffectiveThreshold() const;
  /** Mask value of the phase. Default 255. */
  itkSetMacro(InsideValue, unsigned char);
  itkGetConstMacro(InsideValue, unsigned char);

  /** Grid factor of the network's view: the input is resampled (linear interpolation, same physical extent, so a
   * feature of n pixels spans n * Scale pixels) before the network, and the probability is brought back to the
   * input's grid (linear; the nearest value beyond the outermost pixel centres) before the threshold. Default 1
   * (the input's grid, no resampling); range [0.1, 10]. With Scale != 1 the input is requested whole (the resampled
   * image's statistics need it); the outputs still stream. Not with SetPriorImage() (priors of the input's grid). */
  virtual void
  SetScale(double scale);
  itkGetConstMacro(Scale, double);

  /** Excluded regions (optional): non-zero where the image is not specimen (an SEM data bar, the background of a
   * section). There the probability and the mask are 0. Same pixel grid and geometry as the input. */
  itkSetInputMacro(ExclusionMask, MaskImageType);
  itkGetInputMacro(ExclusionMask, MaskImageType);

  /** Clicks: label 1 "this phase", 0 "not this phase"; at most scopsam::MaximumClicks (scopsamPrompts.h), each of
   * which costs a bounded window around it (scopsam::ClickLabels()), so that the worst case is bounded too. */
  void
  AddClick(const IndexType & index, int label);
  void
  AddPhysicalClick(const PointType & point, int label);
  void
  ClearClicks();
  /** Scribbles (optional): a label image of the input's grid, 1 "this phase", 2 "not this phase", 0 unlabelled,
   * as Slicer's Segment Editor or ilastik paint them. Scribble pixels on excluded pixels are ignored, with a warning. */
  itkSetInputMacro(ScribbleImage, MaskImageType);
  itkGetInputMacro(ScribbleImage, MaskImageType);
  /** The mask the prompts correct (optional; non-zero = phase, on the input's grid), as Segment Anything's
   * predictor takes the previous mask: the prompts move it only in the directions they ask for, near them as the
   * head says and elsewhere only where it is sure (scopsam::StepFromPrevious()). An interactive loop passes each
   * result back with the next prompts. Without it the output is the head's own. Used with clicks or scribbles only
   * (not with SetAdaptation()). */
  itkSetInputMacro(PreviousMask, MaskImageType);
  itkGetInputMacro(PreviousMask, MaskImageType);
  /** Whether the clicks and scribbles alone define the phase (scopsam::PhasePrompts::Alone): the automatic mask
   * does not teach the head beside them. For a phase that is not the network's target, or a micrograph unlike those
   * it learnt from. Off by default. */
  itkSetMacro(PromptsOnly, bool);
  itkGetConstMacro(PromptsOnly, bool);
  itkBooleanMacro(PromptsOnly);
  /** Whether clicks go to the network's own click path as well as to the prompt head (off by default: measured on
   * the val splits, the network's reading of a negative click - "not this phase" where the head reads "not this
   * spot" - carried into the head's weak labels costs a right mask up to 0.23 of IoU at a click; results.md). */
  itkSetMacro(NetworkClicks, bool);
  itkGetConstMacro(NetworkClicks, bool);
  itkBooleanMacro(NetworkClicks);
  /** Whether this filter's clicks reach the network: NetworkClicks, at Scale 1. */
  bool
  UsesNetworkClicks() const;
  /** Whether the network alone answers the prompts: its clicks reach the network, the prompts alone define the phase
   * (PromptsOnly), and they are clicks only (no scribbles, no adaptation given). Then no head is fitted
   * (GetAdaptation() gives nullptr: nothing to save or carry) and the mask is the network's prompted probability
   * cut at the model's threshold (or SetThreshold()'s). */
  bool
  UsesNetworkAlone() const;
  /** Bytes the kept image embeddings of the network's tiles hold (0 unless clicks reach the network). */
  std::size_t
  GetEmbeddingCacheBytes() const;
  /** An adaptation to apply (made by prompts on this or another micrograph, with the same model; otherwise an
   * itk::InvalidArgumentError); not together with clicks or scribbles. nullptr: none. */
  void
  SetAdaptation(std::shared_ptr<const scopsam::Adaptation> adaptation);
  /** After an update with clicks or scribbles: the adaptation they made (with its warnings); with one given: that
   * one; otherwise nullptr. */
  std::shared_ptr<const scopsam::Adaptation>
  GetAdaptation() const
  {
    return m_Adaptation;
  }
  /** The image's name in the adaptation's provenance. */
  itkSetStringMacro(SourceName);
  itkGetStringMacro(SourceName);
  /** Whether the output comes from the adaptation: clicks, scribbles or an adaptation are given. */
  bool
  UsesAdaptation() const;
  /** Bytes the cached features of the adaptation hold (0 before an adapted update, or where they are computed per
   * band: micrographs above scopsam::AdaptationOptions::CachedPixels). */
  std::size_t
  GetAdaptationCacheBytes() const
  {
    return m_AdaptationImage ? m_AdaptationImage->CachedBytes() : 0;
  }

  /** A region of interest in pixel indices: the phase is segmented inside it, nothing outside. */
  void
  SetRegionOfInterest(const RegionType & region);
  void
  ClearRegionOfInterest();

  /** Gray levels mapped to 0 and 1; unset (default): the robust range of the whole input. */
  void
  SetIntensityRange(double lower, double upper);
  void
  ClearIntensityRange();
  /** The gray levels mapped to 0 and 1 in the last update (given or computed; with Scale != 1, those of the
   * resampled image the network saw). */
  IntensityRangeType
  GetIntensityRangeUsed() const;

  /** Precomputed priors (optional): a vector image of the input's size with the model's prior channels. */
  void
  SetPriorImage(const PriorImageType * priors);
  const PriorImageType *
  GetPriorImage() const;

  /** The tiles of the image the network sees (the input, or the input resampled by Scale), resolved once from the
   * model and the tiling parameters when the output information is updated. */
  const scopsam::TileGrid &
  GetTileGrid() const
  {
    return m_TileGrid;
  }

  /** What the network's IoU head says of its own output: the mean over the tiles run for the current result
   * (all stream pieces of it; a tile run for two pieces counts twice); -1 before a run or where the model has no
   * IoU head (TorchScript). Trained only where the model says so (ModelConfig::IoUHeadTrained): otherwise show it marked untrained. */
  double
  GetPredictedIoU() const;

  /** The probability (output 0) and the mask (output 1). */
  OutputImageType *
  GetProbabilityOutput()
  {
    return this->GetOutput();
  }
  MaskImageType *
  GetMaskOutput();

protected:
  SCoPSAMSegmentationFilter();
  ~SCoPSAMSegmentationFilter() override = default;
  void
  PrintSelf(std::ostream & os, Indent indent) const override;

  using DataObjectPointerArraySizeType = ProcessObject::DataObjectPointerArraySizeType;
  DataObject::Pointer
  MakeOutput(DataObjectPointerArraySizeType index) override;
  /** The output of a name: by its index (ImageSource's own makes every output a TOutputImage, which would give the
   * mask output a float image when DisconnectPipeline() asks for a new one). */
  DataObject::Pointer
  MakeOutput(const ProcessObject::DataObjectIdentifierType & name) override;

  void
  VerifyPreconditions() ITKv5_CONST override;
  void
  VerifyInputInformation() ITKv5_CONST override;
  void
  GenerateOutputInformation() override;
  void
  GenerateInputRequestedRegion() override;
  void
  EnlargeOutputRequestedRegion(DataObject * output) override;
  void
  UpdateOutputData(DataObject * output) override;
  void
  GenerateData() override;

  /** Whether GenerateData() runs the network on the resampled input (Scale != 1). */
  virtual bool
  UsesResampling() const
  {
    return m_Scale != 1.0;
  }

private:
  /** The checks of a new click (its label, the number of clicks): one home for both AddClick()s. */
  void
  CheckNewClick(int label) const;

  using NetworkImageType = Image<float, ImageDimension>;
  using ResampledFilterType = SCoPSAMSegmentationFilter<NetworkImageType, NetworkImageType>;

  /** GenerateData() with prompts or an adaptation: the automatic result (m_AutomaticFilter), then the head. */
  void
  GenerateAdaptedData();
  /** GenerateData() of the resampling path: the network on the input resampled by Scale. */
  void
  GenerateResampledData();
  /** Writes `probabilities` (row-major over `region`) and its threshold to the outputs, 0 where excluded. */
  void
  WriteOutputs(const RegionType & region, const float * probabilities);
  /** Size of the image the network sees. */
  SizeType
  NetworkImageSize() const;
  void
  AddPrediction(const scopsam::PredictionSummary & summary);
  /** The engine over the tiles of `output` (m_TileGrid), reporting progress from `progressStart` over
   * `progressSpan` and honouring AbortGenerateData() between tiles; the engine's errors as ITK exceptions. */
  scopsam::PredictionSummary
  RunNetwork(const scopsam::ImageBlock & input, const scopsam::Prompts & prompts, const scopsam::PixelRegion & output,
             float * probabilities, scopsam::TileEmbeddings * embeddings, float progressStart = 0.0f,
             float progressSpan = 1.0f);
  /** The network's probability of the whole image with this filter's clicks, from what the inner automatic filter
   * kept (its normalised image, priors and tile embeddings); 0 on excluded pixels. */
  cv::Mat
  PromptedProbability(Self & automatic);

  scopsam::Prompts
  MakePrompts() const;
  scopsam::TilingOptions
  MakeTilingOptions() const;
  scopsam::PixelRegion
  ToPixelRegion(const RegionType & region) const;

  struct ClickRecord
  {
    double X, Y;
    int    Label;
    bool   Physical;
  };

  std::string                                        m_ModelFileName;
  mutable std::shared_ptr<const scopsam::SegmentationEngine> m_Engine;
  bool                                               m_EngineGiven{ false };
  double                                             m_Scale{ 1.0 };
  std::string                                        m_Device{ "cpu" };
  bool                                               m_UseHalfPrecision{ false };
  unsigned int                                       m_TileSize{ 0 };
  int                                                m_Overlap{ -1 };
  unsigned int                                       m_BatchSize{ 4 };
  unsigned int                                       m_BlendingWindow{ 0 };
  double                                             m_Threshold{ 0.5 };
  bool                                               m_UseModelThreshold{ true };
  unsigned char                                      m_InsideValue{ 255 };
  std::vector<ClickRecord>                           m_Clicks;
  bool                                               m_HasRegionOfInterest{ false };
  RegionType                                         m_RegionOfInterest;
  bool                                               m_IntensityRangeIsSet{ false };
  IntensityRangeType                                 m_IntensityRange;
  double                                             m_Lower{ 0.0 }, m_Upper{ 1.0 }, m_MatrixMode{ 0.5 };
  RobustIntensityStatisticsCache<InputImageType>     m_StatisticsCache;
  scopsam::TileGrid                                  m_TileGrid;
  double                                             m_PredictedIoUSum{ 0.0 };
  std::size_t                                        m_PredictedTiles{ 0 };
  TimeStamp                                          m_PredictionTime;
  SmartPointer<NetworkImageType>                     m_ResampledInput;
  SmartPointer<ResampledFilterType>                  m_ResampledFilter;
  TimeStamp                                          m_ResampledTime;
  SmartPointer<Self>                                 m_AutomaticFilter;
  std::shared_ptr<const scopsam::AdaptationImage>    m_AdaptationImage;
  TimeStamp                                          m_AdaptationImageTime;
  std::shared_ptr<const scopsam::Adaptation>         m_Adaptation;
  bool                                               m_AdaptationGiven{ false };
  bool                                               m_PromptsOnly{ false };
  bool                                               m_NetworkClicks{ false };
  // Kept by an inner automatic filter whose outer filter gives clicks to the network: the network's input of the
  // whole image (normalised image and priors, 20 bytes a pixel with 4 prior channels) and the tiles' embeddings.
  bool                                               m_KeepNetworkInput{ false };
  scopsam::PixelRegion                               m_NetworkRegion;
  std::vector<float>                                 m_NetworkImage, m_NetworkPriors;
  std::shared_ptr<scopsam::TileEmbeddings>           m_Embeddings;
  std::string                                        m_SourceName;
};

} // namespace itk

#ifndef ITK_MANUAL_INSTANTIATION
#  include "itkSCoPSAMSegmentationFilter.hxx"
#endif

#endif
