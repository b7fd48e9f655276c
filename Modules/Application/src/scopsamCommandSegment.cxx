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
#include "scopsamCommandSegment.h"
#include "scopsamBaselines.h"
#include "scopsamCommandRegistration.h"
#include "scopsamFrontEnd.h"
#include "scopsamVersion.h"

#include <CLI/CLI.hpp>
#include <memory>
#include <unistd.h>

#include "itkCommand.h"
#include "itkImageFileReader.h"
#include "itkSCoPSAMSegmentationFilter.h"
#include "scopsamDataset.h"
#include "scopsamFieldQuantifier.h"
#include "scopsamImageIO.h"
#include "scopsamOpenCVBridge.h"
#include "scopsamPictures.h"
#include "scopsamPromptAdaptation.h"
#include "scopsamSegmentationSupport.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace fs = std::filesystem;

namespace scopsam
{
namespace
{

using Filter = itk::SCoPSAMSegmentationFilter<GrayImage2D>;

/** Prints a progress bar on stderr, rewritten in place. */
class ProgressBar
{
public:
  ProgressBar(bool enabled, std::function<void(double)> report)
    : m_Enabled(enabled)
    , m_Report(std::move(report))
  {}
  void
  Show(const std::string & label, double fraction)
  {
    if (m_Report)
    {
      m_Report(fraction);
    }
    if (!m_Enabled)
    {
      return;
    }
    const int filled = static_cast<int>(fraction * 30.0 + 0.5);
    std::cerr << "\r" << label << " [" << std::string(filled, '#') << std::string(30 - filled, ' ') << "] " << std::setw(3)
              << static_cast<int>(fraction * 100.0 + 0.5) << "%" << std::flush;
  }
  void
  Done()
  {
    if (m_Enabled)
    {
      std::cerr << std::endl;
    }
  }

private:
  bool                        m_Enabled;
  std::function<void(double)> m_Report;
};

/** Pixels per stream piece of a segmentation: memory is bounded by a piece's tiles, whatever the image. */
constexpr std::size_t PixelsPerPiece = std::size_t{ 1 } << 22;

/** What a segmentation ran, for provenance: the tiles (resolved once for the image) and the IoU head's word. */
struct SegmentationRecord
{
  TileGrid Grid;
  double   PredictedIoU{ -1.0 };
};

/** Segments one image: the filter configured from the options, its outputs written by streaming, all atomically. */
SegmentationRecord
SegmentOne(const SegmentOptions & o, const std::shared_ptr<const SegmentationEngine> & engine,
           const std::shared_ptr<const Adaptation> & adaptation, const std::string & input, const std::string & output,
           const std::string & probabilityPath, const std::string & overlayPath, ProgressBar & bar,
           FieldQuantifier * quantifier)
{
  if (!o.SaveAdaptation.empty())
  {
    RefuseToOverwriteInputs(o.SaveAdaptation, { input, o.Exclude, o.Labels, o.Adaptation, o.PreviousMask });
  }
  if (!overlayPath.empty())
  {
    RefuseToOverwriteInputs(overlayPath, { input, o.Exclude });
  }
  RefuseToOverwriteInputs(output, { input, o.Exclude, o.Labels, o.Adaptation, o.PreviousMask });
  if (!probabilityPath.empty())
  {
    RefuseToOverwriteInputs(probabilityPath, { input, o.Exclude });
  }
  // A gray 2-D file feeds the filter through a reader, so that formats ITK streams (MetaImage, NRRD) are read piece
  // by piece; RGB files and single-slice volumes are read whole (gray conversion, geometry kept).
  SliceGeometry                              geometry;
  const ImageFileInfo                        info = InspectImageFile(input);
  GrayImage2D::Pointer                       whole;
  itk::ImageFileReader<GrayImage2D>::Pointer reader;
  if (info.Dimension == 2 && info.NumberOfComponents == 1)
  {
    reader = itk::ImageFileReader<GrayImage2D>::New();
    reader->SetFileName(input);
    reader->UpdateOutputInformation();
  }
  else
  {
    whole = ReadGrayImage(input, &geometry);
  }
  GrayImage2D * image = reader ? reader->GetOutput() : whole.GetPointer();

  auto filter = Filter::New();
  filter->SetInput(image);
  filter->SetEngine(engine);
  try
  {
    filter->SetTileSize(static_cast<unsigned int>(std::max(0, o.TileSize)));
    filter->SetOverlap(o.Overlap);
    filter->SetBatchSize(static_cast<unsigned int>(std::max(0, o.BatchSize)));
    if (o.Threshold >= 0.0)
    {
      filter->SetThreshold(o.Threshold);
    }
    filter->SetScale(o.Scale);
    filter->SetInsideValue(static_cast<unsigned char>(o.InsideValue));
    if (o.Threads > 0)
    {
      filter->SetNumberOfWorkUnits(static_cast<itk::ThreadIdType>(o.Threads));
    }
    // Clicks and the box in the input's pixel indices; the filter checks them against the image.
    for (const auto & click : ParsePoints(o.Points))
    {
      filter->AddClick({ { static_cast<itk::IndexValueType>(std::floor(click.X)), static_cast<itk::IndexValueType>(std::floor(click.Y)) } },
                       click.Label);
    }
    if (!o.Box.empty())
    {
      const auto b = ParseBox(o.Box);
      const itk::IndexValueType x0 = static_cast<itk::IndexValueType>(std::floor(b[0]));
      const itk::IndexValueType y0 = static_cast<itk::IndexValueType>(std::floor(b[1]));
      const itk::IndexValueType x1 = std::max(x0, static_cast<itk::IndexValueType>(std::ceil(b[2])));
      const itk::IndexValueType y1 = std::max(y0, static_cast<itk::IndexValueType>(std::ceil(b[3])));
      filter->SetRegionOfInterest({ { { x0, y0 } },
                                    { { static_cast<itk::SizeValueType>(x1 - x0 + 1), static_cast<itk::SizeValueType>(y1 - y0 + 1) } } });
    }
  }
  catch (const itk::ExceptionObject & e)
  {
    throw InputError(ExceptionMessage(e));
  }
  // The exclusion mask and the scribbles are read in pixels: they take the micrograph's geometry. Scribble value 3
  // marks excluded pixels too (one label map painted in Slicer's Segment Editor: phase, not phase, excluded).
  const auto onImageGrid = [image](UInt8Image2D * mask) {
    mask->SetOrigin(image->GetOrigin());
    mask->SetSpacing(image->GetSpacing());
    mask->SetDirection(image->GetDirection());
  };
  UInt8Image2D::Pointer exclude, scribbles;
  if (!o.Exclude.empty())
  {
    exclude = ReadMask(o.Exclude);
    onImageGrid(exclude);
  }
  if (!o.Labels.empty())
  {
    scribbles = ReadLabelImage(o.Labels, 3);
    onImageGrid(scribbles);
    const std::size_t count = scribbles->GetLargestPossibleRegion().GetNumberOfPixels();
    unsigned char *   label = scribbles->GetBufferPointer();
    if (std::find(label, label + count, 3) != label + count)
    {
      if (!exclude)
      {
        exclude = UInt8Image2D::New();
        exclude->CopyInformation(scribbles);
        exclude->SetRegions(scribbles->GetLargestPossibleRegion());
        exclude->Allocate(true);
      }
      if (exclude->GetLargestPossibleRegion() != scribbles->GetLargestPossibleRegion())
      {
        throw InputError("the scribbles (" + o.Labels + ") and the exclusion mask (" + o.Exclude + ") differ in size");
      }
      unsigned char * excluded = exclude->GetBufferPointer();
      for (std::size_t i = 0; i < count; ++i)
      {
        if (label[i] == 3)
        {
          excluded[i] = 1;
          label[i] = 0;
        }
      }
    }
    filter->SetScribbleImage(scribbles);
  }
  if (exclude)
  {
    filter->SetExclusionMask(exclude);
  }
  if (!o.PreviousMask.empty())
  {
    UInt8Image2D::Pointer previous = ReadMask(o.PreviousMask);
    onImageGrid(previous);
    filter->SetPreviousMask(previous);
  }
  filter->SetPromptsOnly(o.PromptsOnly);
  filter->SetNetworkClicks(o.NetworkClicks);
  filter->SetAdaptation(adaptation);
  filter->SetSourceName(input);
  try
  {
    filter->UpdateOutputInformation(); // the model, the options and the prompts against the image
  }
  catch (const itk::ExceptionObject & e)
  {
    throw InputError("cannot segment " + input + ": " + ExceptionMessage(e));
  }
  if (!o.SaveAdaptation.empty() && filter->UsesNetworkAlone())
  {
    throw InputError("--save-adaptation: with --network-clicks and --prompts-only the network alone answers the "
                     "clicks; no head is made to save");
  }

  // The writers pull the filter's outputs piece by piece (tiles are placed on the whole image, so the pieces change
  // no pixel); overlay and statistics need the whole mask, kept in memory only then.
  // Pieces of whole tile rows of the grid the filter resolved (at --scale 1; else of about as many rows), so that
  // few tiles are run for two pieces.
  const auto        size = image->GetLargestPossibleRegion().GetSize();
  const auto &      grid = filter->GetTileGrid();
  const std::size_t stride = o.Scale == 1.0 ? static_cast<std::size_t>(std::max(1, grid.TileSize - grid.Overlap)) : 1;
  const std::size_t rowsPerPiece = stride * std::max<std::size_t>(1, PixelsPerPiece / (size[0] * stride));
  const std::size_t divisions = (size[1] + rowsPerPiece - 1) / rowsPerPiece;
  std::vector<StreamedImage> outputs{ StreamTo(filter->GetMaskOutput(), output, geometry) };
  if (!probabilityPath.empty())
  {
    outputs.push_back(StreamTo(filter->GetProbabilityOutput(), probabilityPath, geometry));
  }
  Filter::MaskImageType::Pointer mask;
  if (!overlayPath.empty() || quantifier)
  {
    outputs.push_back(KeepWhole(filter->GetMaskOutput(), mask));
  }
  std::size_t piece = 0;
  float       last = 0.0f;
  auto        report = [&] {
    const float progress = filter->GetProgress();
    piece += progress < last ? 1 : 0; // a new piece starts from 0
    last = progress;
    bar.Show(fs::path(input).filename().string(), std::min(1.0, (static_cast<double>(piece) + progress) / static_cast<double>(divisions)));
  };
  auto command = itk::CStyleCommand::New();
  command->SetCallback([](itk::Object *, const itk::EventObject &, void * data) { (*static_cast<decltype(report) *>(data))(); });
  command->SetClientData(&report);
  filter->AddObserver(itk::ProgressEvent(), command);
  if (filter->UsesAdaptation())
  {
    // Prompts make the whole image one region: run it before writing, so that a bad prompt is reported as such.
    try
    {
      filter->Update();
    }
    catch (const itk::ExceptionObject & e)
    {
      throw InputError("cannot segment " + input + ": " + ExceptionMessage(e));
    }
  }
  WriteStreamed(outputs, rowsPerPiece);
  bar.Done();
  if (const auto adaptation = filter->GetAdaptation())
  {
    for (const auto & warning : adaptation->GetWarnings())
    {
      std::cerr << "scopsam segment: warning: " << input << ": " << warning << "\n";
    }
  }
  if (!o.SaveAdaptation.empty())
  {
    filter->GetAdaptation()->Save(o.SaveAdaptation);
  }
  const SegmentationRecord record{ filter->GetTileGrid(), filter->GetPredictedIoU() };
  if (mask)
  {
    const auto    picture = whole ? whole : ReadGrayImage(input);
    const cv::Mat normalized = NormalizedMat(picture.GetPointer()); // the overlay's and the checks' one normalisation
    const cv::Mat phase = MatView(mask.GetPointer());
    if (!overlayPath.empty())
    {
      WriteRGBPicture(PhaseOverlay(normalized, phase), overlayPath);
    }
    if (quantifier)
    {
      // The mask has the micrograph's geometry and calibration: the micrograph is its file (an SEM TIFF's tags, a
      // MetaImage or NRRD spacing).
      quantifier->Add(fs::path(input).stem().string(), mask, input, "", picture, exclude);
      // The IoU head speaks of the network's automatic mask: not of one that prompts adapted.
      const bool trained = !filter->UsesAdaptation() && filter->GetEngine()->GetConfig().IoUHeadTrained;
      quantifier->AddChecks(MeasureMaskSignals(
        normalized, phase, trained && record.PredictedIoU >= 0 ? std::optional(record.PredictedIoU) : std::nullopt));
    }
  }
  return record;
}

std::string
Provenance(const SegmentOptions & o, const SegmentationEngine & engine, const SegmentationRecord & record, const std::string & input,
           const std::string & output)
{
  nlohmann::json j;
  j["program"] = std::string("scopsam segment ") + Version;
  j["input"] = input;
  j["output"] = output;
  j["model"] = engine.GetIdentity();
  j["model_configuration"] = nlohmann::json::parse(engine.GetConfig().ToJSON());
  j["tile_size"] = record.Grid.TileSize; // the grid the filter ran
  j["overlap"] = record.Grid.Overlap;
  j["tiles"] = record.Grid.Tiles.size();
  j["threshold"] = o.Threshold >= 0.0 ? o.Threshold : engine.GetConfig().Threshold;
  j["threshold_source"] = o.Threshold >= 0.0 ? "--threshold" : "the model's";
  j["scale"] = o.Scale;
  j["points"] = o.Points;
  j["labels"] = o.Labels;
  j["adaptation"] = o.Adaptation;
  j["box"] = o.Box;
  j["exclude"] = o.Exclude;
  j["device"] = engine.GetDevice();
  // The network's IoU head: what it says of the mask is a measure only where a loss term fitted it (trained).
  if (record.PredictedIoU >= 0.0)
  {
    j["predicted_iou"] = record.PredictedIoU;
  }
  else
  {
    j["predicted_iou"] = nullptr;
  }
  j["predicted_iou_head"] = engine.GetConfig().IoUHeadTrained ? "trained" : "untrained";
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char              when[32];
  std::strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  j["date"] = when;
  return j.dump(2) + "\n";
}

} // namespace

std::vector<std::string>
RunSegment(const SegmentOptions & o)
{
  if (o.Model.empty() && !HasDefaultModel())
  {
    throw InputError("--model is required: this build embeds no default model");
  }
  CheckThresholdArgument(o.Threshold);
  if (o.InsideValue < 1 || o.InsideValue > 255)
  {
    throw InputError("--inside-value must be in [1, 255]");
  }
  if (!(o.Scale >= 0.1 && o.Scale <= 10.0))
  {
    throw InputError("--scale must be in [0.1, 10]");
  }
  CheckThreadsArgument(o.Threads);
  const bool prompted = !o.Points.empty() || !o.Labels.empty();
  if (o.PromptsOnly && !prompted)
  {
    throw InputError("--prompts-only says the clicks (--points) or scribbles (--labels) alone define the phase: give some");
  }
  if (o.NetworkClicks && o.Points.empty())
  {
    throw InputError("--network-clicks gives the clicks (--points) to the network as well: give some");
  }
  if (!o.PreviousMask.empty() && !prompted)
  {
    throw InputError("--previous-mask is the mask the clicks (--points) or scribbles (--labels) move: give some");
  }
  if (!o.SaveAdaptation.empty() && !prompted)
  {
    throw InputError("--save-adaptation saves what clicks (--points) or scribbles (--labels) taught: give some");
  }
  if (!o.Adaptation.empty() && prompted)
  {
    throw InputError("--adaptation applies a saved adaptation without prompts: drop --points and --labels, or drop --adaptation");
  }
  std::shared_ptr<const Adaptation> adaptation;
  if (!o.Adaptation.empty())
  {
    adaptation = std::make_shared<const Adaptation>(Adaptation::Load(o.Adaptation));
  }
  DeviceOptions device;
  device.Device = o.Device;
  device.HalfPrecision = o.Half;
  device.Threads = o.Threads;
  std::shared_ptr<const SegmentationEngine> engine;
  try
  {
    engine = LoadSharedEngine(o.Model, device);
  }
  catch (const ModelError & e)
  {
    throw InputError(e.what());
  }
  ProgressBar                      bar(o.Progress, o.ReportProgress);
  std::error_code                  error;
  const bool                       folder = fs::is_directory(o.Input, error);
  std::unique_ptr<FieldQuantifier> quantifier;
  std::vector<std::pair<std::string, std::string>> outputs;
  if (!o.Stats.empty())
  {
    quantifier = std::make_unique<FieldQuantifier>(o.Measure, QuantificationOutputsBeside(o.Stats), folder);
    outputs = quantifier->OutputFiles();
  }
  if (!folder)
  {
    // Every output checked before the work: none fails after another was written.
    outputs.insert(outputs.end(), { { "OUTPUT", o.Output }, { "--probability", o.Probability }, { "--overlay", o.Overlay },
                                    { "--save-adaptation", o.SaveAdaptation } });
    CheckOutputPaths(outputs, { o.Input, o.Exclude, o.Labels, o.Adaptation, o.PreviousMask });
    SegmentOne(o, engine, adaptation, o.Input, o.Output, o.Probability, o.Overlay, bar, quantifier.get());
    if (quantifier)
    {
      quantifier->Finish();
    }
    return { o.Output };
  }
  // A folder: every image, each mask with a provenance file.
  const auto items = ListImages(o.Input);
  if (items.empty())
  {
    throw InputError("no images in " + o.Input);
  }
  if (prompted)
  {
    throw InputError("--points and --labels are pixels of one micrograph: segment it alone with --save-adaptation, "
                     "then apply the adaptation to the folder with --adaptation");
  }
  if (fs::exists(o.Output, error) && !fs::is_directory(o.Output, error))
  {
    throw InputError("the output " + o.Output + " must be a folder when the input is a folder");
  }
  fs::create_directories(o.Output, error);
  for (const auto & folder : { o.Probability, o.Overlay })
  {
    if (!folder.empty())
    {
      fs::create_directories(folder, error);
    }
  }
  // Every item's outputs checked before the first is segmented: none may be an input (the output folder may be the
  // input folder) or another's output.
  struct ItemOutputs
  {
    std::string Mask, Provenance, Probability, Overlay;
  };
  std::vector<ItemOutputs> itemOutputs;
  std::vector<std::string> inputs{ o.Exclude, o.Adaptation };
  for (const auto & item : items)
  {
    ItemOutputs paths;
    paths.Mask = (fs::path(o.Output) / (item.Name + ".png")).string();
    paths.Provenance = (fs::path(o.Output) / (item.Name + ".json")).string();
    paths.Probability = o.Probability.empty() ? "" : (fs::path(o.Probability) / (item.Name + ".mha")).string();
    paths.Overlay = o.Overlay.empty() ? "" : (fs::path(o.Overlay) / (item.Name + ".png")).string();
    outputs.insert(outputs.end(), { { "the mask of " + item.ImagePath, paths.Mask },
                                    { "the provenance of " + item.ImagePath, paths.Provenance },
                                    { "the probability of " + item.ImagePath, paths.Probability },
                                    { "the overlay of " + item.ImagePath, paths.Overlay } });
    itemOutputs.push_back(paths);
    inputs.push_back(item.ImagePath);
  }
  CheckOutputPaths(outputs, inputs);
  std::vector<std::string> written;
  for (std::size_t i = 0; i < items.size(); ++i)
  {
    const auto & item = items[i];
    const auto & [mask, provenance, probability, overlay] = itemOutputs[i];
    const auto record = SegmentOne(o, engine, adaptation, item.ImagePath, mask, probability, overlay, bar, quantifier.get());
    WriteTextFile(provenance, Provenance(o, *engine, record, item.ImagePath, mask));
    written.push_back(mask);
  }
  if (quantifier)
  {
    quantifier->Finish();
  }
  return written;
}

Subcommand
RegisterSegmentCommand(CLI::App & app)
{
  auto   o = std::make_shared<SegmentOptions>();
  auto * command = app.add_subcommand("segment", "Segment the intermediate phase of micrographs.");
  command->add_option("INPUT", o->Input, "A micrograph (any ITK format) or a folder of micrographs")->required();
  command->add_option("OUTPUT", o->Output, "The mask (8-bit; 0 rest, 255 phase) or a folder of masks")->required();
  command->add_option("--model", o->Model, "Model file (SCoP-SAM or TorchScript); default: the embedded model");
  command->add_option("--points", o->Points, "Clicks \"x,y,label;...\": pixel indices, label 1 phase, 0 not");
  command->add_option("--labels", o->Labels,
                      "Scribbles: a label image of the micrograph's size, 1 this phase, 2 not this phase, 3 excluded "
                      "(as --exclude), 0 unlabelled");
  command->add_flag("--prompts-only", o->PromptsOnly,
                    "The clicks and scribbles alone define the phase: the network's mask does not teach beside them "
                    "(a phase that is not the model's target; a micrograph unlike those it learnt from)");
  command->add_flag("--network-clicks", o->NetworkClicks,
                    "Clicks go to the network's own click path as well: its answer is the prompt head's prior, or "
                    "with --prompts-only and clicks only the output itself (for a network trained with error-click "
                    "rounds, as the embedded model since its fourth stage; see results.md)");
  command->add_option("--previous-mask", o->PreviousMask,
                      "The mask the clicks and scribbles move (the last result of an interactive session; non-zero = "
                      "phase): they add or remove in the directions they ask for, near themselves as the head says and "
                      "elsewhere only where it is sure - steadier clicks. Without it: the head's own mask");
  command->add_option("--save-adaptation", o->SaveAdaptation,
                      "Write what the clicks and scribbles taught (JSON, with model and provenance), for --adaptation");
  command->add_option("--adaptation", o->Adaptation,
                      "Apply a saved adaptation (made with the same model) to the micrograph or the folder, no prompts");
  command->add_option("--box", o->Box, "Region of interest x0,y0,x1,y1 (pixel indices, inclusive)");
  command->add_option("--exclude", o->Exclude, "Mask of regions to ignore (non-zero), e.g. a data bar");
  command->add_option("--overlay", o->Overlay, "Also write the micrograph with the phase outlined (PNG; a folder for a folder)");
  command->add_option("--probability", o->Probability, "Also write the probability image (a folder for a folder)");
  command->add_option("--threshold", o->Threshold,
                      "Probability at or above which a pixel is phase (default -1: the model's stored threshold)")
    ->capture_default_str();
  command->add_option("--scale", o->Scale,
                      "Resample the micrograph by F before the network and the result back: F = particle size in "
                      "pixels the model was trained on / that in this image (Documentation/ModelCard.md)")
    ->capture_default_str();
  command->add_option("--inside-value", o->InsideValue, "Mask value of the phase")->capture_default_str();
  command->add_option("--tile", o->TileSize, "Tile size in pixels (0: the model's)")->capture_default_str();
  command->add_option("--overlap", o->Overlap, "Tile overlap in pixels (-1: a quarter tile)")->capture_default_str();
  command->add_option("--batch", o->BatchSize, "Tiles per network call")->capture_default_str();
  command->add_option("--threads", o->Threads, "Threads (0: all cores)")->capture_default_str();
  command->add_option("--device", o->Device, "cpu, cuda, cuda:N or auto")->capture_default_str();
  command->add_flag("--half", o->Half, "Half precision (CUDA)");
  command->add_option("--stats", o->Stats,
                      "Also measure the phase: FILE.json, FILE_particles.csv, FILE_histogram.svg, "
                      "FILE_cumulative.svg, FILE_outlines.vtp, FILE_mask.vti (one report over a folder's fields)");
  AddMeasureOptions(command, o->Measure);
  return { command, [o] {
            o->Progress = isatty(STDERR_FILENO) != 0;
            RunSegment(*o);
          } };
}

} // namespace scopsam
