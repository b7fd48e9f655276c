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
#include "scopsamCommandPriors.h"
#include "scopsamCommandRegistration.h"
#include "scopsamFrontEnd.h"

#include "itkGradientPriorFilter.h"
#include "itkGrayscalePriorFilter.h"
#include "itkImageFileReader.h"
#include "itkImageFileWriter.h"
#include "itkMultiThreaderBase.h"
#include "itkVector.h"
#include "scopsamImageIO.h"

#include <opencv2/core.hpp>

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

namespace scopsam
{
namespace
{

using PriorPixel = itk::Vector<float, 2>;

/** The channels' names in preview file names: PREFIX_<name>.png. */
const char * const gradientNames[2] = { "gradient_magnitude", "gradient_coherence" };
const char * const grayscaleNames[2] = { "grayscale_local", "grayscale_global" };

/** Sets a filter parameter, turning ITK's range check into an InputError. */
template <typename TFunction>
void
Configure(TFunction && set)
{
  try
  {
    set();
  }
  catch (const itk::ExceptionObject & e)
  {
    throw InputError(ExceptionMessage(e));
  }
}

template <typename TInputImage>
struct PriorFilters
{
  static constexpr unsigned int D = TInputImage::ImageDimension;
  using OutputImage = itk::Image<PriorPixel, D>;
  typename itk::GradientPriorFilter<TInputImage, OutputImage>::Pointer  Gradient;
  typename itk::GrayscalePriorFilter<TInputImage, OutputImage>::Pointer Grayscale;

  PriorFilters(const TInputImage * input, const PriorsOptions & o)
  {
    Gradient = itk::GradientPriorFilter<TInputImage, OutputImage>::New();
    Grayscale = itk::GrayscalePriorFilter<TInputImage, OutputImage>::New();
    Gradient->SetInput(input);
    Grayscale->SetInput(input);
    Configure([&] {
      Gradient->SetScales(o.Scales);
      Gradient->SetIntegrationScale(o.IntegrationScale);
      Gradient->SetMagnitudeScale(o.MagnitudeScale);
      Grayscale->SetWindowRadius(o.WindowRadius);
      Grayscale->SetEpsilon(o.Epsilon);
      Grayscale->SetContrastScale(o.ContrastScale);
      Grayscale->SetGlobalScale(o.GlobalScale);
      Grayscale->SetPolarity(o.Polarity);
    });
    if (o.Threads > 0)
    {
      Gradient->SetNumberOfWorkUnits(o.Threads);
      Grayscale->SetNumberOfWorkUnits(o.Threads);
    }
  }
};

/** Where each prior goes (empty: not written). */
std::string
GradientPath(const PriorsOptions & o)
{
  return !o.GradientOutput.empty() ? o.GradientOutput : (o.Prefix.empty() ? "" : o.Prefix + "_gradient." + o.Format);
}
std::string
GrayscalePath(const PriorsOptions & o)
{
  return !o.GrayscaleOutput.empty() ? o.GrayscaleOutput : (o.Prefix.empty() ? "" : o.Prefix + "_grayscale." + o.Format);
}

/** Reports `process`'s progress through the options' callback as the part [offset, offset + share] of the whole. */
void
ObserveProgress(itk::ProcessObject * process, const PriorsOptions & o, double offset, double share)
{
  if (o.ReportProgress)
  {
    process->AddObserver(itk::ProgressEvent(), [&o, process, offset, share](const itk::EventObject &) {
      o.ReportProgress(offset + share * process->GetProgress());
    });
  }
}

/** Both outputs of both priors as 8-bit previews (0 -> 0, 1 -> 255). */
template <unsigned int D>
void
WritePreviews(const itk::Image<PriorPixel, D> * prior, const std::string & prefix, const char * const names[2],
              std::vector<std::string> & written)
{
  using Preview = itk::Image<unsigned char, D>;
  for (unsigned int c = 0; c < 2; ++c)
  {
    auto preview = Preview::New();
    preview->CopyInformation(prior);
    preview->SetRegions(prior->GetLargestPossibleRegion());
    preview->Allocate();
    const std::size_t count = prior->GetLargestPossibleRegion().GetNumberOfPixels();
    for (std::size_t i = 0; i < count; ++i)
    {
      preview->GetBufferPointer()[i] = static_cast<unsigned char>(std::lround(255.0f * prior->GetBufferPointer()[i][c]));
    }
    const std::string path = prefix + "_" + names[c] + (D == 2 ? ".png" : ".mha");
    scopsam::WriteImage(preview.GetPointer(), path);
    written.push_back(path);
  }
}

/** Streams the file through both priors into two files: the memory held is one stream piece plus its padding. */
template <typename TPixel, unsigned int D>
std::vector<std::string>
StreamPriors(const PriorsOptions & o)
{
  using InputImage = itk::Image<TPixel, D>;
  auto reader = itk::ImageFileReader<InputImage>::New();
  reader->SetFileName(o.Input);
  PriorFilters<InputImage> filters(reader->GetOutput(), o);
  const std::string        gradientPath = GradientPath(o);
  const std::string        grayscalePath = GrayscalePath(o);
  std::vector<std::string> written;
  const double             share = (gradientPath.empty() || grayscalePath.empty()) ? 1.0 : 0.5;
  auto                     stream = [&](auto * filter, const std::string & path) {
    WriteAtomically(path, [&](const std::string & temporary) {
      using OutputImage = typename PriorFilters<InputImage>::OutputImage;
      auto writer = itk::ImageFileWriter<OutputImage>::New();
      writer->SetInput(filter->GetOutput());
      writer->SetFileName(temporary);
      writer->SetNumberOfStreamDivisions(o.StreamDivisions);
      ObserveProgress(writer, o, share * static_cast<double>(written.size()), share);
      if (o.StreamDivisions == 0)
      {
        // Pieces of about 2^19 pixels: the memory held stays a few tens of MiB whatever the image's size.
        reader->UpdateOutputInformation();
        const auto pixels = reader->GetOutput()->GetLargestPossibleRegion().GetNumberOfPixels();
        writer->SetNumberOfStreamDivisions(static_cast<unsigned int>(std::max<itk::SizeValueType>(1, (pixels + (1u << 19) - 1) >> 19)));
      }
      try
      {
        ImageIODetail::RunWriterQuietly([&writer] { writer->Update(); });
      }
      catch (const ImageIODetail::WriteFailure &)
      {
        throw; // the writing's fault: WriteAtomically() names the output
      }
      catch (const itk::ExceptionObject & e)
      {
        // Reading failures surface here, in the middle of the pipeline: they are the input's fault.
        throw InputError("cannot compute the priors of " + o.Input + ": " + ExceptionMessage(e));
      }
    });
    written.push_back(path);
  };
  if (!gradientPath.empty())
  {
    stream(filters.Gradient.GetPointer(), gradientPath);
  }
  if (!grayscalePath.empty())
  {
    stream(filters.Grayscale.GetPointer(), grayscalePath);
  }
  if (o.Previews)
  {
    filters.Gradient->UpdateLargestPossibleRegion();
    filters.Grayscale->UpdateLargestPossibleRegion();
    WritePreviews<D>(filters.Gradient->GetOutput(), o.Prefix, gradientNames, written);
    WritePreviews<D>(filters.Grayscale->GetOutput(), o.Prefix, grayscaleNames, written);
  }
  return written;
}

/** RGB files and single-slice volumes: read whole as gray, written back with the input's geometry. */
std::vector<std::string>
PlanarPriors(const PriorsOptions & o)
{
  SliceGeometry            geometry;
  const auto               image = ReadGrayImage(o.Input, &geometry);
  PriorFilters<GrayImage2D> filters(image.GetPointer(), o);
  std::vector<std::string> written;
  const double             share = (GradientPath(o).empty() || GrayscalePath(o).empty()) ? 1.0 : 0.5;
  if (const auto path = GradientPath(o); !path.empty())
  {
    ObserveProgress(filters.Gradient, o, 0.0, share);
    filters.Gradient->Update();
    WriteImageLike(filters.Gradient->GetOutput(), geometry, path);
    written.push_back(path);
  }
  if (const auto path = GrayscalePath(o); !path.empty())
  {
    ObserveProgress(filters.Grayscale, o, 1.0 - share, share);
    filters.Grayscale->Update();
    WriteImageLike(filters.Grayscale->GetOutput(), geometry, path);
    written.push_back(path);
  }
  if (o.Previews)
  {
    filters.Gradient->Update();
    filters.Grayscale->Update();
    WritePreviews<2>(filters.Gradient->GetOutput(), o.Prefix, gradientNames, written);
    WritePreviews<2>(filters.Grayscale->GetOutput(), o.Prefix, grayscaleNames, written);
  }
  return written;
}

} // namespace

std::vector<std::string>
RunPriors(const PriorsOptions & o)
{
  if (o.Format != "mha" && o.Format != "nrrd" && o.Format != "nii")
  {
    throw InputError("the priors' format must be mha, nrrd or nii (float images), got " + o.Format);
  }
  if (o.StreamDivisions > 1000000)
  {
    throw InputError("--stream-divisions must be in [0, 1000000] (0: automatic)");
  }
  if (GradientPath(o).empty() && GrayscalePath(o).empty())
  {
    throw InputError("no output: the output prefix is empty");
  }
  if (o.Previews && o.Prefix.empty())
  {
    throw InputError("previews are named after the output prefix, which is empty");
  }
  for (const auto & path : { GradientPath(o), GrayscalePath(o) })
  {
    if (!path.empty())
    {
      RefuseToOverwriteInputs(path, { o.Input });
    }
  }
  CheckThreadsArgument(o.Threads);
  if (o.Threads > 0)
  {
    itk::MultiThreaderBase::SetGlobalDefaultNumberOfThreads(o.Threads);
  }
  const ImageFileInfo info = InspectImageFile(o.Input);
  const bool          scalar = info.NumberOfComponents == 1;
  const bool          volume = info.Dimension == 3 && !info.IsPlanar();
  if (info.Dimension < 2 || info.Dimension > 3)
  {
    throw InputError(o.Input + " is a " + std::to_string(info.Dimension) + "-D image; the priors take 2-D or 3-D images");
  }
  if (volume && !scalar)
  {
    throw InputError(o.Input + " is a 3-D volume with " + std::to_string(info.NumberOfComponents) +
                     " components; a gray volume is expected");
  }
  if (!scalar || (info.Dimension == 3 && !volume))
  {
    return PlanarPriors(o);
  }
  using C = itk::IOComponentEnum;
  if (volume)
  {
    switch (info.ComponentType)
    {
      case C::UCHAR:
        return StreamPriors<unsigned char, 3>(o);
      case C::USHORT:
        return StreamPriors<unsigned short, 3>(o);
      default:
        return StreamPriors<float, 3>(o);
    }
  }
  switch (info.ComponentType)
  {
    case C::UCHAR:
      return StreamPriors<unsigned char, 2>(o);
    case C::USHORT:
      return StreamPriors<unsigned short, 2>(o);
    default:
      return StreamPriors<float, 2>(o);
  }
}

Subcommand
RegisterPriorsCommand(CLI::App & app)
{
  namespace P = PriorParameters;
  auto         o = std::make_shared<PriorsOptions>();
  auto         polarity = std::make_shared<std::string>(PolarityName(o->Polarity));
  auto *       command = app.add_subcommand("priors", "Write the gradient and grayscale priors of an image.");
  command->add_option("INPUT", o->Input, "Micrograph (any ITK format; 2-D, or a 3-D gray volume)")->required();
  command->add_option("PREFIX", o->Prefix, "Output prefix: PREFIX_gradient.FORMAT, PREFIX_grayscale.FORMAT")->required();
  command->add_option("--format", o->Format, "Float output format")
    ->check(CLI::IsMember({ "mha", "nrrd", "nii" }))
    ->capture_default_str();
  command->add_flag("--png", o->Previews, "Also write each channel as an 8-bit PNG preview");
  command->add_option("--scales", o->Scales, "Gradient scales, each " + P::ScaleRange.Requirement())
    ->delimiter(',')
    ->capture_default_str();
  command->add_option("--integration-scale", o->IntegrationScale,
                      WithRange("Structure-tensor integration scale", P::IntegrationScale.Range))
    ->capture_default_str();
  command->add_option("--magnitude-scale", o->MagnitudeScale,
                      WithRange("Gradient magnitude mapped to 1-1/e", P::MagnitudeScale.Range))
    ->capture_default_str();
  command->add_option("--window-radius", o->WindowRadius, WithRange("Grayscale window half-width", P::WindowRadius.Range))
    ->capture_default_str();
  command->add_option("--epsilon", o->Epsilon, WithRange("Added to the local deviation", P::Epsilon.Range))
    ->capture_default_str();
  command->add_option("--contrast-scale", o->ContrastScale, WithRange("Local contrast mapped to 1-1/e", P::ContrastScale.Range))
    ->capture_default_str();
  command->add_option("--global-scale", o->GlobalScale,
                      WithRange("Departure from the matrix mode mapped to 1-1/e", P::GlobalScale.Range))
    ->capture_default_str();
  command->add_option("--polarity", *polarity, "Phase polarity: bright, dark or both")->capture_default_str();
  command->add_option("--stream-divisions", o->StreamDivisions,
                      "Pieces the image is streamed in (0: automatic, about 2^19 pixels each)")
    ->capture_default_str();
  command->add_option("--threads", o->Threads, "Threads (0: all cores)")->capture_default_str();
  return { command, [o, polarity] {
            o->Polarity = PolarityArgument(*polarity);
            for (const auto & path : RunPriors(*o))
            {
              std::cout << path << '\n';
            }
          } };
}

} // namespace scopsam
