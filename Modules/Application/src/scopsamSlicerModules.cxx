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
// The four 3D Slicer CLI modules: each a parameter description (one SlicerModule: the --xml answer and the
// argument parsing) whose setters fill the options of the Run function the `scopsam` command line calls; that
// function runs in the application plug-in (RunInApplicationPlugin), so that these executables start without
// LibTorch.
#include "scopsamCommandPriors.h"
#include "scopsamCommandQuantify.h"
#include "scopsamCommandSegment.h"
#include "scopsamFrontEnd.h"
#include "scopsamModelConfig.h"
#include "scopsamPhaseMeasurements.h"
#include "scopsamSlicerModule.h"
#include "scopsamTileGrid.h"

#include <cctype>
#include <sstream>

namespace scopsam
{
namespace
{

/** Setters that store the checked text into an option. */
std::function<void(const std::string &)>
Into(std::string & target)
{
  return [&target](const std::string & value) { target = value; };
}
template <typename T>
std::function<void(const std::string &)>
IntoNumber(T & target)
{
  return [&target](const std::string & value) { target = static_cast<T>(std::stod(value)); };
}
std::function<void(const std::string &)>
IntoFlag(bool & target)
{
  return [&target](const std::string & value) { target = value == "true"; };
}
std::function<void(const std::string &)>
IntoNumbers(std::vector<double> & target, const std::string & what)
{
  return [&target, what](const std::string & value) { target = ParseNumbers(value, what); };
}

/** What every parameter has: its element, name, label, tooltip and setter. */
SlicerParameter
Described(const std::string & tag, const std::string & name, const std::string & label, const std::string & description,
          std::function<void(const std::string &)> set)
{
  SlicerParameter p;
  p.Tag = tag;
  p.Name = name;
  p.Label = label;
  p.Description = description;
  p.Set = std::move(set);
  return p;
}

SlicerParameter
Number(const std::string & tag, const std::string & name, const std::string & label, const std::string & description,
       const std::string & defaultValue, double minimum, double maximum, double step,
       std::function<void(const std::string &)> set)
{
  auto p = Described(tag, name, label, description, std::move(set));
  p.Default = defaultValue;
  p.Minimum = minimum;
  p.Maximum = maximum;
  p.Step = step;
  return p;
}

/** A number of the prior filters, its default and range read from the table (scopsamPriorParameters.h); `name` is
 * the table's with a lower-case initial. */
SlicerParameter
PriorNumber(const std::string & tag, const PriorParameter & parameter, const std::string & label,
            const std::string & description, double step, std::function<void(const std::string &)> set)
{
  std::string name = parameter.Name;
  name[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[0])));
  std::ostringstream defaultValue;
  defaultValue << parameter.Default;
  return Number(tag, name, label, description, defaultValue.str(), parameter.Range.Minimum, parameter.Range.Maximum, step,
                std::move(set));
}

/** A required image, file, table or geometry: passed by place. */
SlicerParameter
Positional(const std::string & tag, const std::string & name, const std::string & label, const std::string & description,
           const std::string & channel, int index, const std::string & type, std::function<void(const std::string &)> set,
           const std::string & extensions = "")
{
  auto p = Described(tag, name, label, description, std::move(set));
  p.Channel = channel;
  p.Index = index;
  p.Type = type;
  p.FileExtensions = extensions;
  return p;
}

/** An optional image, file, table or geometry: a flag, passed only when Slicer has a node or a path for it. */
SlicerParameter
Optional(const std::string & tag, const std::string & name, const std::string & label, const std::string & description,
         const std::string & channel, const std::string & type, std::function<void(const std::string &)> set,
         const std::string & extensions = "")
{
  auto p = Positional(tag, name, label, description, channel, -1, type, std::move(set), extensions);
  p.Required = false;
  return p;
}

/** A figure the module returns to Slicer's panel (a return parameter). */
SlicerParameter
Returned(const std::string & tag, const std::string & name, const std::string & label, const std::string & description,
         std::function<std::string()> get)
{
  auto p = Described(tag, name, label, description, nullptr);
  p.Channel = "output";
  p.Get = std::move(get);
  return p;
}

SlicerParameter
InputVolume(std::string & target, const std::string & description)
{
  return Positional("image", "inputVolume", "Micrograph", description, "input", 0, "scalar", Into(target));
}

/** A choice among `elements`; the first is the default. */
SlicerParameter
Choice(const std::string & name, const std::string & label, const std::string & description,
       const std::vector<std::string> & elements, std::function<void(const std::string &)> set)
{
  auto p = Described("string-enumeration", name, label, description, std::move(set));
  p.Default = elements.front();
  p.Elements = elements;
  return p;
}

/** The polarity names of the table, the default first. */
std::vector<std::string>
PolarityChoices()
{
  std::vector<std::string> names{ PolarityName(PriorParameters::DefaultPolarity) };
  for (const char * name : PriorParameters::PolarityNames)
  {
    if (name != names.front())
    {
      names.emplace_back(name);
    }
  }
  return names;
}

SlicerParameter
Flag(const std::string & name, const std::string & label, const std::string & description, std::function<void(const std::string &)> set)
{
  auto p = Described("boolean", name, label, description, std::move(set));
  p.Default = "false";
  return p;
}

/** Clicks or a region: physical points in Slicer's LPS coordinates, collected as Slicer passes them. */
SlicerParameter
Points(const std::string & tag, const std::string & name, const std::string & label, const std::string & description,
       bool multiple, std::function<void(const std::string &)> set)
{
  auto p = Described(tag, name, label, description, std::move(set));
  p.Multiple = multiple;
  p.Type = "lps";
  return p;
}

/** How particles are measured (MeasureOptions), for the segmentation's statistics and the quantification. */
SlicerParameter
PixelSize(MeasureOptions & measure)
{
  return Number("double", "pixelSize", "Pixel size (um per pixel)",
                "Micrometres per pixel. 0: the volume's own calibration when it has one (a spacing other than 1 mm, "
                "which is what Slicer gives an uncalibrated picture); else every length is in pixels and the report "
                "says so.",
                "0", 0, MaximumPixelSize, 0.001, IntoNumber(measure.PixelSize));
}
SlicerParameter
MinimumSize(MeasureOptions & measure)
{
  return Number("integer", "minimumSize", "Smallest particle (pixels)", "Smaller components are noise and removed.", "4",
                0, 1000000, 1, IntoNumber(measure.MinimumParticlePixels));
}
SlicerParameter
ExcludeBorder(MeasureOptions & measure)
{
  return Flag("excludeBorder", "Exclude border particles",
              "Leave particles touching the image edge out of the counts and sizes (they stay in the area fraction).",
              IntoFlag(measure.ExcludeBorderParticles));
}

SlicerParameter
SeparateTouching(MeasureOptions & measure)
{
  return Flag("separateTouching", "Separate touching particles",
              "Split touching particles along the watershed of the distance map (two discs joined at a neck count "
              "as two); the area fraction is unchanged.",
              IntoFlag(measure.SeparateTouchingParticles));
}

SlicerParameterGroup
PerformanceGroup(unsigned int & threads, unsigned int & streamDivisions)
{
  return { "Performance",
           "Threads and streaming; the result does not depend on them.",
           { Number("integer", "threads", "Threads", "Threads to use (0: all cores).", "0", 0, MaximumThreadsArgument, 1, IntoNumber(threads)),
             Number("integer", "streamDivisions", "Stream pieces",
                    "Pieces the image is computed in (0: automatic, about 2^19 pixels each); memory stays bounded.", "0",
                    0, 1000000, 1, IntoNumber(streamDivisions)) } };
}

/** A prior module: the micrograph in, one two-channel prior volume out, the prior's parameters, performance. */
int
RunPriorModule(int argc, char ** argv, PriorsOptions & o, SlicerModule module, SlicerParameter output,
               SlicerParameterGroup parameters)
{
  o.Format = "nrrd";
  module.Groups = { { "Input and output",
                      "",
                      { InputVolume(o.Input, "The micrograph (a 2-D image, or a 3-D gray volume)."), std::move(output) } },
                    std::move(parameters),
                    PerformanceGroup(o.Threads, o.StreamDivisions) };
  return RunSlicerModule(module, argc, argv, [&] {
    o.ReportProgress = ReportSlicerProgress;
    RunInApplicationPlugin("priors", &o);
  });
}

} // namespace

int
GradientPriorSlicerModule(int argc, char ** argv)
{
  PriorsOptions o;
  SlicerModule  module;
  module.Title = "SCoP-SAM Gradient Prior";
  module.Description = "Multi-scale gradient magnitude and structure-tensor coherence of a micrograph, each mapped to "
                       "[0, 1]: where phase boundaries are, and whether they are line-like (needles, lamellae). The "
                       "first spatial-context prior of SCoP-SAM (itk::GradientPriorFilter).";
  std::ostringstream defaultScales;
  for (const double scale : PriorParameters::DefaultScales)
  {
    defaultScales << (defaultScales.tellp() > 0 ? "," : "") << scale;
  }
  SlicerParameter scales = Number("float-vector", "scales", "Derivative scales",
                                  "Gaussian scales (pixels) whose normalised gradients are combined, each " +
                                    PriorParameters::ScaleRange.Requirement() + ".",
                                  defaultScales.str(), 0, 0, 0, IntoNumbers(o.Scales, "--scales"));
  scales.Minimum.reset(); // a list: the filter checks each scale
  scales.Maximum.reset();
  scales.Step.reset();
  return RunPriorModule(
    argc, argv, o, module,
    Positional("image", "outputVolume", "Gradient prior",
               "Two components per pixel: gradient magnitude, structure-tensor coherence.", "output", 1, "vector",
               Into(o.GradientOutput)),
    { "Gradient prior",
      "Scales in pixels of the micrograph.",
      { scales,
        PriorNumber("float", PriorParameters::IntegrationScale, "Integration scale",
                    "Structure-tensor integration scale (pixels).", 0.1, IntoNumber(o.IntegrationScale)),
        PriorNumber("float", PriorParameters::MagnitudeScale, "Magnitude scale",
                    "Gradient magnitude (normalised gray levels per pixel) mapped to 1 - 1/e.", 0.005,
                    IntoNumber(o.MagnitudeScale)) } });
}

int
GrayscalePriorSlicerModule(int argc, char ** argv)
{
  PriorsOptions o;
  SlicerModule  module;
  module.Title = "SCoP-SAM Grayscale Prior";
  module.Description = "Local contrast of each pixel against its neighbourhood and its departure from the matrix gray "
                       "level, by phase polarity, each mapped to [0, 1]: where a faint second phase differs from the "
                       "matrix. The second spatial-context prior of SCoP-SAM (itk::GrayscalePriorFilter).";
  return RunPriorModule(
    argc, argv, o, module,
    Positional("image", "outputVolume", "Grayscale prior",
               "Two components per pixel: local contrast, departure from the matrix mode.", "output", 1, "vector",
               Into(o.GrayscaleOutput)),
    { "Grayscale prior",
      "",
      { Choice("polarity", "Phase polarity", "Whether the phase is brighter or darker than the matrix, or either.",
               PolarityChoices(), [&o](const std::string & value) { o.Polarity = PolarityArgument(value); }),
        PriorNumber("integer", PriorParameters::WindowRadius, "Window radius", "Half-width of the local window (pixels).",
                    1, IntoNumber(o.WindowRadius)),
        PriorNumber("float", PriorParameters::Epsilon, "Epsilon", "Added to the local deviation (normalised gray levels).",
                    0.005, IntoNumber(o.Epsilon)),
        PriorNumber("float", PriorParameters::ContrastScale, "Contrast scale",
                    "Local contrast (in local deviations) mapped to 1 - 1/e.", 0.1, IntoNumber(o.ContrastScale)),
        PriorNumber("float", PriorParameters::GlobalScale, "Global scale",
                    "Departure from the matrix mode mapped to 1 - 1/e.", 0.01, IntoNumber(o.GlobalScale)) } });
}

int
SegmentationSlicerModule(int argc, char ** argv)
{
  SegmentOptions           o;
  std::vector<std::string> positive, negative;
  std::string              roi;
  const auto positivePoints =
    Points("point", "positivePoints", "Phase clicks",
           "Points on the phase to segment (a Markups point list): the phase everywhere like there.", true,
           [&](const std::string & value) { positive.push_back(value); });
  const auto negativePoints = Points("point", "negativePoints", "Not-phase clicks",
                                     "Points on what is not the phase (matrix, pores, scratches).", true,
                                     [&](const std::string & value) { negative.push_back(value); });
  const auto region = Points("region", "regionOfInterest", "Region of interest",
                             "Segment inside this box only (a Markups ROI); the rest is matrix.", false, Into(roi));
  const auto model = Described("string", "modelFile", "Model file",
                               "A SCoP-SAM model file or TorchScript module; empty: the default model embedded in SCoP-SAM.",
                               Into(o.Model));

  SlicerModule module;
  module.Title = "SCoP-SAM Segmentation";
  module.Description = "Segments the intermediate phase (small, low-contrast second-phase particles, needles, networks) "
                       "of an alloy micrograph with SCoP-SAM: a Segment-Anything-shaped network guided by gradient and "
                       "grayscale priors, run over overlapping tiles. Automatic without clicks; clicks steer it.";
  module.Groups = {
    { "Input and output",
      "",
      { InputVolume(o.Input, "The micrograph (a single 2-D slice)."),
        Positional("image", "outputMask", "Phase mask", "255 where the phase is, 0 elsewhere.", "output", 1, "label",
                   Into(o.Output)),
        Optional("image", "probabilityVolume", "Phase probability", "The network's probability of the phase, in [0, 1].",
                 "output", "scalar", Into(o.Probability)),
        Optional("image", "promptLabels", "Scribbles and excluded regions",
                 "A label map (Segment Editor): 1 this phase, 2 not this phase, 3 excluded (data bar, background), 0 "
                 "nothing said. Refine a mask by painting and running again.",
                 "input", "label", Into(o.Labels)),
        Optional("image", "previousMask", "Mask to correct",
                 "Optional: the mask the clicks and scribbles correct (the last run's phase mask when refining); they "
                 "add or remove in the directions they ask for, near themselves as the adaptation says and elsewhere "
                 "only where it is sure. Empty: the adaptation's own mask.",
                 "input", "label", Into(o.PreviousMask)) } },
    { "Prompts",
      "Clicks and scribbles say which phase (\"this phase, everywhere\"); without them the model segments its default "
      "phase. Refine a mask by painting and running again.",
      { positivePoints, negativePoints, region,
        Flag("promptsOnly", "Prompts only",
             "The clicks and scribbles alone define the phase; the network's own mask does not teach beside them. "
             "For a phase that is not the model's target, or a micrograph unlike those it learnt from.",
             IntoFlag(o.PromptsOnly)),
        Flag("networkClicks", "Network clicks",
             "The clicks go to the network's own click path too: its answer is the adaptation's prior, or with "
             "'Prompts only' and clicks only the result itself. For a network trained to follow clicks (the "
             "embedded model is, on one prompted target; see Documentation/results.md).",
             IntoFlag(o.NetworkClicks)),
        Described("string", "saveAdaptation", "Save adaptation to",
                  "Optional file (.json): what the clicks and scribbles taught, to apply to other micrographs.",
                  Into(o.SaveAdaptation)),
        Described("string", "adaptation", "Apply adaptation",
                  "Optional file (.json): an adaptation saved from another micrograph with the same model (no clicks "
                  "or scribbles then).",
                  Into(o.Adaptation)) } },
    { "Model",
      "",
      { model,
        Number("float", "threshold", "Threshold",
               "Probability at or above which a pixel is phase; -1: the model's stored threshold (chosen on validation "
               "images when it was trained).",
               "-1", -1, 1, 0.01,
               IntoNumber(o.Threshold)),
        Choice("device", "Device", "Where the network runs; auto takes CUDA when present.", { "cpu", "auto", "cuda" },
               Into(o.Device)),
        Flag("halfPrecision", "Half precision", "Half precision on CUDA (faster, slightly different probabilities).",
             IntoFlag(o.Half)) } },
    { "Scale",
      "The grid the network sees.",
      { Number("float", "scale", "Scale",
               "The micrograph is resampled by this factor for the network (2: features twice as large); the mask "
               "comes back on the micrograph's grid.",
               "1", 0.1, 10, 0.1, IntoNumber(o.Scale)) } },
    { "Statistics",
      "Measure the phase of the mask, as Phase Quantification does.",
      { Optional("file", "statisticsFile", "Statistics (JSON)",
                 "The field's figures (area fraction with its 95 % confidence interval, particles, sizes); the "
                 "particle table, size plots and outlines are written beside it.",
                 "output", "", Into(o.Stats), ".json"),
        PixelSize(o.Measure), MinimumSize(o.Measure), ExcludeBorder(o.Measure), SeparateTouching(o.Measure) } },
    { "Tiling and performance",
      "The micrograph is segmented in overlapping tiles; any size fits in bounded memory.",
      { Number("integer", "tileSize", "Tile size",
               "Tile size in pixels (0: the model's); a multiple of " + std::to_string(TileSizeMultiple(ModelConfig{})) +
                 " for the default model (another model's rule is checked when it runs).",
               "0", 0, MaximumTileSize, TileSizeMultiple(ModelConfig{}), IntoNumber(o.TileSize)),
        Number("integer", "overlap", "Overlap", "Tile overlap in pixels (-1: a quarter tile); less than the tile size.",
               "-1", -1, 4095, 1, IntoNumber(o.Overlap)),
        Number("integer", "batchSize", "Batch size", "Tiles per network call.", "4", 1,
               MaximumBatchSize(ModelConfig{}.TileSize), 1, IntoNumber(o.BatchSize)),
        Number("integer", "threads", "Threads", "CPU threads (0: all cores).", "0", 0, MaximumThreadsArgument, 1, IntoNumber(o.Threads)) } }
  };
  return RunSlicerModule(module, argc, argv, [&] {
    std::string points;
    for (const auto & [list, label] : { std::pair{ &positive, 1 }, std::pair{ &negative, 0 } })
    {
      for (const auto & point : *list)
      {
        const auto pixel = PhysicalPointToPixel(point, o.Input);
        points += (points.empty() ? "" : ";") + std::to_string(pixel[0]) + "," + std::to_string(pixel[1]) + "," +
                  std::to_string(label);
      }
    }
    o.Points = points;
    if (!roi.empty())
    {
      // Slicer's region: centre x,y,z and radius x,y,z (physical); the box's corners as pixel indices.
      const auto v = ParseNumbers(roi, "--regionOfInterest");
      if (v.size() != 6)
      {
        throw InputError("a region is centre x,y,z and radius x,y,z, got '" + roi + "'");
      }
      const auto corner = [&](double sign) {
        return PhysicalPointToPixel(std::to_string(v[0] + sign * v[3]) + "," + std::to_string(v[1] + sign * v[4]) + "," +
                                      std::to_string(v[2]),
                                    o.Input);
      };
      const auto a = corner(-1.0), b = corner(1.0);
      o.Box = std::to_string(std::min(a[0], b[0])) + "," + std::to_string(std::min(a[1], b[1])) + "," +
              std::to_string(std::max(a[0], b[0])) + "," + std::to_string(std::max(a[1], b[1]));
    }
    o.ReportProgress = ReportSlicerProgress;
    RunInApplicationPlugin("segment", &o);
  });
}

int
QuantificationSlicerModule(int argc, char ** argv)
{
  SlicerModule module;
  module.Title = "SCoP-SAM Phase Quantification";
  module.Description = "Measures the phase of a mask as a metallographer reports it: area fraction, particle count and "
                       "density, per-particle size (area, equivalent diameter, Feret diameters), shape (aspect ratio, "
                       "circularity), orientation, mean intensity, nearest-neighbour distance and mean free path, with "
                       "95 % confidence intervals (ASTM E1245 / E562 style).";
  QuantifyJob job;
  QuantifyOptions & o = job.Options;
  const std::vector<FieldMeasurements> & fields = job.Fields; // what the run measured: the panel's figures
  const auto figure = [&fields](auto value) {
    return [&fields, value]() -> std::string {
      if (fields.size() != 1)
      {
        return "nan";
      }
      std::ostringstream text;
      text << value(fields.front());
      return text.str();
    };
  };
  module.Groups = {
    { "Input and output",
      "",
      { Positional("image", "inputMask", "Phase mask", "Non-zero where the phase is (or give a threshold below).", "input",
                   0, "label", Into(o.Mask)),
        Optional("image", "inputVolume", "Micrograph", "The micrograph of the mask: each particle's mean intensity.",
                 "input", "scalar", Into(o.Image)),
        Optional("file", "reportFile", "Report (JSON)", "Field figures and their statistics.", "output", "",
                 Into(o.Outputs.JSON), ".json"),
        Optional("table", "particleTable", "Particles", "One row per particle with its measurements.", "output", "",
                 Into(o.Outputs.CSV), ".csv"),
        Optional("geometry", "particleOutlines", "Particle outlines",
                 "Outlines of the particles with their measurements as cell data (.vtp).", "output", "model",
                 Into(o.Outputs.Outlines), ".vtp") } },
    { "Measurement",
      "",
      { PixelSize(o.Measure), MinimumSize(o.Measure), ExcludeBorder(o.Measure), SeparateTouching(o.Measure),
        Number("double", "maskThreshold", "Mask threshold",
               "-1: the mask must be binary (a probability map or a micrograph is refused); else phase where the "
               "value is at or above this.",
               "-1", -1, 1e9, 0.01, IntoNumber(o.MaskThreshold)) } },
    { "Results",
      "The field's headline figures (the report and the table hold the rest).",
      { Returned("string", "lengthUnit", "Length unit", "um when calibrated, px when not.",
                 figure([](const FieldMeasurements & f) { return f.Unit; })),
        Returned("double", "areaFraction", "Area fraction", "Phase area over field area (A_A = V_V).",
                 figure([](const FieldMeasurements & f) { return f.AreaFraction; })),
        Returned("integer", "particleCount", "Particles", "Particles counted (border particles included unless excluded).",
                 figure([](const FieldMeasurements & f) { return f.ParticleCount; })),
        Returned("double", "numberDensity", "Number density", "Particles per square length unit.",
                 figure([](const FieldMeasurements & f) { return f.NumberDensity; })),
        Returned("double", "meanEquivalentDiameter", "Mean equivalent diameter",
                 "Mean diameter of the discs of the particles' areas (length unit).",
                 figure([](const FieldMeasurements & f) {
                   std::vector<double> diameters;
                   for (const auto & particle : f.Particles)
                   {
                     diameters.push_back(particle.EquivalentDiameter);
                   }
                   return Describe(diameters).Mean;
                 })),
        Returned("double", "meanFreePath", "Mean free path", "(1 - A_A) / N_L, ASTM E1245 (length unit).",
                 figure([](const FieldMeasurements & f) { return f.MeanFreePath; })) } }
  };
  return RunSlicerModule(module, argc, argv, [&] { RunInApplicationPlugin("quantify", &job); });
}

} // namespace scopsam
