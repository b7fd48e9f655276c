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
#include "itkLinearInterpolateImageFunction.h"
#include "itkNearestNeighborExtrapolateImageFunction.h"
#include "itkResampleImageFilter.h"
#include "itkSCoPSAMSegmentationFilter.h"
#include "scopsamDataset.h"
#include "scopsamFieldQuantifier.h"
#include "scopsamImageIO.h"
#include "scopsamOpenCVBridge.h"
#include "scopsamPictures.h"
#include "scopsamSegmentationSupport.h"

#include <nlohmann/json.hpp>

#include <chrono>
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

/** "x,y,label;x,y,label" -> clicks. */
std::vector<Click>
ParsePoints(const std::string & text)
{
  std::vector<Click> clicks;
  std::stringstream  in(text);
  for (std::string point; std::getline(in, point, ';');)
  {
    if (point.find_first_not_of(' ') == std::string::npos)
    {
      continue;
    }
    const auto v = ParseNumbers(point, "--points");
    if (v.size() != 3 || (v[2] != 0.0 && v[2] != 1.0))
    {
      throw InputError("--points takes \"x,y,label;...\" with label 1 (this phase) or 0 (not this phase), got '" + point + "'");
    }
    clicks.push_back({ v[0], v[1], static_cast<int>(v[2]) });
  }
  return clicks;
}

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

/** `image` resampled onto a grid `scale` times finer (scale > 1) or coarser, covering the same physical extent:
 * pixel edges stay where they were, so a feature of n pixels spans n * scale pixels. Linear interpolation. */
GrayImage2D::Pointer
ResampleBy(const GrayImage2D * image, double scale)
{
  const auto               size = image->GetLargestPossibleRegion().GetSize();
  GrayImage2D::SizeType    scaledSize;
  GrayImage2D::SpacingType spacing;
  GrayImage2D::PointType   origin;
  for (unsigned int d = 0; d < 2; ++d)
  {
    scaledSize[d] = std::max<itk::SizeValueType>(1, static_cast<itk::SizeValueType>(std::lround(size[d] * scale)));
    spacing[d] = image->GetSpacing()[d] * static_cast<double>(size[d]) / static_cast<double>(scaledSize[d]);
  }
  // The first pixel's outer corner stays in place: origin - half a pixel of either grid (direction applied).
  itk::ContinuousIndex<double, 2> cornerIndex;
  cornerIndex.Fill(-0.5);
  GrayImage2D::PointType corner;
  image->TransformContinuousIndexToPhysicalPoint(cornerIndex, corner);
  for (unsigned int d = 0; d < 2; ++d)
  {
    origin[d] = corner[d];
    for (unsigned int e = 0; e < 2; ++e)
    {
      origin[d] += image->GetDirection()[d][e] * 0.5 * spacing[e];
    }
  }
  auto resample = itk::ResampleImageFilter<GrayImage2D, GrayImage2D>::New();
  resample->SetInput(image);
  resample->SetSize(scaledSize);
  resample->SetOutputSpacing(spacing);
  resample->SetOutputOrigin(origin);
  resample->SetOutputDirection(image->GetDirection());
  resample->SetInterpolator(itk::LinearInterpolateImageFunction<GrayImage2D>::New());
  resample->Update();
  return resample->GetOutput();
}

/** `image` resampled onto the grid of `reference`: linear inside, the nearest value beyond the outermost pixel
 * centres (a coarser grid's centres stop half a pixel short of a finer grid's edge pixels). */
GrayImage2D::Pointer
ResampleLike(const GrayImage2D * image, const GrayImage2D * reference)
{
  auto resample = itk::ResampleImageFilter<GrayImage2D, GrayImage2D>::New();
  resample->SetInput(image);
  resample->SetOutputParametersFromImage(reference);
  resample->SetInterpolator(itk::LinearInterpolateImageFunction<GrayImage2D>::New());
  resample->SetExtrapolator(itk::NearestNeighborExtrapolateImageFunction<GrayImage2D, double>::New());
  resample->Update();
  return resample->GetOutput();
}

/** Segments one image: returns nothing, writes the mask (and the probability), all atomically. */
void
SegmentOne(const SegmentOptions & o, const std::shared_ptr<const SegmentationEngine> & engine, const std::string & input,
           const std::string & output, const std::string & probabilityPath, const std::string & overlayPath, ProgressBar & bar,
           FieldQuantifier * quantifier)
{
  if (!overlayPath.empty())
  {
    RefuseToOverwriteInputs(overlayPath, { input, o.Exclude });
  }
  RefuseToOverwriteInputs(output, { input, o.Exclude });
  if (!probabilityPath.empty())
  {
    RefuseToOverwriteInputs(probabilityPath, { input, o.Exclude });
  }
  // A gray 2-D file feeds the filter through a reader, so that formats ITK streams (MetaImage, NRRD) are read band
  // by band; RGB files and single-slice volumes are read whole (gray conversion, geometry kept).
  SliceGeometry                               geometry;
  const ImageFileInfo                         info = InspectImageFile(input);
  GrayImage2D::Pointer                        whole;
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
  // --scale: the network sees the micrograph resampled by Scale (whole, in memory); its probability is brought back
  // to the micrograph's grid before the threshold.
  const bool           rescaled = o.Scale != 1.0;
  GrayImage2D::Pointer scaled;
  if (rescaled)
  {
    if (!whole)
    {
      whole = ReadGrayImage(input, &geometry);
      reader = nullptr;
    }
    scaled = ResampleBy(whole, o.Scale);
  }
  GrayImage2D * original = reader ? reader->GetOutput() : whole.GetPointer();
  GrayImage2D * image = rescaled ? scaled.GetPointer() : original;
  const auto    size = original->GetLargestPossibleRegion().GetSize();

  auto filter = Filter::New();
  filter->SetInput(image);
  filter->SetEngine(engine);
  try
  {
    filter->SetTileSize(static_cast<unsigned int>(std::max(0, o.TileSize)));
    filter->SetOverlap(o.Overlap);
    filter->SetBatchSize(static_cast<unsigned int>(std::max(0, o.BatchSize)));
    filter->SetThreshold(o.Threshold);
  }
  catch (const itk::ExceptionObject & e)
  {
    throw InputError(ExceptionMessage(e));
  }
  filter->SetInsideValue(static_cast<unsigned char>(o.InsideValue));
  if (o.Threads > 0)
  {
    filter->SetNumberOfWorkUnits(static_cast<itk::ThreadIdType>(o.Threads));
  }
  for (const auto & click : ParsePoints(o.Points))
  {
    if (click.X < 0 || click.Y < 0 || click.X >= size[0] || click.Y >= size[1])
    {
      throw InputError("the click (" + std::to_string(click.X) + ", " + std::to_string(click.Y) + ") lies outside " +
                       input + " (" + std::to_string(size[0]) + "x" + std::to_string(size[1]) + ")");
    }
    const GrayImage2D::IndexType index{ { static_cast<itk::IndexValueType>(click.X), static_cast<itk::IndexValueType>(click.Y) } };
    GrayImage2D::PointType       point;
    original->TransformIndexToPhysicalPoint(index, point);
    filter->AddPhysicalClick(point, click.Label); // the same place whatever the grid the network sees
  }
  if (!o.Box.empty())
  {
    const auto b = ParseNumbers(o.Box, "--box");
    if (b.size() != 4 || b[2] < b[0] || b[3] < b[1] || b[0] < 0 || b[1] < 0 || b[2] >= size[0] || b[3] >= size[1])
    {
      throw InputError("--box takes x0,y0,x1,y1 inside the image with x0 <= x1 and y0 <= y1, got '" + o.Box + "'");
    }
    GrayImage2D::RegionType roi;
    // Pixel edges scale with the grid: pixels x0..x1 cover x0 * Scale .. (x1 + 1) * Scale - 1 of the scaled one.
    const auto   scaledSize = image->GetLargestPossibleRegion().GetSize();
    const double f = o.Scale;
    const auto   first = [&](double v, unsigned int d) {
      return std::min<itk::IndexValueType>(static_cast<itk::IndexValueType>(scaledSize[d]) - 1, static_cast<itk::IndexValueType>(std::floor(v * f)));
    };
    const auto last = [&](double v, unsigned int d) {
      return std::min<itk::IndexValueType>(static_cast<itk::IndexValueType>(scaledSize[d]) - 1,
                                           std::max<itk::IndexValueType>(first(v, d), static_cast<itk::IndexValueType>(std::ceil((v + 1) * f)) - 1));
    };
    roi.SetIndex({ { first(b[0], 0), first(b[1], 1) } });
    roi.SetSize({ { static_cast<itk::SizeValueType>(last(b[2], 0) - first(b[0], 0) + 1),
                    static_cast<itk::SizeValueType>(last(b[3], 1) - first(b[1], 1) + 1) } });
    filter->SetRegionOfInterest(roi);
  }
  UInt8Image2D::Pointer exclude;
  if (!o.Exclude.empty())
  {
    exclude = ReadMask(o.Exclude);
    if (exclude->GetLargestPossibleRegion().GetSize() != size)
    {
      throw InputError("the exclusion mask " + o.Exclude + " differs in size from " + input);
    }
  }

  // Stream the filter over bands of whole tile rows (memory bounded by a band's tiles), collecting the mask and
  // the probability. Tiles are placed on the whole image, so the bands change no pixel. With --scale the mask is
  // made afterwards, from the probability brought back to the micrograph's grid.
  auto mask = UInt8Image2D::New();
  mask->CopyInformation(original);
  mask->SetRegions(original->GetLargestPossibleRegion());
  mask->Allocate();
  GrayImage2D::Pointer probability;
  if (!probabilityPath.empty() || rescaled)
  {
    probability = GrayImage2D::New();
    probability->CopyInformation(image);
    probability->SetRegions(image->GetLargestPossibleRegion());
    probability->Allocate();
  }
  const auto        gridSize = image->GetLargestPossibleRegion().GetSize(); // the grid the network sees
  const auto        tiling = engine->MakeTileGrid(static_cast<std::int64_t>(gridSize[0]), static_cast<std::int64_t>(gridSize[1]),
                                                  { o.TileSize, o.Overlap, std::max(1, o.BatchSize), BlendingWindow::Cosine });
  const std::size_t stride = static_cast<std::size_t>(tiling.TileSize - tiling.Overlap);
  const std::size_t rowsPerBand = stride * std::max<std::size_t>(1, (std::size_t{ 1 } << 23) / (gridSize[0] * stride));
  const std::size_t bands = (gridSize[1] + rowsPerBand - 1) / rowsPerBand;
  std::size_t       band = 0;
  auto              report = [&] { bar.Show(fs::path(input).filename().string(), (band + filter->GetProgress()) / bands); };
  auto              command = itk::CStyleCommand::New();
  command->SetCallback([](itk::Object *, const itk::EventObject &, void * data) { (*static_cast<decltype(report) *>(data))(); });
  command->SetClientData(&report);
  filter->AddObserver(itk::ProgressEvent(), command);
  for (; band < bands; ++band)
  {
    GrayImage2D::RegionType piece = image->GetLargestPossibleRegion();
    piece.SetIndex(1, static_cast<itk::IndexValueType>(band * rowsPerBand));
    piece.SetSize(1, std::min(rowsPerBand, gridSize[1] - band * rowsPerBand));
    filter->GetOutput()->SetRequestedRegion(piece);
    try
    {
      filter->GetOutput()->Update();
    }
    catch (const itk::ProcessAborted &)
    {
      throw;
    }
    catch (const itk::ExceptionObject & e)
    {
      // The model and the options were checked before: what fails here is reading the pixels.
      throw InputError("cannot segment " + input + ": " + ExceptionMessage(e));
    }
    if (!rescaled)
    {
      itk::ImageRegionConstIterator<Filter::MaskImageType> in(filter->GetMaskOutput(), piece);
      itk::ImageRegionIterator<UInt8Image2D>               out(mask, piece);
      for (; !in.IsAtEnd(); ++in, ++out)
      {
        out.Set(in.Get());
      }
    }
    if (probability)
    {
      itk::ImageRegionConstIterator<GrayImage2D> p(filter->GetOutput(), piece);
      itk::ImageRegionIterator<GrayImage2D>      q(probability, piece);
      for (; !p.IsAtEnd(); ++p, ++q)
      {
        q.Set(p.Get());
      }
    }
  }
  bar.Done();
  if (rescaled)
  {
    probability = ResampleLike(probability, original);
    const std::size_t count = mask->GetLargestPossibleRegion().GetNumberOfPixels();
    for (std::size_t i = 0; i < count; ++i)
    {
      mask->GetBufferPointer()[i] = probability->GetBufferPointer()[i] >= o.Threshold ? static_cast<unsigned char>(o.InsideValue) : 0;
    }
  }
  if (exclude)
  {
    const std::size_t count = mask->GetLargestPossibleRegion().GetNumberOfPixels();
    for (std::size_t i = 0; i < count; ++i)
    {
      if (exclude->GetBufferPointer()[i] != 0)
      {
        mask->GetBufferPointer()[i] = 0;
        if (probability)
        {
          probability->GetBufferPointer()[i] = 0.0f;
        }
      }
    }
  }
  WriteImageLike(mask.GetPointer(), geometry, output);
  if (probability && !probabilityPath.empty())
  {
    WriteImageLike(probability.GetPointer(), geometry, probabilityPath);
  }
  if (!overlayPath.empty() || quantifier)
  {
    const auto picture = whole ? whole : ReadGrayImage(input);
    if (!overlayPath.empty())
    {
      WriteRGBPicture(PhaseOverlay(NormalizedMat(picture.GetPointer()), MatFromImage(mask.GetPointer())), overlayPath);
    }
    if (quantifier)
    {
      // The mask's own geometry is the micrograph's (a calibrated MetaImage or NRRD input keeps its spacing).
      quantifier->Add(fs::path(input).stem().string(), mask, input, picture, exclude);
    }
  }
}

std::string
Provenance(const SegmentOptions & o, const SegmentationEngine & engine, const std::string & input, const std::string & output)
{
  nlohmann::json j;
  j["program"] = std::string("scopsam segment ") + Version;
  j["input"] = input;
  j["output"] = output;
  j["model"] = engine.GetIdentity();
  j["model_configuration"] = nlohmann::json::parse(engine.GetConfig().ToJSON());
  const auto tiling = engine.MakeTileGrid(1, 1, { o.TileSize, o.Overlap, std::max(1, o.BatchSize), BlendingWindow::Cosine });
  j["tile_size"] = tiling.TileSize;
  j["overlap"] = tiling.Overlap;
  j["threshold"] = o.Threshold;
  j["scale"] = o.Scale;
  j["points"] = o.Points;
  j["box"] = o.Box;
  j["exclude"] = o.Exclude;
  j["device"] = engine.GetDevice();
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
  if (!(o.Threshold >= 0.0 && o.Threshold <= 1.0))
  {
    throw InputError("--threshold must be in [0, 1]");
  }
  if (o.InsideValue < 1 || o.InsideValue > 255)
  {
    throw InputError("--inside-value must be in [1, 255]");
  }
  if (!(o.Scale >= 0.1 && o.Scale <= 10.0))
  {
    throw InputError("--scale must be in [0.1, 10]");
  }
  if (o.Threads < 0 || o.Threads > 1024)
  {
    throw InputError("--threads must be in [0, 1024]");
  }
  DeviceOptions device;
  device.Device = o.Device;
  device.HalfPrecision = o.Half;
  device.Threads = o.Threads;
  std::shared_ptr<const SegmentationEngine> engine;
  try
  {
    engine = LoadSharedEngine(o.Model, device);
    engine->MakeTileGrid(1, 1, { o.TileSize, o.Overlap, o.BatchSize, BlendingWindow::Cosine }); // checks the options
  }
  catch (const ModelError & e)
  {
    throw InputError(e.what());
  }
  ProgressBar                      bar(o.Progress, o.ReportProgress);
  std::error_code                  error;
  const bool                       folder = fs::is_directory(o.Input, error);
  std::unique_ptr<FieldQuantifier> quantifier;
  if (!o.Stats.empty())
  {
    quantifier = std::make_unique<FieldQuantifier>(o.Measure, QuantificationOutputsBeside(o.Stats), folder);
    quantifier->RefuseToOverwrite({ o.Input, o.Exclude });
  }
  if (!folder)
  {
    SegmentOne(o, engine, o.Input, o.Output, o.Probability, o.Overlay, bar, quantifier.get());
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
  std::vector<std::string> written;
  for (const auto & item : items)
  {
    const std::string mask = (fs::path(o.Output) / (item.Name + ".png")).string();
    const std::string probability = o.Probability.empty() ? "" : (fs::path(o.Probability) / (item.Name + ".mha")).string();
    const std::string overlay = o.Overlay.empty() ? "" : (fs::path(o.Overlay) / (item.Name + ".png")).string();
    SegmentOne(o, engine, item.ImagePath, mask, probability, overlay, bar, quantifier.get());
    WriteTextFile((fs::path(o.Output) / (item.Name + ".json")).string(), Provenance(o, *engine, item.ImagePath, mask));
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
  command->add_option("--box", o->Box, "Region of interest x0,y0,x1,y1 (pixel indices, inclusive)");
  command->add_option("--exclude", o->Exclude, "Mask of regions to ignore (non-zero), e.g. a data bar");
  command->add_option("--overlay", o->Overlay, "Also write the micrograph with the phase outlined (PNG; a folder for a folder)");
  command->add_option("--probability", o->Probability, "Also write the probability image (a folder for a folder)");
  command->add_option("--threshold", o->Threshold, "Probability at or above which a pixel is phase")->capture_default_str();
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
