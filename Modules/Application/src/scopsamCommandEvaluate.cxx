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
#include "scopsamCommandEvaluate.h"
#include "scopsamCommandRegistration.h"

#include "scopsamDataset.h"
#include "scopsamImageIO.h"
#include "scopsamOpenCVBridge.h"

#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>
#include <memory>

namespace fs = std::filesystem;

namespace scopsam
{
namespace
{

cv::Mat
MaskMat(const std::string & path)
{
  return MatFromImage(ReadMask(path).GetPointer());
}

/** The annotated items a truth argument names: one mask file, a folder of masks, or a dataset folder. */
std::vector<DatasetItem>
TruthItems(const std::string & truth, const std::string & split)
{
  std::error_code error;
  if (!fs::is_directory(truth, error))
  {
    InspectImageFile(truth);
    return { { fs::path(truth).stem().string(), "", truth } };
  }
  if (fs::is_directory(fs::path(truth) / "images", error) || fs::is_directory(fs::path(truth) / "image", error))
  {
    std::vector<DatasetItem> items;
    for (const auto & item : ReadDataset(truth, split))
    {
      if (item.MaskPath.empty())
      {
        throw InputError("the dataset image " + item.ImagePath + " has no mask");
      }
      items.push_back(item);
    }
    return items;
  }
  if (!split.empty())
  {
    throw InputError("--split needs a dataset folder as the truth, got the mask folder " + truth);
  }
  std::vector<DatasetItem> items;
  for (auto item : ListImages(truth))
  {
    // A mask folder: names may carry the public sets' _mask or _L suffix.
    for (const std::string suffix : { "_mask", "_L" })
    {
      if (item.Name.size() > suffix.size() && item.Name.compare(item.Name.size() - suffix.size(), suffix.size(), suffix) == 0)
      {
        item.Name.erase(item.Name.size() - suffix.size());
        break;
      }
    }
    item.MaskPath = item.ImagePath;
    item.ImagePath.clear();
    items.push_back(item);
  }
  if (items.empty())
  {
    throw InputError("no masks in " + truth);
  }
  return items;
}

/** Items of an image argument: one file, a folder of images, or a dataset folder. */
std::vector<DatasetItem>
InputItems(const std::string & input, const std::string & split)
{
  std::error_code error;
  if (!fs::is_directory(input, error))
  {
    InspectImageFile(input);
    return { { fs::path(input).stem().string(), input, "" } };
  }
  if (fs::is_directory(fs::path(input) / "images", error) || fs::is_directory(fs::path(input) / "image", error))
  {
    return ReadDataset(input, split);
  }
  auto items = ListImages(input);
  if (items.empty())
  {
    throw InputError("no images in " + input);
  }
  return items;
}

} // namespace

EvaluationSummary
RunEvaluate(const EvaluateOptions & o)
{
  if (!(o.Metrics.BoundaryTolerance >= 0.0 && o.Metrics.BoundaryTolerance <= 100.0))
  {
    throw InputError("--tolerance must be in [0, 100] pixels");
  }
  if (!(o.Metrics.ObjectMatchIoU >= 0.5 && o.Metrics.ObjectMatchIoU <= 1.0))
  {
    throw InputError("--object-iou must be in [0.5, 1] (below 0.5 an object could match two)");
  }
  const auto      truthItems = TruthItems(o.Truth, o.Split);
  std::error_code error;
  const bool      predictionIsFolder = fs::is_directory(o.Prediction, error);
  if (!predictionIsFolder && truthItems.size() > 1)
  {
    throw InputError("the truth holds " + std::to_string(truthItems.size()) + " masks: give a prediction folder");
  }
  const cv::Mat ignore = o.Exclude.empty() ? cv::Mat() : MaskMat(o.Exclude);
  std::vector<SegmentationMetrics> rows;
  for (const auto & item : truthItems)
  {
    const std::string predictionPath = predictionIsFolder ? FindMask(o.Prediction, item.Name) : o.Prediction;
    if (predictionPath.empty())
    {
      throw InputError("no prediction for " + item.Name + " in " + o.Prediction);
    }
    const cv::Mat prediction = MaskMat(predictionPath), truth = MaskMat(item.MaskPath);
    if (prediction.size() != truth.size())
    {
      throw InputError("the prediction " + predictionPath + " is " + std::to_string(prediction.cols) + "x" +
                       std::to_string(prediction.rows) + " but its truth " + item.MaskPath + " is " +
                       std::to_string(truth.cols) + "x" + std::to_string(truth.rows));
    }
    SegmentationMetrics metrics = EvaluateMasks(prediction, truth, o.Metrics, ignore);
    metrics.Name = item.Name;
    rows.push_back(metrics);
  }
  const EvaluationSummary summary = Summarize(rows);
  const std::vector<std::string> inputs{ o.Prediction, o.Truth, o.Exclude };
  if (!o.Markdown.empty())
  {
    RefuseToOverwriteInputs(o.Markdown, inputs);
    WriteTextFile(o.Markdown, ToMarkdown(summary));
  }
  if (!o.JSON.empty())
  {
    RefuseToOverwriteInputs(o.JSON, inputs);
    WriteTextFile(o.JSON, ToJSON(summary, o.Metrics));
  }
  if (!o.CSV.empty())
  {
    RefuseToOverwriteInputs(o.CSV, inputs);
    WriteTextFile(o.CSV, ToCSV(summary));
  }
  return summary;
}

std::vector<std::string>
RunBaseline(const BaselineCommandOptions & o)
{
  const auto      items = InputItems(o.Input, o.Split);
  std::error_code error;
  const bool      single = !fs::is_directory(o.Input, error);
  if (!single)
  {
    if (fs::exists(o.Output, error) && !fs::is_directory(o.Output, error))
    {
      throw InputError("the output " + o.Output + " must be a folder when the input is a folder");
    }
    fs::create_directories(o.Output, error);
    if (error)
    {
      throw InputError("cannot create " + o.Output + ": " + error.message());
    }
  }
  std::vector<std::string> written;
  for (const auto & item : items)
  {
    const std::string out = single ? o.Output : (fs::path(o.Output) / (item.Name + ".png")).string();
    RefuseToOverwriteInputs(out, { item.ImagePath, item.MaskPath });
    const auto    image = ReadGrayImage(item.ImagePath);
    const cv::Mat mask = SegmentBaseline(NormalizedMat(image.GetPointer()), o.Baseline);
    scopsam::WriteImage(ImageFromMat<unsigned char>(mask).GetPointer(), out);
    written.push_back(out);
  }
  return written;
}

Subcommand
RegisterEvaluateCommand(CLI::App & app)
{
  struct Arguments
  {
    EvaluateOptions evaluate;
    bool            quiet = false;
  };
  auto   a = std::make_shared<Arguments>();
  auto * command = app.add_subcommand("evaluate", "Compare predicted masks with the ground truth.");
  command->add_option("PREDICTION", a->evaluate.Prediction, "A mask or a folder of masks named like the truth")->required();
  command->add_option("TRUTH", a->evaluate.Truth, "A mask, a folder of masks or a dataset folder")->required();
  command->add_option("--split", a->evaluate.Split, "With a dataset: train, val or test")
    ->check(CLI::IsMember({ "train", "val", "test" }));
  command->add_option("--exclude", a->evaluate.Exclude, "Mask of pixels that do not count");
  command->add_option("--tolerance", a->evaluate.Metrics.BoundaryTolerance, "Boundary F tolerance (px)")->capture_default_str();
  command->add_option("--object-iou", a->evaluate.Metrics.ObjectMatchIoU, "IoU at which objects match")->capture_default_str();
  command->add_option("--markdown", a->evaluate.Markdown, "Write the Markdown table here");
  command->add_option("--json", a->evaluate.JSON, "Write JSON here");
  command->add_option("--csv", a->evaluate.CSV, "Write CSV here");
  command->add_flag("--quiet", a->quiet, "Do not print the table");
  return { command, [a] {
            const auto summary = RunEvaluate(a->evaluate);
            if (!a->quiet)
            {
              std::cout << ToMarkdown(summary);
            }
          } };
}

Subcommand
RegisterBaselineCommand(CLI::App & app)
{
  struct Arguments
  {
    BaselineCommandOptions baseline;
    std::string            method = "otsu", polarity = "auto";
  };
  auto   a = std::make_shared<Arguments>();
  auto * command = app.add_subcommand("baseline", "Threshold baselines (Otsu, adaptive).");
  command->add_option("INPUT", a->baseline.Input, "An image, a folder of images or a dataset")->required();
  command->add_option("OUTPUT", a->baseline.Output, "A mask file (for one image) or a folder")->required();
  command->add_option("--method", a->method, "otsu or adaptive")
    ->check(CLI::IsMember({ "otsu", "adaptive" }))
    ->capture_default_str();
  command->add_option("--polarity", a->polarity, "bright, dark or auto (the minority class)")
    ->check(CLI::IsMember({ "bright", "dark", "auto" }))
    ->capture_default_str();
  command->add_option("--block-size", a->baseline.Baseline.BlockSize, "Adaptive window (odd, px)")->capture_default_str();
  command->add_option("--offset", a->baseline.Baseline.Offset, "Adaptive offset (normalised gray levels)")
    ->capture_default_str();
  command->add_option("--split", a->baseline.Split, "With a dataset: train, val or test")
    ->check(CLI::IsMember({ "train", "val", "test" }));
  return { command, [a] {
            a->baseline.Baseline.Method = ParseBaselineMethod(a->method);
            a->baseline.Baseline.Polarity = a->polarity == "bright" ? 1 : (a->polarity == "dark" ? -1 : 0);
            RunBaseline(a->baseline);
          } };
}

} // namespace scopsam
