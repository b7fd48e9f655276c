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
#include "scopsamCommandBench.h"
#include "scopsamCommandRegistration.h"
#include "scopsamFrontEnd.h"

#include "itkSCoPSAMSegmentationFilter.h"
#include "scopsamBaselines.h"
#include "scopsamClickProtocol.h"
#include "scopsamDataset.h"
#include "scopsamPromptAdaptation.h"
#include "scopsamImageIO.h"
#include "scopsamOpenCVBridge.h"
#include "scopsamSegmentationSupport.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <numeric>
#include <random>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;

namespace scopsam
{
namespace
{

using Clock = std::chrono::steady_clock;
using Filter = itk::SCoPSAMSegmentationFilter<GrayImage2D>;

/** Whether `path` names something inside `folder` (after both are resolved: relative paths, `..` and links): whole
 * components compared, so that "sets/nbs2.md" does not lie inside "sets/nbs2". */
bool
LiesInside(const fs::path & path, const fs::path & folder)
{
  std::error_code error;
  const fs::path  inner = fs::weakly_canonical(fs::absolute(path, error), error);
  const fs::path  outer = fs::weakly_canonical(fs::absolute(folder, error), error);
  auto            at = inner.begin();
  for (const auto & component : outer)
  {
    if (component.empty())
    {
      continue; // a trailing separator's empty last component
    }
    if (at == inner.end() || *at != component)
    {
      return false;
    }
    ++at;
  }
  return at != inner.end();
}

/** `count` positive clicks on the phase, away from its boundary where it is thick enough: pixels of the truth's
 * interior (eroded by one pixel) when it has any, else of the truth; none when the truth is empty. */
std::vector<cv::Point>
DrawClicks(const cv::Mat & truth, int count, std::uint64_t seed)
{
  cv::Mat interior;
  cv::erode(truth != 0, interior, cv::Mat::ones(3, 3, CV_8U));
  std::vector<cv::Point> candidates;
  cv::findNonZero(cv::countNonZero(interior) > 0 ? interior : (truth != 0), candidates);
  std::vector<cv::Point> clicks;
  std::mt19937_64        random(seed);
  for (int i = 0; i < count && !candidates.empty(); ++i)
  {
    clicks.push_back(candidates[random() % candidates.size()]); // modulo of the raw draw: the same on every library
  }
  return clicks;
}

/** One method's mask of a micrograph and the seconds it took. */
struct Prediction
{
  cv::Mat Mask;
  double  Seconds{ 0 };
  double  PredictedIoU{ -1.0 }; // what the network's IoU head says (its raw output); meaningful where Network
  bool    Network{ false };
};

Filter::Pointer
MakeFilter(const GrayImage2D * image, const std::shared_ptr<const SegmentationEngine> & engine, const BenchOptions & o)
{
  auto filter = Filter::New();
  filter->SetInput(image);
  filter->SetEngine(engine);
  filter->SetNetworkClicks(o.NetworkClicks);
  if (o.Threshold >= 0.0)
  {
    filter->SetThreshold(o.Threshold);
  }
  if (o.Threads > 0)
  {
    filter->SetNumberOfWorkUnits(static_cast<itk::ThreadIdType>(o.Threads));
  }
  return filter;
}

Prediction
SegmentWithModel(const GrayImage2D * image, const std::shared_ptr<const SegmentationEngine> & engine,
                 const std::vector<cv::Point> & clicks, const BenchOptions & o)
{
  const auto start = Clock::now();
  auto       filter = MakeFilter(image, engine, o);
  for (const auto & click : clicks)
  {
    filter->AddClick({ { click.x, click.y } }, 1);
  }
  filter->Update();
  Prediction prediction;
  prediction.Mask = MatFromImage(filter->GetMaskOutput());
  prediction.Seconds = std::chrono::duration<double>(Clock::now() - start).count();
  prediction.PredictedIoU = filter->GetPredictedIoU();
  prediction.Network = !engine->IsTorchScript();
  return prediction;
}

Prediction
SegmentWithBaseline(const GrayImage2D * image, BaselineMethod method)
{
  const auto      start = Clock::now();
  BaselineOptions options;
  options.Method = method;
  Prediction prediction;
  prediction.Mask = SegmentBaseline(NormalizedMat(image), options);
  prediction.Seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return prediction;
}

/** SCoP-SAM as the protocol prompts it: one filter per image, kept, so that the network runs once per image and each
 * new set of prompts reruns the adaptation only. With `passBack`, each mask (first the protocol's `start`) goes back
 * to the filter with the next prompts (its previous mask), as an interactive loop does. */
PromptedSegmenter
FilterSegmenter(Filter * filter, bool passBack, const cv::Mat & start)
{
  auto previous = std::make_shared<Filter::MaskImageType::Pointer>();
  if (passBack)
  {
    *previous = ImageFromMat<unsigned char>(start);
    (*previous)->CopyInformation(filter->GetInput());
  }
  return [filter, previous, passBack](const std::vector<SimulatedClick> & clicks, const cv::Mat & scribbles) {
    filter->SetPreviousMask(passBack ? previous->GetPointer() : nullptr);
    filter->ClearClicks();
    filter->SetAdaptation(nullptr);
    for (const auto & click : clicks)
    {
      filter->AddClick({ { click.Position.x, click.Position.y } }, click.Label);
    }
    Filter::MaskImageType::Pointer labels;
    if (!scribbles.empty())
    {
      labels = ImageFromMat<unsigned char>(scribbles);
      labels->CopyInformation(filter->GetInput());
    }
    filter->SetScribbleImage(labels);
    filter->Update();
    cv::Mat mask = MatFromImage(filter->GetMaskOutput());
    if (passBack)
    {
      *previous = ImageFromMat<unsigned char>(mask);
      (*previous)->CopyInformation(filter->GetInput());
    }
    return mask;
  };
}

/** The ilastik-style baseline: a random forest on the classical filter bank of the normalised micrograph, fitted on
 * the clicks' discs alone (no network, no prior: the prompts alone). With one class labelled it can only say that
 * class everywhere. */
PromptedSegmenter
ClassicalForestSegmenter(const AdaptationImage & view)
{
  return [&view](const std::vector<SimulatedClick> & clicks, const cv::Mat & scribbles) {
    PhasePrompts prompts;
    for (const auto & click : clicks)
    {
      prompts.Positions.push_back(click.Position);
      prompts.Labels.push_back(click.Label);
    }
    prompts.Scribbles = scribbles;
    prompts.Alone = true;
    return cv::Mat(Adaptation::Fit(view, prompts).Apply(view) >= Adaptation::Threshold);
  };
}

InteractiveRow
Summarise(const std::string & method, const std::vector<ProtocolRun> & runs)
{
  InteractiveRow row;
  row.Method = method;
  row.MeanIoU.assign(runs.front().IoU.size(), 0.0);
  std::size_t clicks = 0, drops = 0;
  double      seconds = 0;
  for (const auto & run : runs)
  {
    for (std::size_t k = 0; k < run.IoU.size(); ++k)
    {
      row.MeanIoU[k] += run.IoU[k] / static_cast<double>(runs.size());
    }
    row.NoC85 += run.ClicksTo(0.85) / static_cast<double>(runs.size());
    row.NoC90 += run.ClicksTo(0.90) / static_cast<double>(runs.size());
    clicks += static_cast<std::size_t>(run.Clicks);
    drops += static_cast<std::size_t>(run.Drops);
    row.IoU.push_back(run.IoU);
    seconds += std::accumulate(run.Seconds.begin(), run.Seconds.end(), 0.0);
  }
  row.Steady = clicks == 0 ? 1.0 : 1.0 - static_cast<double>(drops) / static_cast<double>(clicks);
  row.SecondsPerClick = clicks == 0 ? 0.0 : seconds / static_cast<double>(clicks);
  return row;
}

/** The interactive tables of one set (BenchOptions::ProtocolClicks). */
void
RunInteractive(const std::vector<DatasetItem> & items, const std::shared_ptr<const SegmentationEngine> & engine,
               const BenchOptions & o, BenchTable & table)
{
  struct Sample
  {
    GrayImage2D::Pointer Image;
    cv::Mat              Truth, Automatic;
    Filter::Pointer      Segmenter;
  };
  // SCoP-SAM as the protocol prompts it on one sample: each mask given back with the next prompts unless
  // --no-previous-masks.
  const auto prompted = [&o](const Sample & s) {
    return FilterSegmenter(s.Segmenter, !o.NoPreviousMasks, s.Automatic);
  };
  std::vector<Sample> samples;
  for (const auto & item : items)
  {
    Sample sample;
    sample.Image = ReadGrayImage(item.ImagePath);
    sample.Truth = MatFromImage(ReadMask(item.MaskPath).GetPointer());
    sample.Segmenter = MakeFilter(sample.Image, engine, o);
    sample.Segmenter->SetSourceName(item.Name);
    sample.Segmenter->SetPromptsOnly(o.PromptsOnly);
    sample.Segmenter->Update();
    sample.Automatic = MatFromImage(sample.Segmenter->GetMaskOutput());
    samples.push_back(sample);
  }
  ProtocolOptions clicks, scribbles;
  clicks.MaximumClicks = scribbles.MaximumClicks = o.ProtocolClicks;
  scribbles.Scribbles = true;
  std::vector<ProtocolRun> withClicks, withScribbles, forest;
  for (std::size_t i = 0; i < samples.size(); ++i)
  {
    const auto & s = samples[i];
    withClicks.push_back(
      RunClickProtocol(s.Truth, cv::Mat(), s.Automatic, prompted(s), clicks));
    withScribbles.push_back(
      RunClickProtocol(s.Truth, cv::Mat(), s.Automatic, prompted(s), scribbles));
    const AdaptationImage view(NormalizedMat(s.Image), cv::Mat(), 0.5, cv::Mat(), "", items[i].Name);
    forest.push_back(RunClickProtocol(s.Truth, cv::Mat(), cv::Mat::zeros(s.Truth.size(), CV_8U),
                                      ClassicalForestSegmenter(view), clicks));
    if (o.Progress)
    {
      std::cerr << "\r" << fs::path(table.Dataset).filename().string() << ", interactive: " << i + 1 << "/"
                << samples.size() << std::flush;
    }
  }
  const std::string variant = std::string(o.PromptsOnly ? ", prompts only" : "") + (o.NoPreviousMasks ? ", no previous masks" : "") +
                              (o.NetworkClicks ? ", network clicks" : "");
  table.Interactive = { Summarise("SCoP-SAM, clicks" + variant, withClicks),
                        Summarise("SCoP-SAM, scribbles" + variant, withScribbles),
                        Summarise("random forest on classical features (ilastik-style), clicks", forest) };

  // Carrying an adaptation: made on each image with CarryClicks protocol clicks (or strokes), applied to the others.
  if (samples.size() < 2 || o.CarryClicks < 1)
  {
    return;
  }
  for (const bool strokes : { false, true })
  {
    double      carried = 0, automatic = 0;
    std::size_t sources = 0;
    for (std::size_t source = 0; source < samples.size(); ++source)
    {
      const auto &    s = samples[source];
      ProtocolOptions few;
      few.MaximumClicks = o.CarryClicks;
      few.Scribbles = strokes;
      if (RunClickProtocol(s.Truth, cv::Mat(), s.Automatic, prompted(s), few).Clicks == 0)
      {
        continue; // a perfect automatic mask: nothing to teach
      }
      const auto adaptation = s.Segmenter->GetAdaptation();
      if (!adaptation)
      {
        continue; // the network alone answered the clicks (--network-clicks --prompts-only): no head to carry
      }
      double     onTargets = 0, automaticOnTargets = 0;
      for (std::size_t target = 0; target < samples.size(); ++target)
      {
        if (target == source)
        {
          continue;
        }
        const auto & t = samples[target];
        t.Segmenter->ClearClicks();
        t.Segmenter->SetScribbleImage(nullptr);
        t.Segmenter->SetPreviousMask(nullptr);
        t.Segmenter->SetAdaptation(adaptation);
        t.Segmenter->Update();
        onTargets += MaskIoU(MatFromImage(t.Segmenter->GetMaskOutput()), t.Truth);
        automaticOnTargets += MaskIoU(t.Automatic, t.Truth);
        t.Segmenter->SetAdaptation(nullptr);
      }
      carried += onTargets / static_cast<double>(samples.size() - 1);
      automatic += automaticOnTargets / static_cast<double>(samples.size() - 1);
      ++sources;
    }
    if (sources > 0)
    {
      table.Carry.push_back({ std::string("SCoP-SAM adaptation from ") + std::to_string(o.CarryClicks) +
                                (strokes ? " scribbles" : " clicks") + variant,
                              carried / static_cast<double>(sources), automatic / static_cast<double>(sources) });
    }
  }
}

std::string
Figure(double value, int digits = 3)
{
  std::ostringstream text;
  text << std::fixed << std::setprecision(digits) << value;
  return text.str();
}

} // namespace

std::vector<BenchTable>
RunBench(const BenchOptions & o)
{
  if (o.Datasets.empty())
  {
    throw InputError("bench needs at least one dataset folder");
  }
  CheckThresholdArgument(o.Threshold);
  if (o.ProtocolClicks < 0 || o.ProtocolClicks > 100 || o.CarryClicks < 0 || o.CarryClicks > 100)
  {
    throw InputError("--clicks and --carry-clicks must be in [0, 100]");
  }
  if (o.PromptsOnly && o.ProtocolClicks == 0)
  {
    throw InputError("--prompts-only sets how the protocol's prompts act: give --clicks");
  }
  if (o.NetworkClicks && o.ProtocolClicks == 0)
  {
    throw InputError("--network-clicks sets how the protocol's clicks act: give --clicks");
  }
  if (o.NoPreviousMasks && o.ProtocolClicks == 0)
  {
    throw InputError("--no-previous-masks sets how the protocol's prompts act: give --clicks");
  }
  if (o.Model.empty() && !HasDefaultModel())
  {
    throw InputError("--model is required: this build embeds no default model");
  }
  for (const auto & output : { o.Markdown, o.JSON })
  {
    for (const auto & dataset : o.Datasets)
    {
      if (!output.empty() && LiesInside(output, dataset))
      {
        throw InputError("the output " + output + " lies inside the dataset " + dataset);
      }
    }
  }
  CheckThreadsArgument(o.Threads);
  DeviceOptions device;
  device.Device = o.Device;
  device.Threads = o.Threads;
  std::shared_ptr<const SegmentationEngine> model, priorOff;
  try
  {
    model = LoadSharedEngine(o.Model, device);
    if (!o.PriorOffModel.empty())
    {
      priorOff = LoadSharedEngine(o.PriorOffModel, device);
      const auto & config = priorOff->GetConfig();
      if (config.PriorsInEncoder || config.PriorsInPrompt || config.PriorsInDecoder)
      {
        throw InputError(o.PriorOffModel + " has prior entry points on: the prior-off row needs a network with all "
                                           "priors off (scopsam train --priors none)");
      }
    }
  }
  catch (const ModelError & e)
  {
    throw InputError(e.what());
  }

  struct Method
  {
    std::string                                                     Name;
    std::function<Prediction(const GrayImage2D *, const cv::Mat &, std::uint64_t)> Run;
    const SegmentationEngine *                                      Engine{ nullptr }; // the network; null: a baseline
  };
  std::vector<Method> methods{
    { "SCoP-SAM, automatic",
      [&](const GrayImage2D * image, const cv::Mat &, std::uint64_t) { return SegmentWithModel(image, model, {}, o); },
      model.get() },
    { "SCoP-SAM, 1 click",
      [&](const GrayImage2D * image, const cv::Mat & truth, std::uint64_t seed) {
        return SegmentWithModel(image, model, DrawClicks(truth, 1, seed), o);
      },
      model.get() },
    { "SCoP-SAM, 3 clicks",
      [&](const GrayImage2D * image, const cv::Mat & truth, std::uint64_t seed) {
        return SegmentWithModel(image, model, DrawClicks(truth, 3, seed), o);
      },
      model.get() },
  };
  if (priorOff)
  {
    methods.push_back({ "same network, priors off, automatic",
                        [&](const GrayImage2D * image, const cv::Mat &, std::uint64_t) {
                          return SegmentWithModel(image, priorOff, {}, o);
                        },
                        priorOff.get() });
  }
  methods.push_back({ "Otsu", [](const GrayImage2D * image, const cv::Mat &, std::uint64_t) {
                       return SegmentWithBaseline(image, BaselineMethod::Otsu);
                     } });
  methods.push_back({ "adaptive threshold", [](const GrayImage2D * image, const cv::Mat &, std::uint64_t) {
                       return SegmentWithBaseline(image, BaselineMethod::Adaptive);
                     } });

  std::vector<BenchTable> tables;
  for (const auto & dataset : o.Datasets)
  {
    std::error_code error;
    const bool      hasTestSplit = fs::exists(fs::path(dataset) / "splits" / "test.txt", error);
    const auto      items = ReadDataset(dataset, !o.Split.empty() ? o.Split : (hasTestSplit ? "test" : ""));
    std::vector<std::vector<SegmentationMetrics>> perMethod(methods.size());
    std::vector<std::vector<double>>              predictedIoU(methods.size()), headError(methods.size());
    std::size_t                                   index = 0;
    for (const auto & item : items)
    {
      if (item.MaskPath.empty())
      {
        throw InputError(item.ImagePath + " has no mask: bench needs annotated images");
      }
      const auto    image = ReadGrayImage(item.ImagePath);
      const cv::Mat truth = MatFromImage(ReadMask(item.MaskPath).GetPointer());
      const double  megapixels = static_cast<double>(truth.total()) / 1e6;
      for (std::size_t m = 0; m < methods.size(); ++m)
      {
        auto prediction = methods[m].Run(image, truth, o.Seed + index);
        auto metrics = EvaluateMasks(prediction.Mask, truth, o.Metrics);
        metrics.Name = item.Name;
        metrics.SecondsPerMegapixel = prediction.Seconds / megapixels;
        perMethod[m].push_back(metrics);
        if (prediction.Network)
        {
          predictedIoU[m].push_back(prediction.PredictedIoU);
          headError[m].push_back(std::abs(prediction.PredictedIoU - metrics.IoU));
        }
      }
      ++index;
      if (o.Progress)
      {
        std::cerr << "\r" << fs::path(dataset).filename().string() << ": " << index << "/" << items.size() << std::flush;
      }
    }
    if (o.Progress)
    {
      std::cerr << std::endl;
    }
    BenchTable table;
    table.Dataset = dataset;
    for (const auto & item : items)
    {
      table.Images.push_back(item.Name);
    }
    for (std::size_t m = 0; m < methods.size(); ++m)
    {
      BenchRow row{ methods[m].Name, Summarize(perMethod[m]).Mean };
      if (!predictedIoU[m].empty())
      {
        row.PredictedIoU = std::accumulate(predictedIoU[m].begin(), predictedIoU[m].end(), 0.0) /
                           static_cast<double>(predictedIoU[m].size());
        row.IoUHeadError = std::accumulate(headError[m].begin(), headError[m].end(), 0.0) / static_cast<double>(headError[m].size());
        row.IoUHead = methods[m].Engine->GetConfig().IoUHeadTrained ? "trained" : "untrained";
      }
      table.Rows.push_back(row);
    }
    if (o.ProtocolClicks > 0)
    {
      RunInteractive(items, model, o, table);
      if (o.Progress)
      {
        std::cerr << std::endl;
      }
    }
    tables.push_back(table);
  }
  if (!o.Markdown.empty())
  {
    WriteTextFile(o.Markdown, BenchToMarkdown(tables, o));
  }
  if (!o.JSON.empty())
  {
    nlohmann::json j = nlohmann::json::array();
    for (const auto & table : tables)
    {
      nlohmann::json rows = nlohmann::json::array();
      for (const auto & row : table.Rows)
      {
        const auto & m = row.Mean;
        rows.push_back({ { "method", row.Method }, { "iou", m.IoU }, { "dice", m.Dice }, { "precision", m.Precision },
                         { "recall", m.Recall }, { "boundary_f", m.BoundaryF }, { "object_f1", m.ObjectF1 },
                         { "seconds_per_megapixel", m.SecondsPerMegapixel },
                         { "predicted_iou", row.IoUHead.empty() ? nlohmann::json() : nlohmann::json(row.PredictedIoU) },
                         { "predicted_iou_error", row.IoUHead.empty() ? nlohmann::json() : nlohmann::json(row.IoUHeadError) },
                         { "predicted_iou_head", row.IoUHead.empty() ? nlohmann::json() : nlohmann::json(row.IoUHead) } });
      }
      nlohmann::json interactive = nlohmann::json::array(), carry = nlohmann::json::array();
      for (const auto & row : table.Interactive)
      {
        nlohmann::json images = nlohmann::json::array();
        for (std::size_t i = 0; i < row.IoU.size(); ++i)
        {
          images.push_back({ { "image", table.Images[i] }, { "iou_after_clicks", row.IoU[i] } });
        }
        interactive.push_back({ { "method", row.Method }, { "miou_after_clicks", row.MeanIoU }, { "noc85", row.NoC85 },
                                { "noc90", row.NoC90 }, { "steady_clicks", row.Steady },
                                { "seconds_per_click", row.SecondsPerClick }, { "images", images } });
      }
      for (const auto & row : table.Carry)
      {
        carry.push_back({ { "method", row.Method }, { "iou", row.IoU }, { "automatic_iou", row.AutomaticIoU } });
      }
      j.push_back({ { "dataset", table.Dataset }, { "images", table.Images.size() }, { "rows", rows },
                    { "interactive", interactive }, { "carry", carry } });
    }
    WriteTextFile(o.JSON, j.dump(2) + "\n");
  }
  return tables;
}

std::string
BenchToMarkdown(const std::vector<BenchTable> & tables, const BenchOptions & o)
{
  std::ostringstream md;
  for (const auto & table : tables)
  {
    md << "#### " << fs::path(table.Dataset).filename().string() << " (" << table.Images.size() << " images)\n\n"
       << "| method | IoU | Dice | precision | recall | boundary F | object F1 | s/Mpx | predicted IoU | its error |\n"
       << "|---|---|---|---|---|---|---|---|---|---|\n";
    for (const auto & row : table.Rows)
    {
      const auto & m = row.Mean;
      md << "| " << row.Method << " | " << Figure(m.IoU) << " | " << Figure(m.Dice) << " | " << Figure(m.Precision) << " | "
         << Figure(m.Recall) << " | " << Figure(m.BoundaryF) << " | " << Figure(m.ObjectF1) << " | "
         << Figure(m.SecondsPerMegapixel, 2) << " | "
         << (row.IoUHead.empty() ? std::string("-") : Figure(row.PredictedIoU) + (row.IoUHead == "trained" ? "" : " (untrained)"))
         << " | " << (row.IoUHead.empty() ? std::string("-") : Figure(row.IoUHeadError)) << " |\n";
    }
    md << "\n";
    if (!table.Interactive.empty())
    {
      const int         n = o.ProtocolClicks;
      std::vector<int>  ks{ 0, 1, 3, 5, 10, n };
      ks.erase(std::remove_if(ks.begin(), ks.end(), [n](int k) { return k > n; }), ks.end());
      ks.erase(std::unique(ks.begin(), ks.end()), ks.end());
      md << "| prompted method |";
      for (const int k : ks)
      {
        md << " mIoU@" << k << " |";
      }
      md << " NoC@85 | NoC@90 | clicks not lowering IoU | s/click |\n|---|";
      for (std::size_t i = 0; i < ks.size() + 4; ++i)
      {
        md << "---|";
      }
      md << "\n";
      for (const auto & row : table.Interactive)
      {
        md << "| " << row.Method << " |";
        for (const int k : ks)
        {
          md << " " << Figure(row.MeanIoU[static_cast<std::size_t>(k)]) << " |";
        }
        md << " " << Figure(row.NoC85, 2) << " | " << Figure(row.NoC90, 2) << " | " << Figure(100.0 * row.Steady, 1)
           << " % | " << Figure(row.SecondsPerClick, 3) << " |\n";
      }
      md << "\n";
    }
    if (!table.Carry.empty())
    {
      md << "| adaptation carried to the set's other images | IoU | automatic IoU, same images |\n|---|---|---|\n";
      for (const auto & row : table.Carry)
      {
        md << "| " << row.Method << " | " << Figure(row.IoU) << " | " << Figure(row.AutomaticIoU) << " |\n";
      }
      md << "\n";
    }
  }
  if (o.ProtocolClicks > 0)
  {
    md << "Interactive: RITM's protocol (each click at the deepest point of the larger error region of the last mask, "
          "positive in a missed region, negative in a false one, all clicks kept; scribbles: a straight stroke of at "
          "most 15 px through that point inside the region), up to "
       << o.ProtocolClicks
       << " clicks, from the automatic mask (SCoP-SAM) or an empty one (the forest); NoC@x: clicks until IoU >= x ("
       << o.ProtocolClicks << " where never), 0 where the start mask reaches it; means over images. Carried: each image "
          "adapted with " << o.CarryClicks << " protocol clicks or strokes, applied to the other images of its set.\n\n";
  }
  md << "Means over images. Model: " << (o.Model.empty() ? "the embedded default model" : o.Model)
     << "; priors off: " << (o.PriorOffModel.empty() ? "not given" : o.PriorOffModel) << "; threshold " << (o.Threshold >= 0.0 ? Figure(o.Threshold, 2) : std::string("each model's stored one"))
     << "; clicks drawn with seed " << o.Seed << "; boundary tolerance " << o.Metrics.BoundaryTolerance
     << " px; object match IoU " << o.Metrics.ObjectMatchIoU
     << ". Predicted IoU: the mean over images of what the network's own IoU head says of each automatic mask (marked "
        "untrained where no loss term fitted the head: then no measure of quality); its error: the mean over images of "
        "|predicted IoU - true IoU|.\n";
  return md.str();
}

Subcommand
RegisterBenchCommand(CLI::App & app)
{
  auto   o = std::make_shared<BenchOptions>();
  auto * command =
    app.add_subcommand("bench", "The accuracy table: SCoP-SAM (automatic, 1 and 3 clicks), priors off, Otsu, adaptive; with --clicks, the "
                       "interactive tables (RITM's click protocol).");
  command->add_option("DATASET", o->Datasets, "Dataset folders (their test split where there is one)")->required();
  command->add_option("--model", o->Model, "Model file (default: the embedded model)");
  command->add_option("--prior-off-model", o->PriorOffModel, "The same network trained with priors off and the same budget");
  command->add_option("--split", o->Split, "train, val or test (default: test where present, else all)")
    ->check(CLI::IsMember({ "train", "val", "test" }));
  command->add_option("--seed", o->Seed, "Seed of the simulated clicks")->capture_default_str();
  command->add_option("--threshold", o->Threshold,
                      "Probability at or above which a pixel is phase (default -1: each model's stored threshold)")
    ->capture_default_str();
  command->add_option("--threads", o->Threads, "Threads (0: all cores)")->capture_default_str();
  command->add_option("--device", o->Device, "cpu, cuda, cuda:N or auto")->capture_default_str();
  command->add_option("--clicks", o->ProtocolClicks,
                      "Also the interactive tables: RITM's click protocol with up to this many clicks (20 is the standard)")
    ->capture_default_str();
  command->add_option("--carry-clicks", o->CarryClicks,
                      "With --clicks: adaptations made from this many protocol clicks, carried to the set's other images")
    ->capture_default_str();
  command->add_flag("--prompts-only", o->PromptsOnly,
                    "With --clicks: SCoP-SAM's clicks and scribbles alone define the phase (segment --prompts-only)");
  command->add_flag("--no-previous-masks", o->NoPreviousMasks,
                    "With --clicks: each protocol step from its prompts alone (by default each mask goes back with the "
                    "next prompts, as segment --previous-mask)");
  command->add_flag("--network-clicks", o->NetworkClicks,
                    "With --clicks: clicks go to the network's click path as well as to the prompt head "
                    "(segment --network-clicks)");
  command->add_option("--markdown", o->Markdown, "Write the Markdown tables here");
  command->add_option("--json", o->JSON, "Write JSON here");
  return { command, [o] {
            o->Progress = isatty(STDERR_FILENO) != 0;
            std::cout << BenchToMarkdown(RunBench(*o), *o);
          } };
}

} // namespace scopsam
