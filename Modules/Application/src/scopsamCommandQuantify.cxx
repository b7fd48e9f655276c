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
#include "scopsamFieldQuantifier.h"
#include "scopsamCommandRegistration.h"

#include "itkPhaseQuantificationImageFilter.h"
#include "scopsamBaselines.h"
#include "scopsamCalibration.h"
#include "scopsamDataset.h"
#include "scopsamOpenCVBridge.h"
#include "scopsamPictures.h"
#include "scopsamQuantificationOutputs.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

namespace fs = std::filesystem;

namespace scopsam
{
namespace
{

/** File formats whose spacing is written on purpose (by ITK, 3D Slicer and friends), in millimetres by their
 * convention. PNG, TIFF and JPEG carry at most a print resolution, which says nothing about the specimen. */
bool
HasTrustworthySpacing(const std::string & path)
{
  std::string lower = path;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char * extension : { ".mha", ".mhd", ".nrrd", ".nhdr", ".nii", ".nii.gz" })
  {
    const std::string e = extension;
    if (lower.size() >= e.size() && lower.compare(lower.size() - e.size(), e.size(), e) == 0)
    {
      return true;
    }
  }
  return false;
}

/** Sets the spacing of `mask` to micrometres (or pixels) and says where it came from: `--pixel-size`, else the
 * pixel size an SEM wrote into the mask's or the micrograph's TIFF, else the spacing of a format that records it
 * on purpose (not exactly 1 mm: what an uncalibrated picture gets in 3D Slicer), else none (pixels). */
std::string
Calibrate(UInt8Image2D * mask, const std::string & maskFile, const std::string & imageFile, double pixelSize,
          std::string & unit)
{
  const auto spacing = mask->GetSpacing();
  UInt8Image2D::SpacingType micrometres;
  UInt8Image2D::PointType   origin;
  origin.Fill(0.0);
  std::string source;
  std::optional<FileCalibration> fromTIFF; // read only when --pixel-size does not decide
  for (const auto & file : { maskFile, imageFile })
  {
    if (!(pixelSize > 0) && !fromTIFF && !file.empty())
    {
      fromTIFF = ReadTIFFCalibration(file);
    }
  }
  if (pixelSize > 0)
  {
    micrometres.Fill(pixelSize);
    unit = "um";
    source = "--pixel-size " + std::to_string(pixelSize) + " um";
  }
  else if (fromTIFF)
  {
    micrometres.Fill(fromTIFF->MicrometresPerPixel);
    unit = "um";
    source = fromTIFF->Source;
  }
  else if (HasTrustworthySpacing(maskFile) && (spacing[0] != 1.0 || spacing[1] != 1.0))
  {
    for (unsigned int d = 0; d < 2; ++d)
    {
      micrometres[d] = spacing[d] * 1000.0;
      origin[d] = mask->GetOrigin()[d] * 1000.0;
    }
    unit = "um";
    source = "spacing of " + fs::path(maskFile).filename().string() + ", read as millimetres (ITK and 3D Slicer convention)";
  }
  else
  {
    micrometres.Fill(1.0);
    unit = "px";
    source = "none: figures in pixels (give --pixel-size in micrometres per pixel)";
  }
  mask->SetSpacing(micrometres);
  mask->SetOrigin(origin);
  return source;
}

} // namespace

QuantificationOutputs
QuantificationOutputsBeside(const std::string & json)
{
  fs::path    path(json);
  std::string stem = (path.parent_path() / path.stem()).string();
  if (path.extension() != ".json")
  {
    throw InputError("--stats names a .json file, got '" + json + "'");
  }
  QuantificationOutputs outputs;
  outputs.JSON = json;
  outputs.Table = stem + "_table.md";
  outputs.CSV = stem + "_particles.csv";
  outputs.Histogram = stem + "_histogram.svg";
  outputs.Cumulative = stem + "_cumulative.svg";
  outputs.Outlines = stem + "_outlines.vtp";
  outputs.MaskVTI = stem + "_mask.vti";
  return outputs;
}

FieldQuantifier::FieldQuantifier(const MeasureOptions & measure, const QuantificationOutputs & outputs, bool manyFields)
  : m_Measure(measure)
  , m_Outputs(outputs)
  , m_ManyFields(manyFields)
{
  if (!(measure.PixelSize > 0.0 && measure.PixelSize <= MaximumPixelSize) && measure.PixelSize != 0.0)
  {
    std::ostringstream message;
    message << "--pixel-size must be in (0, " << MaximumPixelSize
            << "] micrometres per pixel (0 or none: the file's calibration, else pixels), got " << measure.PixelSize;
    throw InputError(message.str());
  }
  if (measure.MinimumParticlePixels > 1000000)
  {
    throw InputError("--min-size must be at most 1000000 pixels");
  }
  std::error_code error;
  if (manyFields)
  {
    for (const auto & folder : { outputs.Overlay, outputs.Outlines, outputs.MaskVTI })
    {
      if (!folder.empty())
      {
        fs::create_directories(folder, error);
      }
    }
  }
}

std::vector<std::pair<std::string, std::string>>
FieldQuantifier::OutputFiles() const
{
  std::vector<std::pair<std::string, std::string>> files;
  const auto add = [&](const std::string & what, const std::string & path, bool perField) {
    if (!path.empty() && path != "-" && !(perField && m_ManyFields))
    {
      files.emplace_back(what, path);
    }
  };
  add("the JSON report", m_Outputs.JSON, false);
  add("the table", m_Outputs.Table, false);
  add("the particle table", m_Outputs.CSV, false);
  add("the histogram", m_Outputs.Histogram, false);
  add("the cumulative plot", m_Outputs.Cumulative, false);
  add("the overlay", m_Outputs.Overlay, true);
  add("the outlines", m_Outputs.Outlines, true);
  add("the VTK mask", m_Outputs.MaskVTI, true);
  return files;
}

std::string
FieldQuantifier::PerFieldPath(const std::string & option, const std::string & name, const std::string & extension) const
{
  if (option.empty() || !m_ManyFields)
  {
    return option;
  }
  return (fs::path(option) / (name + extension)).string();
}

void
FieldQuantifier::Add(const std::string & name, UInt8Image2D * mask, const std::string & maskFile,
                     const std::string & imageFile, const GrayImage2D * image, const UInt8Image2D * exclude)
{
  const auto size = mask->GetLargestPossibleRegion().GetSize();
  for (const itk::ImageBase<2> * other : { static_cast<const itk::ImageBase<2> *>(image), static_cast<const itk::ImageBase<2> *>(exclude) })
  {
    if (other && other->GetLargestPossibleRegion().GetSize() != size)
    {
      throw InputError("the micrograph or exclusion mask of " + name + " differs in size from its mask");
    }
  }
  std::string unit;
  const auto  source = Calibrate(mask, maskFile, imageFile, m_Measure.PixelSize, unit);
  if (m_Fields.empty())
  {
    m_PixelSizeSource = source;
  }
  else if (unit != m_Fields.front().Unit)
  {
    throw InputError("the fields are calibrated differently (" + m_PixelSizeSource + " / " + source +
                     "): give --pixel-size");
  }
  // The other inputs take the mask's geometry: they were checked to cover the same pixels.
  GrayImage2D::Pointer  feature;
  UInt8Image2D::Pointer exclusion;
  if (image)
  {
    feature = GrayImage2D::New();
    feature->Graft(image);
    feature->CopyInformation(mask);
  }
  if (exclude)
  {
    exclusion = UInt8Image2D::New();
    exclusion->Graft(exclude);
    exclusion->CopyInformation(mask);
  }

  using Filter = itk::PhaseQuantificationImageFilter<UInt8Image2D, GrayImage2D>;
  auto filter = Filter::New();
  filter->SetInput(mask);
  if (feature)
  {
    filter->SetFeatureImage(feature);
  }
  if (exclusion)
  {
    filter->SetExclusionMask(exclusion);
  }
  filter->SetMinimumParticlePixels(m_Measure.MinimumParticlePixels);
  filter->SetExcludeBorderParticles(m_Measure.ExcludeBorderParticles);
  filter->SetSeparateTouchingParticles(m_Measure.SeparateTouchingParticles);
  filter->SetLengthUnit(unit);
  filter->SetFieldName(name);
  filter->Update();
  m_Fields.push_back(filter->GetFieldMeasurements());

  if (const auto path = PerFieldPath(m_Outputs.Outlines, name, ".vtp"); !path.empty())
  {
    WriteParticleOutlinesVTP(filter->GetOutput(), m_Fields.back(), path);
  }
  if (const auto path = PerFieldPath(m_Outputs.MaskVTI, name, ".vti"); !path.empty())
  {
    WriteImageVTI(mask, "mask", path);
  }
  if (const auto path = PerFieldPath(m_Outputs.Overlay, name, ".png"); !path.empty())
  {
    if (!image)
    {
      throw InputError("an overlay needs the micrograph (IMAGE)");
    }
    WriteRGBPicture(PhaseOverlay(NormalizedMat(image), MatFromImage(mask)), path);
  }
}

void
FieldQuantifier::AddChecks(const MaskSignals & signals)
{
  auto & field = m_Fields.back();
  field.Checks = { { "predicted_iou", signals.PredictedIoU },
                   { "area_fraction", signals.AreaFraction },
                   { "threshold_agreement", signals.ThresholdAgreement },
                   { "largest_particle_span", signals.LargestSpan },
                   { "largest_particle_share", signals.LargestShare } };
  field.Warnings = MaskWarnings(signals);
  for (const auto & warning : field.Warnings)
  {
    std::cerr << "scopsam: warning: " << field.Name << ": " << warning << std::endl;
  }
}

std::vector<FieldMeasurements>
FieldQuantifier::Finish()
{
  QuantificationSettings settings;
  settings.MinimumParticlePixels = m_Measure.MinimumParticlePixels;
  settings.ExcludeBorderParticles = m_Measure.ExcludeBorderParticles;
  settings.SeparateTouchingParticles = m_Measure.SeparateTouchingParticles;
  settings.PixelSizeSource = m_PixelSizeSource;
  if (m_Outputs.JSON == "-")
  {
    std::cout << MeasurementsToJSON(m_Fields, settings);
  }
  else if (!m_Outputs.JSON.empty())
  {
    WriteTextFile(m_Outputs.JSON, MeasurementsToJSON(m_Fields, settings));
  }
  if (m_Outputs.Table == "-" && m_Outputs.JSON != "-") // JSON on standard output replaces the table there
  {
    std::cout << MeasurementsToTable(m_Fields, settings, TableFormat::Text);
  }
  else if (!m_Outputs.Table.empty())
  {
    const auto extension = fs::path(m_Outputs.Table).extension();
    WriteTextFile(m_Outputs.Table, MeasurementsToTable(m_Fields, settings,
                                                       extension == ".csv" ? TableFormat::CSV
                                                       : extension == ".md" ? TableFormat::Markdown
                                                                            : TableFormat::Text));
  }
  if (!m_Outputs.CSV.empty())
  {
    WriteTextFile(m_Outputs.CSV, ParticlesToCSV(m_Fields));
  }
  if (!m_Outputs.Histogram.empty())
  {
    WriteTextFile(m_Outputs.Histogram, SizeDistributionSVG(m_Fields, SizePlot::Histogram));
  }
  if (!m_Outputs.Cumulative.empty())
  {
    WriteTextFile(m_Outputs.Cumulative, SizeDistributionSVG(m_Fields, SizePlot::Cumulative));
  }
  return m_Fields;
}

std::vector<FieldMeasurements>
RunQuantify(const QuantifyOptions & o)
{
  std::error_code error;
  const bool      manyFields = fs::is_directory(o.Mask, error);
  // (name, mask file, image file) of every field.
  std::vector<DatasetItem> fields;
  if (!manyFields)
  {
    fields.push_back({ fs::path(o.Mask).stem().string(), o.Image, o.Mask });
  }
  else if (o.Image.empty())
  {
    for (const auto & item : ListImages(o.Mask))
    {
      fields.push_back({ item.Name, "", item.ImagePath });
    }
  }
  else
  {
    if (!fs::is_directory(o.Image, error))
    {
      throw InputError("with a folder of masks, IMAGE must be a folder of micrographs named like them");
    }
    for (const auto & item : ListImages(o.Image))
    {
      const auto mask = FindMask(o.Mask, item.Name);
      if (mask.empty())
      {
        throw InputError("no mask for " + item.ImagePath + " in " + o.Mask);
      }
      fields.push_back({ item.Name, item.ImagePath, mask });
    }
  }
  if (fields.empty())
  {
    throw InputError("no masks in " + o.Mask);
  }
  FieldQuantifier quantifier(o.Measure, o.Outputs, manyFields);
  std::vector<std::string> inputs{ o.Exclude };
  for (const auto & field : fields)
  {
    inputs.push_back(field.ImagePath);
    inputs.push_back(field.MaskPath);
  }
  CheckOutputPaths(quantifier.OutputFiles(), inputs); // before the first field is read
  const UInt8Image2D::Pointer exclude = o.Exclude.empty() ? nullptr : ReadMask(o.Exclude);
  for (const auto & field : fields)
  {
    auto                       mask = ReadBinaryMask(field.MaskPath, o.MaskThreshold); // 0/1, with the file's spacing
    const GrayImage2D::Pointer image = field.ImagePath.empty() ? nullptr : ReadGrayImage(field.ImagePath);
    quantifier.Add(field.Name, mask, field.MaskPath, field.ImagePath, image, exclude);
  }
  return quantifier.Finish();
}

void
AddMeasureOptions(CLI::App * command, MeasureOptions & measure)
{
  command->add_option("--pixel-size", measure.PixelSize,
                      "Micrometres per pixel (default: what the file records - an SEM TIFF's FEI, Zeiss or TESCAN tag, "
                      "its resolution tags, or a MetaImage/NRRD/NIfTI spacing read as mm; else pixels)");
  command->add_option("--min-size", measure.MinimumParticlePixels, "Smallest particle in pixels; smaller specks are noise and removed")
    ->capture_default_str();
  command->add_flag("--exclude-border", measure.ExcludeBorderParticles,
                    "Leave particles touching the image edge or an excluded region out of counts and sizes");
  command->add_flag("--separate", measure.SeparateTouchingParticles,
                    "Split touching particles along the watershed of the distance map (the area fraction is unchanged)");
}

Subcommand
RegisterQuantifyCommand(CLI::App & app)
{
  auto o = std::make_shared<QuantifyOptions>();
  o->Outputs.Table = "-";
  auto * command = app.add_subcommand("quantify", "Measure the phase of a mask: area fraction, particles, sizes, spacing.");
  command->add_option("MASK", o->Mask, "A mask (non-zero = phase) or a folder of masks (fields of one sample)")->required();
  command->add_option("IMAGE", o->Image, "The micrograph (or a folder of them): mean intensities, the overlay");
  command->add_option("--exclude", o->Exclude, "Mask of regions that are not part of the field (non-zero)");
  command->add_option("--mask-threshold", o->MaskThreshold,
                      "Binarise a mask that is not binary (a probability map): phase where the value is at least this; "
                      "without it such a mask is refused")
    ->check(CLI::Range(0.0, 1e300));
  AddMeasureOptions(command, o->Measure);
  command->add_option("--json", o->Outputs.JSON, "The full report as JSON (- : standard output, in place of the table)");
  command->add_option("--table", o->Outputs.Table,
                      "The per-field table with the statistics over fields: - the terminal (default), FILE.md "
                      "Markdown, FILE.csv CSV, else text")
    ->capture_default_str();
  command->add_option("--csv", o->Outputs.CSV, "One row per particle");
  command->add_option("--histogram", o->Outputs.Histogram, "Size histogram (SVG)");
  command->add_option("--cumulative", o->Outputs.Cumulative, "Cumulative size distribution (SVG)");
  command->add_option("--overlay", o->Outputs.Overlay, "The micrograph with the phase outlined (PNG; a folder for a folder)");
  command->add_option("--vtp", o->Outputs.Outlines, "Particle outlines with their measurements (VTK .vtp; a folder for a folder)");
  command->add_option("--vti", o->Outputs.MaskVTI, "The mask as VTK image data (.vti; a folder for a folder)");
  return { command, [o] { RunQuantify(*o); } };
}

} // namespace scopsam
