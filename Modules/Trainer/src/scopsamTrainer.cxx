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
#include "scopsamTrainer.h"

#include "scopsamJSONNumbers.h"
#include "scopsamLoadedModel.h"
#include "scopsamModelFiles.h"
#include "scopsamProtocolClick.h"
#include "scopsamTrainerLoss.h"
#include "scopsamThreadSettings.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <random>
#include <sstream>

namespace fs = std::filesystem;

namespace scopsam
{

struct Trainer::Impl
{
  SegmentationEngine &                   Engine;
  network::SCoPSAMNet                    TeacherNet{ nullptr }; // SetTeacher(): the synthetic tiles' teacher
  TrainingOptions                        Options;
  std::unique_ptr<torch::optim::AdamW>   Optimizer;
  int                                    Step{ 0 };

  Impl(SegmentationEngine & engine, const TrainingOptions & options)
    : Engine(engine)
    , Options(options)
  {}

  /** The engine's threads for LibTorch and one for BLAS while the trainer runs; without a thread count (0) both
   * libraries' own settings. */
  ScopedThreadSettings
  Threads()
  {
    const int threads = ModelOf(Engine).Threads;
    return ScopedThreadSettings(threads, threads > 0 ? 1 : 0);
  }

  network::SCoPSAMNet &
  Net()
  {
    return ModelOf(Engine).Net;
  }

  torch::Device
  Device()
  {
    return ModelOf(Engine).Device;
  }

  double
  LearningRate(int step) const
  {
    const double base = Options.LearningRate;
    if (step < Options.WarmupSteps)
    {
      return base * (step + 1) / Options.WarmupSteps;
    }
    const double progress = static_cast<double>(step - Options.WarmupSteps) / std::max(1, Options.Steps - Options.WarmupSteps);
    const double minimum = base * Options.MinimumLearningRateFraction;
    return minimum + (base - minimum) * 0.5 * (1.0 + std::cos(M_PI * std::min(1.0, progress)));
  }

  /** Stacks samples into [B, 1, T, T] image, [B, P, T, T] priors and [B, 1, T, T] mask tensors on the device. */
  std::tuple<torch::Tensor, torch::Tensor, torch::Tensor>
  Stack(const std::vector<TrainingSample> & samples)
  {
    const int64_t B = static_cast<int64_t>(samples.size());
    const int64_t T = samples.front().Size;
    const int64_t P = Engine.GetConfig().PriorChannels;
    auto          image = torch::empty({ B, 1, T, T });
    auto          priors = torch::empty({ B, P, T, T });
    auto          mask = torch::empty({ B, 1, T, T });
    for (int64_t b = 0; b < B; ++b)
    {
      const auto & s = samples[static_cast<std::size_t>(b)];
      if (s.Size != T || static_cast<int64_t>(s.Image.size()) != T * T || static_cast<int64_t>(s.Priors.size()) != P * T * T ||
          static_cast<int64_t>(s.Mask.size()) != T * T)
      {
        throw ModelError("a training sample does not have the batch's size or the model's prior channels");
      }
      std::copy(s.Image.begin(), s.Image.end(), image[b].data_ptr<float>());
      std::copy(s.Priors.begin(), s.Priors.end(), priors[b].data_ptr<float>());
      std::copy(s.Mask.begin(), s.Mask.end(), mask[b].data_ptr<float>());
    }
    return { image.to(Device()), priors.to(Device()), mask.to(Device()) };
  }

  /** The network's output for a batch, and where a teacher is set, its probabilities for the batch's synthetic tiles
   * (Distilled: their indices in the batch). */
  struct BatchPrediction
  {
    network::MaskPrediction Prediction;
    std::vector<int64_t>    Distilled;
    torch::Tensor           TeacherProbability; // [Distilled.size(), 1, T, T]
  };

  /** Logits of a batch, each tile with its own simulated clicks (or none). Clicks on a tile of one phase: positives
   * on the phase, negatives off it. A tile of two phases (TrainingSample::Phases) gets, two times in three, clicks
   * that pick one phase - positives on it, negatives (if any) on the other - and that phase becomes the tile's target
   * in `mask`: a click says which phase is wanted, everywhere. */
  BatchPrediction
  Forward(const torch::Tensor & image, const torch::Tensor & priors, const std::vector<TrainingSample> & samples,
          std::mt19937_64 & random, torch::Tensor & mask)
  {
    auto &        net = Net();
    const auto    embedding = net->encode(image, priors);
    const int64_t B = image.size(0);
    const bool    distilling =
      !TeacherNet.is_empty() && std::any_of(samples.begin(), samples.end(), [](const TrainingSample & t) { return t.Synthetic; });
    torch::Tensor teacherEmbedding;
    if (distilling)
    {
      torch::NoGradGuard noGradient;
      teacherEmbedding = TeacherNet->encode(image, priors);
    }
    BatchPrediction                        out;
    std::vector<torch::Tensor>             logits, predictedIoU, teacherProbability;
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    for (int64_t b = 0; b < B; ++b)
    {
      const auto &       sample = samples[static_cast<std::size_t>(b)];
      std::vector<float> xy, labels;
      auto               tilePriors = priors.narrow(0, b, 1);
      // One network's mask of this tile under the clicks `at` / `label` (that network's embedding of the batch).
      const auto decodeWith = [&](network::SCoPSAMNet & with, const torch::Tensor & batchEmbedding,
                                  const std::vector<float> & at, const std::vector<float> & label) {
        const int64_t        K = static_cast<int64_t>(label.size());
        const auto           tileEmbedding = batchEmbedding.narrow(0, b, 1);
        network::TilePrompts prompts;
        auto coordinates = torch::from_blob(const_cast<float *>(at.data()), { 1, K, 2 }).clone().to(Device());
        auto pointLabels = torch::from_blob(const_cast<float *>(label.data()), { 1, K }).clone().to(Device());
        prompts.PointCoordinates = coordinates;
        prompts.PointLabels = pointLabels;
        prompts.Appearance = K > 0 ? with->prompt_encoder->appearanceTokens(tileEmbedding, tilePriors, coordinates[0],
                                                                              pointLabels[0])
                                   : torch::Tensor();
        return with->decode(tileEmbedding, image.narrow(0, b, 1), tilePriors, prompts);
      };
      const auto decode = [&](const std::vector<float> & at, const std::vector<float> & label) {
        return decodeWith(net, embedding, at, label);
      };
      // A prompted dataset's tile always gets clicks (without consuming the draw, so that runs without one repeat).
      const bool prompted = sample.PromptedOnly || unit(random) < Options.PromptedFraction;
      // Some prompted tiles get the clicks a user gives: each on the error of the mask the clicks before it give,
      // the first on the error of the network's own automatic mask.
      if (prompted && Options.ErrorClicks > 0.0 && unit(random) < Options.ErrorClicks)
      {
        const int rounds = Options.ErrorClickRounds > 1
                             ? std::uniform_int_distribution<int>(1, Options.ErrorClickRounds)(random)
                             : 1;
        std::vector<std::uint8_t> predicted, truth(sample.Mask.size());
        std::transform(sample.Mask.begin(), sample.Mask.end(), truth.begin(), [](float m) { return m > 0.5f; });
        for (int round = 0; round < rounds; ++round)
        {
          {
            torch::NoGradGuard noGradient;
            const auto mask = (decode(xy, labels).Logits > 0).to(torch::kUInt8).cpu().contiguous();
            predicted.assign(mask.data_ptr<std::uint8_t>(), mask.data_ptr<std::uint8_t>() + mask.numel());
          }
          ErrorClick click;
          if (!ErrorRegionClick(predicted, truth, sample.Size, random, click))
          {
            break; // no error left
          }
          xy.insert(xy.end(), { static_cast<float>(click.X), static_cast<float>(click.Y) });
          labels.push_back(static_cast<float>(click.Label));
        }
      }
      if (prompted && labels.empty())
      {
        std::vector<int64_t> on, off;
        if (!sample.Phases.empty() && unit(random) < 2.0 / 3.0)
        {
          const std::uint8_t wanted = unit(random) < 0.5 ? 1 : 2;
          for (int64_t i = 0; i < static_cast<int64_t>(sample.Phases.size()); ++i)
          {
            const auto phase = sample.Phases[static_cast<std::size_t>(i)];
            if (phase != 0)
            {
              (phase == wanted ? on : off).push_back(i);
            }
          }
          if (!on.empty())
          {
            std::vector<float> target(sample.Phases.size());
            std::transform(sample.Phases.begin(), sample.Phases.end(), target.begin(),
                           [wanted](std::uint8_t phase) { return phase == wanted ? 1.0f : 0.0f; });
            mask[b].copy_(torch::from_blob(target.data(), mask[b].sizes()).to(mask.device()));
          }
        }
        if (on.empty())
        {
          // Clicks drawn from the mask: positives on the phase, negatives off it.
          off.clear();
          for (int64_t i = 0; i < static_cast<int64_t>(sample.Mask.size()); ++i)
          {
            (sample.Mask[static_cast<std::size_t>(i)] > 0.5f ? on : off).push_back(i);
          }
        }
        int positives = on.empty() ? 0 : std::uniform_int_distribution<int>(1, Options.MaxPositiveClicks)(random);
        int negatives = off.empty() ? 0 : std::uniform_int_distribution<int>(0, Options.MaxNegativeClicks)(random);
        if (sample.PromptedOnly && Options.NegativeClicksAlone > 0.0 && positives > 0 && !off.empty() &&
            unit(random) < Options.NegativeClicksAlone)
        {
          positives = 0; // "not this" alone: where a mask of the other phase gets its first clicks
          negatives = std::max(negatives, 1);
        }
        if (sample.PromptedOnly && positives == 0 && negatives == 0 && !off.empty())
        {
          negatives = 1; // a tile without the phase: "not this" somewhere, never automatic mode on this target
        }
        for (int k = 0; k < positives + negatives; ++k)
        {
          const auto & pool = k < positives ? on : off;
          const auto   at = pool[std::uniform_int_distribution<std::size_t>(0, pool.size() - 1)(random)];
          xy.push_back(static_cast<float>(at % sample.Size));
          xy.push_back(static_cast<float>(at / sample.Size));
          labels.push_back(k < positives ? 1.0f : 0.0f);
        }
      }
      auto decoded = decode(xy, labels);
      logits.push_back(decoded.Logits);
      predictedIoU.push_back(decoded.PredictedIoU);
      if (distilling && sample.Synthetic)
      {
        torch::NoGradGuard noGradient;
        teacherProbability.push_back(torch::sigmoid(decodeWith(TeacherNet, teacherEmbedding, xy, labels).Logits));
        out.Distilled.push_back(b);
      }
    }
    out.Prediction.Logits = torch::cat(logits, 0);
    out.Prediction.PredictedIoU = torch::cat(predictedIoU, 0);
    if (!out.Distilled.empty())
    {
      out.TeacherProbability = torch::cat(teacherProbability, 0);
    }
    return out;
  }

  /** BCE (weighted by BoundaryWeights() where BoundaryWeight > 0) + DiceWeight x (1 - soft Dice) on the mask, plus
   * IoUWeight x the squared error of the IoU head against the true IoU of each tile's mask at probability 0.5 (SAM's
   * iou_prediction loss; the target carries no gradient), plus DistillationWeight x the BCE of the distilled tiles'
   * masks against the teacher's probabilities. */
  torch::Tensor
  Loss(const BatchPrediction & batch, const torch::Tensor & mask)
  {
    const auto & prediction = batch.Prediction;
    const auto & logits = prediction.Logits;
    const auto   bce = Options.BoundaryWeight > 0.0
                         ? torch::binary_cross_entropy_with_logits(logits, mask, BoundaryWeights(mask, Options.BoundaryWeight))
                         : torch::binary_cross_entropy_with_logits(logits, mask);
    const auto   p = torch::sigmoid(logits).flatten(1);
    const auto   m = mask.flatten(1);
    const auto   dice = (2.0 * (p * m).sum(1) + 1.0) / (p.sum(1) + m.sum(1) + 1.0);
    auto         loss = bce + Options.DiceWeight * (1.0 - dice).mean();
    if (Options.IoUWeight > 0.0 && prediction.PredictedIoU.defined())
    {
      const auto hard = (logits.detach() > 0).to(torch::kFloat32).flatten(1);
      const auto intersection = (hard * m).sum(1);
      const auto unionArea = hard.sum(1) + m.sum(1) - intersection;
      const auto trueIoU = torch::where(unionArea > 0, intersection / unionArea.clamp_min(1.0), torch::ones_like(unionArea));
      loss = loss + Options.IoUWeight * torch::mse_loss(prediction.PredictedIoU.reshape({ -1 }), trueIoU);
    }
    if (!batch.Distilled.empty() && Options.DistillationWeight > 0.0)
    {
      const auto tiles = torch::tensor(batch.Distilled, torch::TensorOptions().dtype(torch::kLong).device(logits.device()));
      loss = loss + Options.DistillationWeight *
                      torch::binary_cross_entropy_with_logits(logits.index_select(0, tiles), batch.TeacherProbability);
    }
    return loss;
  }

  // The best validation so far (whole validation images), kept as best.pt in the checkpoint folder.
  double BestScore{ -1 };
  int    BestStep{ 0 };
  double BestThreshold{ 0.5 };

  std::string
  BestPath() const
  {
    return Options.CheckpointFolder.empty() ? std::string() : (fs::path(Options.CheckpointFolder) / "best.pt").string();
  }

  void
  SaveCheckpoint()
  {
    if (Options.CheckpointFolder.empty())
    {
      return;
    }
    const fs::path folder(Options.CheckpointFolder);
    fs::create_directories(folder);
    Engine.Save((folder / "model.pt").string());
    std::ostringstream optimizer; // in memory first, as model files (WriteFileAtomically())
    torch::save(*Optimizer, optimizer);
    WriteFileAtomically((folder / "optimizer.pt").string(), std::move(optimizer).str());
    nlohmann::json state;
    state["step"] = Step;
    state["steps"] = Options.Steps;
    state["seed"] = Options.Seed;
    state["batch_size"] = Options.BatchSize;
    state["learning_rate"] = Options.LearningRate;
    state["best_score"] = BestScore;
    state["best_step"] = BestStep;
    state["best_threshold"] = BestThreshold;
    WriteFileAtomically((folder / "state.json").string(), state.dump(2) + "\n");
  }
};

bool
ErrorRegionClick(const std::vector<std::uint8_t> & predicted, const std::vector<std::uint8_t> & truth, std::int64_t size,
                 std::mt19937_64 & random, ErrorClick & click)
{
  const auto pixels = static_cast<std::size_t>(size * size);
  if (size < 1 || predicted.size() != pixels || truth.size() != pixels)
  {
    throw ModelError("an error click needs a predicted and a true mask of the tile's size");
  }
  // Per pixel: 1 missed, 2 false, 0 right.
  std::vector<std::uint8_t> error(pixels);
  for (std::size_t i = 0; i < pixels; ++i)
  {
    error[i] = truth[i] && !predicted[i] ? 1 : (!truth[i] && predicted[i] ? 2 : 0);
  }
  constexpr std::int64_t Reach = 2; // the interior: a 5 x 5 neighbourhood of the same error, inside the tile
  std::vector<std::int64_t> interior, any;
  for (std::int64_t y = 0; y < size; ++y)
  {
    for (std::int64_t x = 0; x < size; ++x)
    {
      const auto kind = error[static_cast<std::size_t>(y * size + x)];
      if (kind == 0)
      {
        continue;
      }
      any.push_back(y * size + x);
      bool inside = y >= Reach && x >= Reach && y < size - Reach && x < size - Reach;
      for (std::int64_t dy = -Reach; inside && dy <= Reach; ++dy)
      {
        for (std::int64_t dx = -Reach; inside && dx <= Reach; ++dx)
        {
          inside = error[static_cast<std::size_t>((y + dy) * size + x + dx)] == kind;
        }
      }
      if (inside)
      {
        interior.push_back(y * size + x);
      }
    }
  }
  const auto & pool = interior.empty() ? any : interior;
  if (pool.empty())
  {
    return false;
  }
  const auto at = pool[std::uniform_int_distribution<std::size_t>(0, pool.size() - 1)(random)];
  click.X = at % size;
  click.Y = at / size;
  click.Label = error[static_cast<std::size_t>(at)] == 1 ? 1 : 0;
  return true;
}

Trainer::Trainer(SegmentationEngine & engine, const TrainingOptions & options)
  : m_Impl(std::make_unique<Impl>(engine, options))
{
  if (engine.IsTorchScript())
  {
    throw ModelError("a TorchScript model cannot be trained here: train a SCoP-SAM model file");
  }
  if (options.Steps < 1 || options.BatchSize < 1 || !(options.LearningRate > 0) || options.WarmupSteps < 1 ||
      options.ValidateEvery < 1 || options.CheckpointEvery < 1 || options.MaxPositiveClicks < 1 || options.MaxNegativeClicks < 0)
  {
    throw ModelError("invalid training options: steps, batch size, warm-up, intervals and positive clicks must be positive");
  }
  if (!(options.DistillationWeight >= 0.0 && options.DistillationWeight <= 100.0))
  {
    throw ModelError("invalid training options: the distillation weight lies in [0, 100]");
  }
  if (!(options.BoundaryWeight >= 0.0 && options.BoundaryWeight <= 100.0))
  {
    throw ModelError("invalid training options: the boundary weight lies in [0, 100]");
  }
  if (options.ValidationClicks < 1 || options.ValidationClicks > 20)
  {
    throw ModelError("invalid training options: a prompted validation image takes 1 to 20 protocol clicks");
  }
  if (!(options.ErrorClicks >= 0.0 && options.ErrorClicks <= 1.0) || options.ErrorClickRounds < 1 ||
      options.ErrorClickRounds > 20)
  {
    throw ModelError("invalid training options: the share of error clicks lies in [0, 1], their rounds in [1, 20]");
  }
  if (!(options.NegativeClicksAlone >= 0.0 && options.NegativeClicksAlone <= 1.0) ||
      (options.NegativeClicksAlone > 0.0 && options.MaxNegativeClicks < 1))
  {
    throw ModelError("invalid training options: the share of negative clicks alone lies in [0, 1] and needs negative clicks");
  }
  auto & model = ModelOf(engine);
  if (model.Half)
  {
    throw ModelError("training runs in single precision: do not ask for half precision");
  }
  m_Impl->Optimizer = std::make_unique<torch::optim::AdamW>(
    model.Net->parameters(), torch::optim::AdamWOptions(options.LearningRate).weight_decay(options.WeightDecay));
}

Trainer::~Trainer() = default;

int
Trainer::GetStep() const
{
  return m_Impl->Step;
}

void
Trainer::SetTeacher(const SegmentationEngine & teacher)
{
  if (teacher.IsTorchScript())
  {
    throw ModelError("a teacher must be a SCoP-SAM model file, not TorchScript");
  }
  const auto & student = ModelOf(m_Impl->Engine);
  const auto & taught = ModelOf(teacher);
  if (taught.Config.TileSize != student.Config.TileSize || taught.Config.PriorChannels != student.Config.PriorChannels ||
      taught.Device != student.Device)
  {
    throw ModelError("the teacher does not fit the network it teaches: it needs the same tile size (" +
                     std::to_string(student.Config.TileSize) + "), prior channels (" +
                     std::to_string(student.Config.PriorChannels) + ") and device");
  }
  m_Impl->TeacherNet = taught.Net;
  m_Impl->TeacherNet->eval();
}

void
Trainer::Resume(const std::string & checkpointFolder)
{
  const fs::path folder(checkpointFolder);
  std::ifstream  in(folder / "state.json");
  if (!in || !fs::exists(folder / "model.pt") || !fs::exists(folder / "optimizer.pt"))
  {
    throw ModelError("no checkpoint in " + checkpointFolder + " (model.pt, optimizer.pt and state.json are needed)");
  }
  nlohmann::json state;
  try
  {
    state = nlohmann::json::parse(in);
  }
  catch (const std::exception & e)
  {
    throw ModelError(checkpointFolder + "/state.json is not readable: " + e.what());
  }
  // A state written by another run, or damaged: every failure below is "this checkpoint is unusable" (ModelError),
  // never LibTorch's or the JSON library's own exception.
  try
  {
    if ((state.contains("seed") ? JSONInteger<std::uint64_t>(state.at("seed")) : std::uint64_t{ 0 }) != m_Impl->Options.Seed || (state.contains("batch_size") ? JSONInteger<int>(state.at("batch_size")) : 0) != m_Impl->Options.BatchSize)
    {
      throw ModelError("the checkpoint in " + checkpointFolder + " was made with another seed or batch size");
    }
    auto stored = SegmentationEngine::Load((folder / "model.pt").string());
    if (!(stored->GetConfig() == m_Impl->Engine.GetConfig()))
    {
      throw ModelError("the checkpoint's model has another configuration than the one being trained");
    }
    {
      torch::NoGradGuard noGrad;
      auto               source = ModelOf(*stored).Net->named_parameters();
      for (auto & p : m_Impl->Net()->named_parameters())
      {
        p.value().copy_(source[p.key()]);
      }
      auto sourceBuffers = ModelOf(*stored).Net->named_buffers();
      for (auto & b : m_Impl->Net()->named_buffers())
      {
        b.value().copy_(sourceBuffers[b.key()]);
      }
    }
    torch::load(*m_Impl->Optimizer, (folder / "optimizer.pt").string());
    m_Impl->Step = JSONInteger<int>(state.at("step"));
    m_Impl->BestScore = state.value("best_score", -1.0);
    m_Impl->BestStep = state.contains("best_step") ? JSONInteger<int>(state.at("best_step")) : 0;
    m_Impl->BestThreshold = state.value("best_threshold", 0.5);
  }
  catch (const ModelError &)
  {
    throw;
  }
  catch (const std::exception & e)
  {
    const std::string what = e.what(); // LibTorch's: the message, then where it was raised
    throw ModelError("the checkpoint in " + checkpointFolder + " is damaged: " + what.substr(0, what.find('\n')));
  }
  if (m_Impl->Step < 0 || m_Impl->BestStep < 0 || m_Impl->BestStep > m_Impl->Step ||
      !(m_Impl->BestThreshold >= 0.0 && m_Impl->BestThreshold <= 1.0) || !std::isfinite(m_Impl->BestScore))
  {
    throw ModelError("the checkpoint in " + checkpointFolder + " is damaged: its step, best step, threshold or score "
                     "is not one a run writes");
  }
  if (m_Impl->Step > m_Impl->Options.Steps)
  {
    throw ModelError("the checkpoint in " + checkpointFolder + " is at step " + std::to_string(m_Impl->Step) +
                     ", beyond the " + std::to_string(m_Impl->Options.Steps) + " steps of this run: give at least " +
                     std::to_string(m_Impl->Step) + " steps");
  }
}

std::string
Trainer::GetBestModelPath() const
{
  const auto path = m_Impl->BestPath();
  return !path.empty() && m_Impl->BestScore >= 0.0 && fs::exists(path) ? path : std::string();
}

ValidationScore
Trainer::ValidateImages(const std::vector<ValidationImage> & images)
{
  ValidationScore score;
  if (images.empty())
  {
    return score;
  }
  auto & engine = m_Impl->Engine;
  auto & net = m_Impl->Net();
  net->eval();
  constexpr int Candidates = 13; // thresholds 0.20, 0.25, ..., 0.80
  const auto    candidate = [](int c) { return 0.20f + 0.05f * static_cast<float>(c); }; // in single precision
  const auto    maskIoU = [](const std::vector<float> & probability, float t, const std::vector<float> & truth) {
    double intersection = 0, unionArea = 0;
    for (std::size_t i = 0; i < probability.size(); ++i)
    {
      const bool predicted = probability[i] >= t, phase = truth[i] > 0.5f;
      intersection += predicted && phase;
      unionArea += predicted || phase;
    }
    return unionArea > 0 ? intersection / unionArea : 1.0;
  };
  // Per image: its IoU at every candidate threshold and what the IoU head says; a prompted image's automatic
  // probability is kept, where the protocol starts.
  std::vector<std::vector<float>>             automatic(images.size());
  std::vector<std::array<double, Candidates>> iou(images.size());
  std::vector<double>                         predictedIoU(images.size());
  const auto run = [&](const ValidationImage & v, const Prompts & prompts, std::vector<float> & probability,
                       TileEmbeddings * embeddings) {
    const PixelRegion whole{ 0, 0, v.Width, v.Height };
    ImageBlock        block;
    block.Region = whole;
    block.Image = v.Image.data();
    block.Priors = v.Priors.empty() ? nullptr : v.Priors.data();
    probability.assign(static_cast<std::size_t>(whole.Pixels()), 0.0f);
    return engine
      .Predict(engine.MakeTileGrid(v.Width, v.Height, TilingOptions{}), block, prompts, whole, probability.data(), nullptr,
               nullptr, embeddings)
      .PredictedIoU;
  };
  for (std::size_t k = 0; k < images.size(); ++k)
  {
    std::vector<float> probability;
    predictedIoU[k] = run(images[k], Prompts{}, probability, nullptr);
    for (int c = 0; c < Candidates; ++c)
    {
      iou[k][static_cast<std::size_t>(c)] = maskIoU(probability, candidate(c), images[k].Mask);
    }
    if (images[k].Prompted)
    {
      automatic[k] = std::move(probability);
    }
  }
  // The threshold: the candidate with the best mean over the automatic sets of their per-set means.
  std::map<std::string, std::vector<std::size_t>> sets; // per set (a prompted one under its own name): its images
  for (std::size_t k = 0; k < images.size(); ++k)
  {
    sets[images[k].Set + (images[k].Prompted ? " (prompted)" : "")].push_back(k);
  }
  const auto setMean = [&](const std::vector<std::size_t> & members, const std::function<double(std::size_t)> & of) {
    double sum = 0;
    for (const auto k : members)
    {
      sum += of(k);
    }
    return sum / static_cast<double>(members.size());
  };
  int    chosen = -1;
  double bestAutomatic = -1;
  for (int c = 0; c < Candidates; ++c)
  {
    double sum = 0;
    int    counted = 0;
    for (const auto & [name, members] : sets)
    {
      if (!images[members.front()].Prompted)
      {
        sum += setMean(members, [&](std::size_t k) { return iou[k][static_cast<std::size_t>(c)]; });
        ++counted;
      }
    }
    if (counted > 0 && sum / counted > bestAutomatic)
    {
      bestAutomatic = sum / counted;
      chosen = c;
    }
  }
  const float threshold = chosen >= 0 ? candidate(chosen) : static_cast<float>(engine.GetConfig().Threshold);
  score.Threshold = chosen >= 0 ? 0.20 + 0.05 * chosen : engine.GetConfig().Threshold;
  // A prompted image: the click protocol at that threshold, the image encoded once for all its clicks.
  const auto protocol = [&](std::size_t k) {
    const auto &              v = images[k];
    const auto                pixels = static_cast<std::size_t>(v.Width * v.Height);
    std::vector<std::uint8_t> mask(pixels), truth(pixels);
    for (std::size_t i = 0; i < pixels; ++i)
    {
      mask[i] = automatic[k][i] >= threshold;
      truth[i] = v.Mask[i] > 0.5f;
    }
    TileEmbeddings     embeddings;
    Prompts            prompts;
    std::vector<float> probability = automatic[k];
    RunProtocolClicks(mask.data(), truth.data(), nullptr, v.Width, v.Height, m_Impl->Options.ValidationClicks,
                      [&](const std::vector<ProtocolClick> & clicks) {
                        const auto & last = clicks.back();
                        prompts.Clicks.push_back(Click{ static_cast<double>(last.X), static_cast<double>(last.Y), last.Label });
                        run(v, prompts, probability, &embeddings);
                        for (std::size_t i = 0; i < pixels; ++i)
                        {
                          mask[i] = probability[i] >= threshold;
                        }
                        return static_cast<const std::uint8_t *>(mask.data());
                      });
    return maskIoU(probability, threshold, v.Mask);
  };
  double sum = 0;
  for (const auto & [name, members] : sets)
  {
    const bool   prompted = images[members.front()].Prompted;
    const double mean = setMean(members, [&](std::size_t k) {
      return prompted ? protocol(k) : iou[k][static_cast<std::size_t>(chosen)]; // an automatic set: chosen >= 0
    });
    score.SetIoU.emplace_back(name, mean);
    sum += mean;
  }
  net->train();
  score.Score = sum / static_cast<double>(sets.size());
  if (!engine.IsTorchScript() && chosen >= 0)
  {
    double error = 0, counted = 0;
    for (std::size_t k = 0; k < images.size(); ++k)
    {
      if (!images[k].Prompted)
      {
        error += std::abs(predictedIoU[k] - iou[k][static_cast<std::size_t>(chosen)]);
        ++counted;
      }
    }
    score.IoUHeadError = error / counted;
  }
  return score;
}

double
Trainer::Validate(const std::vector<TrainingSample> & samples)
{
  if (samples.empty())
  {
    return -1.0;
  }
  const auto threads = m_Impl->Threads();
  auto &     net = m_Impl->Net();
  net->eval();
  torch::NoGradGuard noGrad;
  double             sum = 0.0;
  for (std::size_t start = 0; start < samples.size(); start += 4)
  {
    const std::vector<TrainingSample> batch(samples.begin() + static_cast<std::ptrdiff_t>(start),
                                            samples.begin() + static_cast<std::ptrdiff_t>(std::min(samples.size(), start + 4)));
    auto [image, priors, mask] = m_Impl->Stack(batch);
    network::TilePrompts none;
    none.PointCoordinates = torch::zeros({ image.size(0), 0, 2 }, image.options());
    none.PointLabels = torch::zeros({ image.size(0), 0 }, image.options());
    const auto predicted = (net->forward(image, priors, none).Logits > 0).to(torch::kFloat32).flatten(1);
    const auto truth = mask.flatten(1);
    const auto intersection = (predicted * truth).sum(1);
    const auto unionArea = predicted.sum(1) + truth.sum(1) - intersection;
    const auto iou = torch::where(unionArea > 0, intersection / unionArea.clamp_min(1.0), torch::ones_like(unionArea));
    sum += iou.sum().item<double>();
  }
  net->train();
  return sum / static_cast<double>(samples.size());
}

double
Trainer::EvaluateLoss(const std::vector<TrainingSample> & batch, std::uint64_t clickSeed)
{
  const auto threads = m_Impl->Threads();
  auto &     net = m_Impl->Net();
  net->eval();
  torch::NoGradGuard noGrad;
  std::mt19937_64    random(clickSeed);
  auto [image, priors, mask] = m_Impl->Stack(batch);
  const auto   prediction = m_Impl->Forward(image, priors, batch, random, mask);
  const double loss = m_Impl->Loss(prediction, mask).item<double>();
  net->train();
  return loss;
}

void
Trainer::Train(const SampleSource & source, const std::vector<TrainingSample> & validation, const TrainingCallback & callback,
               const std::vector<ValidationImage> & validationImages)
{
  auto &     impl = *m_Impl;
  const auto threads = impl.Threads();
  auto &     net = impl.Net();
  const auto         start = std::chrono::steady_clock::now();
  const std::clock_t cpuStart = std::clock();
  // Tiles are made from their index alone, so a worker thread can make the next batch while this one trains.
  const auto makeBatch = [&source, batchSize = impl.Options.BatchSize](int step) {
    std::vector<TrainingSample> batch;
    for (int b = 0; b < batchSize; ++b)
    {
      batch.push_back(source(static_cast<std::uint64_t>(step) * static_cast<std::uint64_t>(batchSize) + static_cast<std::uint64_t>(b)));
    }
    return batch;
  };
  // Ahead: on a worker thread while the step before runs; otherwise on this thread when the step needs it.
  const auto launch = impl.Options.MakeBatchesAhead ? std::launch::async : std::launch::deferred;
  std::future<std::vector<TrainingSample>> next;
  if (impl.Step < impl.Options.Steps)
  {
    next = std::async(launch, makeBatch, impl.Step);
  }
  // One validation: the synthetic tiles, and the whole images, whose best score so far is kept as best.pt.
  const auto validate = [&](TrainingReport & report) {
    report.ValidationIoU = Validate(validation);
    if (validationImages.empty())
    {
      return;
    }
    report.Validation = ValidateImages(validationImages);
    if (report.Validation.Score > impl.BestScore && !impl.BestPath().empty())
    {
      impl.BestScore = report.Validation.Score;
      impl.BestStep = impl.Step;
      impl.BestThreshold = report.Validation.Threshold;
      const double kept = impl.Engine.GetConfig().Threshold;
      impl.Engine.SetThreshold(impl.BestThreshold);
      fs::create_directories(impl.Options.CheckpointFolder);
      impl.Engine.Save(impl.BestPath());
      impl.Engine.SetThreshold(kept);
      report.Best = true;
    }
  };
  const auto finish = [&](TrainingReport & report) {
    report.Seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    report.CPUSeconds = static_cast<double>(std::clock() - cpuStart) / CLOCKS_PER_SEC;
    if (callback)
    {
      callback(report);
    }
  };
  if (impl.Options.ValidateFirst && impl.Step == 0 && impl.Options.Steps > 0)
  {
    TrainingReport report; // the initial weights, before any step
    report.Steps = impl.Options.Steps;
    report.LearningRate = impl.LearningRate(0);
    validate(report);
    finish(report);
  }
  net->train();
  for (; impl.Step < impl.Options.Steps;)
  {
    // Every step's randomness comes from (seed, step): a resumed run draws what the uninterrupted run drew.
    torch::manual_seed(impl.Options.Seed * 1000003ULL + static_cast<std::uint64_t>(impl.Step));
    std::mt19937_64             random(impl.Options.Seed * 7919ULL + static_cast<std::uint64_t>(impl.Step));
    std::vector<TrainingSample> batch = next.get();
    if (impl.Step + 1 < impl.Options.Steps)
    {
      next = std::async(launch, makeBatch, impl.Step + 1);
    }
    auto [image, priors, mask] = impl.Stack(batch);
    const double learningRate = impl.LearningRate(impl.Step);
    for (auto & group : impl.Optimizer->param_groups())
    {
      static_cast<torch::optim::AdamWOptions &>(group.options()).lr(learningRate);
    }
    impl.Optimizer->zero_grad();
    const auto prediction = impl.Forward(image, priors, batch, random, mask);
    auto       loss = impl.Loss(prediction, mask);
    loss.backward();
    torch::nn::utils::clip_grad_norm_(net->parameters(), 1.0);
    impl.Optimizer->step();
    ++impl.Step;

    TrainingReport report;
    report.Step = impl.Step;
    report.Steps = impl.Options.Steps;
    report.Loss = loss.item<double>();
    report.LearningRate = learningRate;
    if (impl.Step % impl.Options.ValidateEvery == 0 || impl.Step == impl.Options.Steps)
    {
      validate(report);
    }
    if (impl.Step % impl.Options.CheckpointEvery == 0 || impl.Step == impl.Options.Steps)
    {
      impl.SaveCheckpoint();
    }
    finish(report);
  }
  net->eval();
}

} // namespace scopsam
