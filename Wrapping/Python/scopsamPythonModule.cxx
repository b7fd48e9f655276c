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
// scopsam._scopsam: the C++ side of the Python package `scopsam` (pybind11). It takes and returns numpy arrays in
// ITK Python's axis order (row, column) with the image's spacing passed beside them; the package's Python layer
// (scopsam/__init__.py) adds ITK's functional names, keyword arguments and itk.Image in/out. Every call releases the
// GIL while it works and raises ValueError (bad input, scopsam::InputError / ModelError) or RuntimeError (anything
// else) with the C++ message.
#include "itkGradientPriorFilter.h"
#include "itkGrayscalePriorFilter.h"
#include "itkPhaseQuantificationImageFilter.h"
#include "itkSCoPSAMSegmentationFilter.h"
#include "itkVector.h"
#include "scopsamErrors.h"
#include "scopsamImageIO.h"
#include "scopsamPriorParameters.h"
#include "scopsamPromptAdaptation.h"
#include "scopsamSegmentationSupport.h"
#include "scopsamThreadSettings.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <mutex>
#include <regex>
#include <optional>
#include <cstring>
#include <tuple>

namespace py = pybind11;

namespace
{

using GrayImage = itk::Image<float, 2>;
using MaskImage = itk::Image<unsigned char, 2>;
using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;
using MaskArray = py::array_t<unsigned char, py::array::c_style | py::array::forcecast>;
using Spacing = std::array<double, 2>; // (x, y): ITK order

/** A copy of a 2-D array (rows, columns) as an ITK image with the given spacing. */
template <typename TImage, typename TArray>
typename TImage::Pointer
ImageFromArray(const TArray & array, const Spacing & spacing, const char * what)
{
  if (array.ndim() != 2)
  {
    throw scopsam::InputError(std::string(what) + " must be a 2-D array (rows, columns), got " +
                              std::to_string(array.ndim()) + " dimensions");
  }
  if (array.shape(0) == 0 || array.shape(1) == 0)
  {
    throw scopsam::InputError(std::string(what) + " is empty");
  }
  auto image = TImage::New();
  image->SetRegions(typename TImage::SizeType{ { static_cast<itk::SizeValueType>(array.shape(1)),
                                                 static_cast<itk::SizeValueType>(array.shape(0)) } });
  image->Allocate();
  image->SetSpacing(spacing.data());
  std::memcpy(image->GetBufferPointer(), array.data(), array.size() * sizeof(typename TImage::PixelType));
  return image;
}

/** A copy of a 2-D ITK image with `components` values per pixel as an array (rows, columns[, components]). */
template <typename TValue, typename TImage>
py::array_t<TValue>
ArrayFromImage(const TImage * image, std::size_t components = 1)
{
  const auto               size = image->GetLargestPossibleRegion().GetSize();
  std::vector<py::ssize_t> shape{ static_cast<py::ssize_t>(size[1]), static_cast<py::ssize_t>(size[0]) };
  if (components > 1)
  {
    shape.push_back(static_cast<py::ssize_t>(components));
  }
  py::array_t<TValue> array(shape);
  std::memcpy(array.mutable_data(), image->GetBufferPointer(), size[0] * size[1] * components * sizeof(TValue));
  return array;
}

/** Runs `work` without the GIL. */
template <typename TWork>
auto
WithoutGIL(TWork && work)
{
  py::gil_scoped_release release;
  return work();
}

/** number_of_work_units in [0, scopsam::MaximumThreadsArgument] (0: all cores), as every --threads. */
void
CheckWorkUnits(int threads)
{
  if (threads < 0 || threads > scopsam::MaximumThreadsArgument)
  {
    throw scopsam::InputError("number_of_work_units must be in [0, " + std::to_string(scopsam::MaximumThreadsArgument) +
                              "] (0: all cores), got " + std::to_string(threads));
  }
}

template <typename TFilter>
void
SetWorkUnits(TFilter * filter, int threads)
{
  CheckWorkUnits(threads);
  if (threads > 0)
  {
    filter->SetNumberOfWorkUnits(static_cast<itk::ThreadIdType>(threads));
  }
}

using PriorImage = itk::Image<itk::Vector<float, 2>, 2>;

py::array_t<float>
GradientPrior(const FloatArray & array, const Spacing & spacing, const std::vector<double> & scales,
              double integrationScale, double magnitudeScale, int threads)
{
  auto image = ImageFromArray<GrayImage>(array, spacing, "the image");
  auto filter = itk::GradientPriorFilter<GrayImage, PriorImage>::New();
  filter->SetInput(image);
  filter->SetScales(scales);
  filter->SetIntegrationScale(integrationScale);
  filter->SetMagnitudeScale(magnitudeScale);
  SetWorkUnits(filter.GetPointer(), threads);
  WithoutGIL([&] {
    filter->Update();
    return 0;
  });
  return ArrayFromImage<float>(filter->GetOutput(), 2);
}

py::array_t<float>
GrayscalePrior(const FloatArray & array, const Spacing & spacing, unsigned int windowRadius, double epsilon,
               double contrastScale, double globalScale, const std::string & polarity, int threads)
{
  using Filter = itk::GrayscalePriorFilter<GrayImage, PriorImage>;
  auto image = ImageFromArray<GrayImage>(array, spacing, "the image");
  auto filter = Filter::New();
  filter->SetInput(image);
  filter->SetWindowRadius(windowRadius);
  filter->SetEpsilon(epsilon);
  filter->SetContrastScale(contrastScale);
  filter->SetGlobalScale(globalScale);
  try
  {
    filter->SetPolarity(scopsam::ParsePolarity(polarity));
  }
  catch (const std::invalid_argument & e)
  {
    throw scopsam::InputError(e.what());
  }
  SetWorkUnits(filter.GetPointer(), threads);
  WithoutGIL([&] {
    filter->Update();
    return 0;
  });
  return ArrayFromImage<float>(filter->GetOutput(), 2);
}

/** The threshold a model file stores (the embedded default model's for ""): what segment() uses by default. */
double
ModelThreshold(const std::string & model)
{
  try
  {
    return WithoutGIL([&] { return scopsam::LoadSharedEngine(model, scopsam::DeviceOptions{}); })->GetConfig().Threshold;
  }
  catch (const scopsam::ModelError & e)
  {
    throw scopsam::InputError(e.what());
  }
}

using SegmentationFilter = itk::SCoPSAMSegmentationFilter<GrayImage>;

/** The segmentation filter on an array, configured as segment() and Predictor take their keywords. */
struct ConfiguredFilter
{
  GrayImage::Pointer          Image;
  MaskImage::Pointer          Exclusion;
  SegmentationFilter::Pointer Filter;
};

ConfiguredFilter
Configure(const FloatArray & array, const Spacing & spacing, const std::string & model, const std::vector<long> & box,
          double threshold, unsigned int tileSize, int overlap, unsigned int batchSize, const std::string & device,
          int threads, double scale, const std::optional<MaskArray> & exclusion)
{
  ConfiguredFilter out;
  out.Image = ImageFromArray<GrayImage>(array, spacing, "the image");
  scopsam::DeviceOptions options;
  options.Device = device;
  options.Threads = threads;
  CheckWorkUnits(threads);
  std::shared_ptr<const scopsam::SegmentationEngine> engine;
  try
  {
    engine = WithoutGIL([&] { return scopsam::LoadSharedEngine(model, options); });
  }
  catch (const scopsam::ModelError & e)
  {
    throw scopsam::InputError(e.what());
  }
  auto filter = SegmentationFilter::New();
  filter->SetInput(out.Image);
  filter->SetEngine(engine);
  filter->SetTileSize(tileSize);
  filter->SetOverlap(overlap);
  filter->SetBatchSize(batchSize);
  if (threshold >= 0.0) // below 0: the model's stored threshold
  {
    filter->SetThreshold(threshold);
  }
  filter->SetScale(scale);
  SetWorkUnits(filter.GetPointer(), threads);
  if (!box.empty())
  {
    if (box.size() != 4 || box[2] < box[0] || box[3] < box[1] ||
        std::any_of(box.begin(), box.end(), [](long v) { return std::abs(static_cast<double>(v)) > scopsam::BeyondAnyImage; }))
    {
      throw scopsam::InputError("box is (x0, y0, x1, y1): column and row indices inside the image, inclusive");
    }
    GrayImage::RegionType roi;
    roi.SetIndex({ { box[0], box[1] } });
    roi.SetSize({ { static_cast<itk::SizeValueType>(box[2] - box[0] + 1), static_cast<itk::SizeValueType>(box[3] - box[1] + 1) } });
    filter->SetRegionOfInterest(roi);
  }
  if (exclusion)
  {
    out.Exclusion = ImageFromArray<MaskImage>(*exclusion, spacing, "exclusion_mask");
    filter->SetExclusionMask(out.Exclusion);
  }
  out.Filter = filter;
  return out;
}

using Clicks = std::vector<std::tuple<long, long, int>>;

std::tuple<py::array_t<float>, py::array_t<unsigned char>>
Segment(const FloatArray & array, const Spacing & spacing, const std::string & model, const Clicks & clicks,
        const std::vector<long> & box, double threshold, unsigned int tileSize, int overlap, unsigned int batchSize,
        const std::string & device, int threads, double scale, const std::optional<MaskArray> & exclusion)
{
  const auto configured =
    Configure(array, spacing, model, box, threshold, tileSize, overlap, batchSize, device, threads, scale, exclusion);
  SegmentationFilter * filter = configured.Filter;
  // The filter checks clicks and the box against the image (itk::InvalidArgumentError: ValueError).
  for (const auto & [x, y, label] : clicks)
  {
    filter->AddClick({ { x, y } }, label);
  }
  // Several Python threads may segment at once: the filter serialises the network runs.
  WithoutGIL([&] {
    filter->Update();
    return 0;
  });
  return { ArrayFromImage<float>(filter->GetOutput()), ArrayFromImage<unsigned char>(filter->GetMaskOutput()) };
}

/** Segment Anything's SamPredictor for a micrograph: the constructor runs the network once (set_image), predict()
 * fits the adaptation to a new set of prompts and reruns only that (the filter keeps its automatic result). Calls
 * on one predictor from several threads are serialised. */
class Predictor
{
public:
  Predictor(const FloatArray & array, const Spacing & spacing, const std::string & model, const std::vector<long> & box,
            double threshold, unsigned int tileSize, int overlap, unsigned int batchSize, const std::string & device,
            int threads, double scale, const std::optional<MaskArray> & exclusion)
    : m_Filter(Configure(array, spacing, model, box, threshold, tileSize, overlap, batchSize, device, threads, scale,
                         exclusion))
    , m_Spacing(spacing)
  {
    WithoutGIL([&] {
      m_Filter.Filter->Update();
      return 0;
    });
    m_Automatic = { ArrayFromImage<float>(m_Filter.Filter->GetOutput()),
                    ArrayFromImage<unsigned char>(m_Filter.Filter->GetMaskOutput()) };
  }

  std::tuple<py::array_t<float>, py::array_t<unsigned char>>
  Predict(const Clicks & clicks, const std::optional<MaskArray> & scribbles, const std::string & adaptation,
          bool promptsOnly, const std::optional<MaskArray> & previousMask, bool networkClicks)
  {
    SegmentationFilter * filter = m_Filter.Filter;
    MaskImage::Pointer   labels, previous;
    if (scribbles)
    {
      labels = ImageFromArray<MaskImage>(*scribbles, m_Spacing, "scribbles");
    }
    if (previousMask)
    {
      previous = ImageFromArray<MaskImage>(*previousMask, m_Spacing, "previous_mask");
    }
    std::shared_ptr<const scopsam::Adaptation> given;
    if (!adaptation.empty())
    {
      given = std::make_shared<const scopsam::Adaptation>(WithoutGIL([&] { return scopsam::Adaptation::Load(adaptation); }));
    }
    // The lock is taken without the GIL (another thread may hold it while it waits for the GIL) and kept while the
    // outputs are copied.
    std::unique_lock<std::mutex> lock(m_Mutex, std::defer_lock);
    const bool                   adapted = WithoutGIL([&] {
      lock.lock();
      filter->ClearClicks();
      for (const auto & [x, y, label] : clicks)
      {
        filter->AddClick({ { x, y } }, label);
      }
      filter->SetScribbleImage(labels);
      filter->SetPreviousMask(previous);
      filter->SetPromptsOnly(promptsOnly);
      filter->SetNetworkClicks(networkClicks);
      filter->SetAdaptation(given);
      if (!filter->UsesAdaptation())
      {
        return false;
      }
      filter->Update();
      return true;
    });
    if (!adapted)
    {
      return m_Automatic; // no prompt: the automatic result, unchanged
    }
    return { ArrayFromImage<float>(filter->GetOutput()), ArrayFromImage<unsigned char>(filter->GetMaskOutput()) };
  }

  /** Writes what the last predict()'s prompts taught (JSON), for predict(adaptation=...) or scopsam segment
   * --adaptation on other micrographs. */
  void
  SaveAdaptation(const std::string & path)
  {
    const std::lock_guard<std::mutex> lock(m_Mutex);
    const auto                        adaptation = m_Filter.Filter->GetAdaptation();
    if (!adaptation)
    {
      throw scopsam::InputError(m_Filter.Filter->UsesNetworkAlone()
                                  ? "no adaptation: with network_clicks and prompts_only the network alone answered the "
                                    "points"
                                  : "no adaptation yet: call predict() with clicks or scribbles first");
    }
    adaptation->Save(path);
  }

  /** What the last predict()'s adaptation warned of (scribble pixels on excluded pixels ignored): the filter's
   * adaptation, which every predict() sets (none after a prompt-free one). */
  std::vector<std::string>
  Warnings()
  {
    const std::lock_guard<std::mutex> lock(m_Mutex);
    const auto                        adaptation = m_Filter.Filter->GetAdaptation();
    return adaptation ? adaptation->GetWarnings() : std::vector<std::string>{};
  }

private:
  ConfiguredFilter                                           m_Filter;
  Spacing                                                    m_Spacing;
  std::tuple<py::array_t<float>, py::array_t<unsigned char>> m_Automatic;
  std::mutex                                                 m_Mutex;
};

std::tuple<py::array_t<unsigned int>, std::string>
Quantify(const MaskArray & mask, const Spacing & spacing, const std::string & unit, const std::optional<FloatArray> & feature,
         const std::optional<MaskArray> & exclusion, std::size_t minimumPixels, bool excludeBorder, bool separate)
{
  using Filter = itk::PhaseQuantificationImageFilter<MaskImage, GrayImage>;
  auto filter = Filter::New();
  auto maskImage = ImageFromArray<MaskImage>(mask, spacing, "the mask");
  filter->SetInput(maskImage);
  GrayImage::Pointer featureImage;
  MaskImage::Pointer exclusionImage;
  if (feature)
  {
    featureImage = ImageFromArray<GrayImage>(*feature, spacing, "feature_image");
    filter->SetFeatureImage(featureImage);
  }
  if (exclusion)
  {
    exclusionImage = ImageFromArray<MaskImage>(*exclusion, spacing, "exclusion_mask");
    filter->SetExclusionMask(exclusionImage);
  }
  filter->SetMinimumParticlePixels(minimumPixels);
  filter->SetExcludeBorderParticles(excludeBorder);
  filter->SetSeparateTouchingParticles(separate);
  filter->SetLengthUnit(unit);
  WithoutGIL([&] {
    filter->Update();
    return 0;
  });
  return { ArrayFromImage<unsigned int>(filter->GetOutput()), filter->GetMeasurementsAsJSON() };
}

/** The prior filters' defaults (scopsamPriorParameters.h) under the Python keywords: the package's signatures read
 * them. */
py::dict
PriorParameterDefaults()
{
  namespace P = scopsam::PriorParameters;
  py::dict defaults;
  defaults["scales"] = py::tuple(py::cast(std::vector<double>(P::DefaultScales.begin(), P::DefaultScales.end())));
  defaults["integration_scale"] = P::IntegrationScale.Default;
  defaults["magnitude_scale"] = P::MagnitudeScale.Default;
  defaults["window_radius"] = static_cast<int>(P::WindowRadius.Default);
  defaults["epsilon"] = P::Epsilon.Default;
  defaults["contrast_scale"] = P::ContrastScale.Default;
  defaults["global_scale"] = P::GlobalScale.Default;
  defaults["polarity"] = scopsam::PolarityName(P::DefaultPolarity);
  return defaults;
}

/** A micrograph or mask file as an array of the file's own type where it means something: uint8 and uint16 files
 * (8- and 16-bit micrographs, masks) keep it; every other type is float32. RGB with equal channels reads as gray. */
py::array
ReadImage(const std::string & path)
{
  const auto info = scopsam::InspectImageFile(path);
  const auto image = WithoutGIL([&] { return scopsam::ReadGrayImage(path); });
  const auto floats = ArrayFromImage<float>(image.GetPointer());
  if (info.ComponentType == itk::IOComponentEnum::UCHAR)
  {
    return floats.attr("astype")("uint8");
  }
  if (info.ComponentType == itk::IOComponentEnum::USHORT)
  {
    return floats.attr("astype")("uint16");
  }
  return floats;
}

/** A C++ message in the package's words: the filters name their settings as their setters do (BatchSize,
 * IntegrationScale, "each of the Scales"); Python names them as keywords (batch_size, integration_scale, scales). */
std::string
InPythonWords(const std::string & message)
{
  static const std::regex setting("\\b([A-Z][a-z]+(?:[A-Z][a-z]+)*)( must be)");
  std::string             result;
  auto                    last = message.cbegin();
  for (std::sregex_iterator it(message.begin(), message.end(), setting), end; it != end; ++it)
  {
    result.append(last, message.cbegin() + it->position(1));
    std::string name = (*it)[1];
    std::string snake;
    for (std::size_t i = 0; i < name.size(); ++i)
    {
      if (std::isupper(static_cast<unsigned char>(name[i])) && i > 0)
      {
        snake += '_';
      }
      snake += static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
    }
    result += snake + std::string((*it)[2]);
    last = message.cbegin() + it->position(0) + it->length(0);
  }
  result.append(last, message.cend());
  return result;
}

} // namespace

PYBIND11_MODULE(_scopsam, m)
{
  m.doc() = "C++ core of the scopsam package: the SCoP-SAM ITK filters on numpy arrays (use the package's functions).";
  py::register_exception_translator([](std::exception_ptr p) {
    try
    {
      if (p)
      {
        std::rethrow_exception(p);
      }
    }
    catch (const scopsam::InputError & e)
    {
      PyErr_SetString(PyExc_ValueError, InPythonWords(e.what()).c_str());
    }
    catch (const itk::ExceptionObject & e)
    {
      // ITK's range checks on parameters are the caller's mistake: ValueError, with ITK's message on one line.
      PyErr_SetString(PyExc_ValueError, InPythonWords(scopsam::ExceptionMessage(e)).c_str());
    }
  });
  m.attr("MAXIMUM_PIXEL_SIZE") = scopsam::MaximumPixelSize;
  m.attr("BEYOND_ANY_IMAGE") = static_cast<long long>(scopsam::BeyondAnyImage);
  m.def("gradient_prior", &GradientPrior, py::arg("image"), py::arg("spacing"), py::arg("scales"),
        py::arg("integration_scale"), py::arg("magnitude_scale"), py::arg("threads"));
  m.def("grayscale_prior", &GrayscalePrior, py::arg("image"), py::arg("spacing"), py::arg("window_radius"),
        py::arg("epsilon"), py::arg("contrast_scale"), py::arg("global_scale"), py::arg("polarity"), py::arg("threads"));
  m.def("segment", &Segment, py::arg("image"), py::arg("spacing"), py::arg("model"), py::arg("clicks"), py::arg("box"),
        py::arg("threshold"), py::arg("tile_size"), py::arg("overlap"), py::arg("batch_size"), py::arg("device"),
        py::arg("threads"), py::arg("scale"), py::arg("exclusion"));
  py::class_<Predictor>(m, "Predictor")
    .def(py::init<const FloatArray &, const Spacing &, const std::string &, const std::vector<long> &, double,
                  unsigned int, int, unsigned int, const std::string &, int, double, const std::optional<MaskArray> &>(),
         py::arg("image"), py::arg("spacing"), py::arg("model"), py::arg("box"), py::arg("threshold"),
         py::arg("tile_size"), py::arg("overlap"), py::arg("batch_size"), py::arg("device"), py::arg("threads"),
         py::arg("scale"), py::arg("exclusion"))
    .def("predict", &Predictor::Predict, py::arg("clicks"), py::arg("scribbles"), py::arg("adaptation"),
         py::arg("prompts_only"), py::arg("previous_mask"), py::arg("network_clicks"))
    .def("save_adaptation", &Predictor::SaveAdaptation, py::arg("path"))
    .def("warnings", &Predictor::Warnings);
  m.def("quantify", &Quantify, py::arg("mask"), py::arg("spacing"), py::arg("unit"), py::arg("feature"),
        py::arg("exclusion"), py::arg("minimum_pixels"), py::arg("exclude_border"), py::arg("separate"));
  m.def("has_default_model", &scopsam::HasDefaultModel);
  m.def("model_threshold", &ModelThreshold, py::arg("model"));
  m.def("read_image", &ReadImage, py::arg("path"));
  m.def("prior_parameter_defaults", &PriorParameterDefaults);
  m.attr("__version__") = SCoPSAM_VERSION_STRING;
}
