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
#include "scopsamTrainingSamples.h"

#include "itkRobustIntensityRangeCalculator.h"
#include "scopsamDataset.h"
#include "scopsamImageIO.h"
#include "scopsamOpenCVBridge.h"
#include "scopsamPriorPlanes.h"
#include "scopsamRandom.h"
#include "scopsamSegmentationEngine.h"
#include "scopsamSyntheticMicrograph.h"

#include <opencv2/imgproc.hpp>

#include <cmath>
#include <filesystem>
#include <tuple>

namespace scopsam
{

namespace
{

/** A whole image with its planes, ready to be cropped. */
struct PreparedImage
{
  std::int64_t       Width{ 0 }, Height{ 0 };
  double                    MatrixMode{ 0.5 }; // of the normalised image
  std::vector<float>        Image, Priors, Mask;
  std::vector<std::uint8_t> Phases; // empty: one phase
};

/** The normalised image and priors of a whole float image, with its own whole-image statistics; `second` (may be
 * empty) marks the part of the mask that is a second phase. */
PreparedImage
Prepare(const GrayImage2D * image, const cv::Mat & mask, const ModelConfig & config, unsigned int threads,
        const cv::Mat & second = cv::Mat())
{
  auto calculator = itk::RobustIntensityRangeCalculator<GrayImage2D>::New();
  calculator->SetImage(image);
  calculator->SetLowerPercentile(config.LowerPercentile);
  calculator->SetUpperPercentile(config.UpperPercentile);
  calculator->Compute();
  const auto &  s = calculator->GetStatistics();
  PreparedImage prepared;
  prepared.Width = static_cast<std::int64_t>(image->GetLargestPossibleRegion().GetSize(0));
  prepared.Height = static_cast<std::int64_t>(image->GetLargestPossibleRegion().GetSize(1));
  prepared.MatrixMode = s.MatrixMode;
  ComputePriorPlanes(image, image->GetLargestPossibleRegion(), { s.Lower, s.Upper, s.MatrixMode }, config, threads,
                     prepared.Image, prepared.Priors);
  prepared.Mask.resize(prepared.Image.size());
  for (int y = 0; y < mask.rows; ++y)
  {
    for (int x = 0; x < mask.cols; ++x)
    {
      prepared.Mask[static_cast<std::size_t>(y) * mask.cols + x] = mask.at<unsigned char>(y, x) != 0 ? 1.0f : 0.0f;
    }
  }
  if (!second.empty() && cv::countNonZero(second) > 0)
  {
    prepared.Phases.resize(prepared.Mask.size());
    for (std::size_t i = 0; i < prepared.Mask.size(); ++i)
    {
      prepared.Phases[i] = prepared.Mask[i] == 0.0f ? 0 : (second.data[i] != 0 ? 2 : 1);
    }
  }
  return prepared;
}

/** An annotated image of a dataset (`what`: "training" or "validation", for the messages), read and prepared.
 * Throws InputError when it has no mask or its mask has another size. */
PreparedImage
PrepareAnnotated(const DatasetItem & item, const char * what, const ModelConfig & config, unsigned int threads)
{
  if (item.MaskPath.empty())
  {
    throw InputError(std::string("the ") + what + " image " + item.ImagePath + " has no mask");
  }
  const auto image = ReadGrayImage(item.ImagePath);
  const auto mask = MatFromImage(ReadMask(item.MaskPath).GetPointer());
  if (mask.cols != static_cast<int>(image->GetLargestPossibleRegion().GetSize(0)) ||
      mask.rows != static_cast<int>(image->GetLargestPossibleRegion().GetSize(1)))
  {
    throw InputError("the mask " + item.MaskPath + " differs in size from its image");
  }
  return Prepare(image.GetPointer(), mask, config, threads);
}

/** The name a dataset's scores go by: its folder's name ("nasa_super1" for ../shared/data/real/nasa_super1/). */
std::string
SetName(const std::string & folder)
{
  auto path = std::filesystem::path(folder).lexically_normal();
  if (path.filename().empty())
  {
    path = path.parent_path();
  }
  return path.filename().empty() ? folder : path.filename().string();
}

/** A T x T crop at (x0, y0) (reflected beyond the image), flipped and rotated by `orientation` (0..7). */
TrainingSample
Crop(const PreparedImage & p, int channels, std::int64_t T, std::int64_t x0, std::int64_t y0, int orientation)
{
  TrainingSample s;
  s.Size = T;
  s.Image.resize(static_cast<std::size_t>(T * T));
  s.Mask.resize(s.Image.size());
  s.Priors.resize(static_cast<std::size_t>(channels) * s.Image.size());
  s.Phases.resize(p.Phases.empty() ? 0 : s.Image.size());
  const std::size_t plane = static_cast<std::size_t>(p.Width * p.Height);
  for (std::int64_t v = 0; v < T; ++v)
  {
    for (std::int64_t u = 0; u < T; ++u)
    {
      // Orientation: bit 0 flips x, bit 1 flips y, bit 2 transposes.
      std::int64_t a = (orientation & 1) ? T - 1 - u : u;
      std::int64_t b = (orientation & 2) ? T - 1 - v : v;
      if (orientation & 4)
      {
        std::swap(a, b);
      }
      const std::int64_t x = ReflectIndex(x0 + a, p.Width), y = ReflectIndex(y0 + b, p.Height);
      const std::size_t  from = static_cast<std::size_t>(y * p.Width + x), to = static_cast<std::size_t>(v * T + u);
      s.Image[to] = p.Image[from];
      s.Mask[to] = p.Mask[from];
      if (!s.Phases.empty())
      {
        s.Phases[to] = p.Phases[from];
      }
      for (int c = 0; c < channels; ++c)
      {
        s.Priors[static_cast<std::size_t>(c) * s.Image.size() + to] = p.Priors[c * plane + from];
      }
    }
  }
  return s;
}

} // namespace

/** The annotated images of one dataset. */
struct DatasetImages
{
  std::vector<PreparedImage> Images;
  std::vector<std::size_t>   Weights; // cumulative pixel counts, for drawing images by size
  DatasetTarget              Target{ DatasetTarget::Automatic };
};

struct TrainingSampleFactory::Impl
{
  ModelConfig                Config;
  SampleOptions              Options;
  std::vector<DatasetImages> Sets;
  unsigned int               Reach{ 0 }; // pixels the prior filters read beyond a tile

  /** The set a dataset tile comes from: uniformly among all sets, or, with a PromptedShare and sets of both targets,
   * a prompted set with that probability and an automatic one otherwise (uniformly within each kind). */
  const DatasetImages &
  DrawSet(Random & random) const
  {
    std::vector<std::size_t> prompted, automatic;
    for (std::size_t i = 0; i < Sets.size(); ++i)
    {
      (Sets[i].Target == DatasetTarget::Prompted ? prompted : automatic).push_back(i);
    }
    if (Options.PromptedShare < 0.0 || prompted.empty() || automatic.empty())
    {
      return Sets[static_cast<std::size_t>(random.Integer(0, static_cast<int>(Sets.size()) - 1))];
    }
    const auto & kind = random.Uniform() < Options.PromptedShare ? prompted : automatic;
    return Sets[kind[static_cast<std::size_t>(random.Integer(0, static_cast<int>(kind.size()) - 1))]];
  }

  /** A T x T tile of a dataset image with the real-micrograph augmentations: a window of T / scale pixels around
   * (cx, cy) resampled to T, gray levels changed, the priors recomputed from the changed tile (padded by Reach). */
  PreparedImage
  AugmentedTile(const PreparedImage & p, Random & random) const
  {
    const int    T = Options.TileSize;
    const int    S = T + 2 * static_cast<int>(Reach);
    const double scale = std::exp(random.Uniform(std::log(0.5), std::log(2.0)));
    const int    side = std::max(4, static_cast<int>(std::lround(S / scale)));
    const double cx = random.Uniform(0.0, static_cast<double>(p.Width)), cy = random.Uniform(0.0, static_cast<double>(p.Height));
    const auto   x0 = static_cast<std::int64_t>(cx) - side / 2, y0 = static_cast<std::int64_t>(cy) - side / 2;
    cv::Mat      window(side, side, CV_32F), windowMask(side, side, CV_8U);
    for (int v = 0; v < side; ++v)
    {
      for (int u = 0; u < side; ++u)
      {
        const auto from = static_cast<std::size_t>(ReflectIndex(y0 + v, p.Height) * p.Width + ReflectIndex(x0 + u, p.Width));
        window.at<float>(v, u) = p.Image[from];
        windowMask.at<unsigned char>(v, u) = p.Mask[from] > 0.5f ? 255 : 0;
      }
    }
    cv::Mat gray, mask;
    cv::resize(window, gray, cv::Size(S, S), 0, 0, side > S ? cv::INTER_AREA : cv::INTER_LINEAR);
    cv::resize(windowMask, mask, cv::Size(S, S), 0, 0, cv::INTER_NEAREST);
    // Gray levels: gamma and contrast about the mean, the same map applied to the matrix mode; then blur and noise.
    const double gamma = std::exp(random.Uniform(std::log(0.6), std::log(1.6)));
    const double contrast = random.Uniform(0.75, 1.3);
    const double pivot = std::pow(cv::mean(gray)[0], gamma); // the mean after the gamma: contrast pivots on it
    const auto   map = [&](double t) {
      const double g = std::pow(std::min(1.0, std::max(0.0, t)), gamma);
      return std::min(1.0, std::max(0.0, pivot + contrast * (g - pivot)));
    };
    for (int y = 0; y < S; ++y)
    {
      float * row = gray.ptr<float>(y);
      for (int x = 0; x < S; ++x)
      {
        row[x] = static_cast<float>(map(row[x]));
      }
    }
    const double blur = random.Uniform(0.0, 1.0);
    if (blur > 0.3)
    {
      cv::GaussianBlur(gray, gray, cv::Size(0, 0), blur);
    }
    const double noise = random.Uniform(0.0, 0.03);
    for (int y = 0; y < S; ++y)
    {
      float * row = gray.ptr<float>(y);
      for (int x = 0; x < S; ++x)
      {
        row[x] = static_cast<float>(std::min(1.0, std::max(0.0, row[x] + noise * random.Normal())));
      }
    }
    // Priors of the central T x T from the whole padded tile, already normalised (identity range).
    const auto           image = ImageFromMat<float>(gray);
    GrayImage2D::RegionType centre;
    centre.SetIndex(0, Reach);
    centre.SetIndex(1, Reach);
    centre.SetSize(0, static_cast<itk::SizeValueType>(T));
    centre.SetSize(1, static_cast<itk::SizeValueType>(T));
    PreparedImage tile;
    tile.Width = tile.Height = T;
    tile.MatrixMode = map(p.MatrixMode);
    ComputePriorPlanes(image.GetPointer(), centre, { 0.0, 1.0, tile.MatrixMode }, Config, Options.Threads, tile.Image, tile.Priors);
    tile.Mask.resize(static_cast<std::size_t>(T) * T);
    for (int y = 0; y < T; ++y)
    {
      for (int x = 0; x < T; ++x)
      {
        tile.Mask[static_cast<std::size_t>(y) * T + x] = mask.at<unsigned char>(y + static_cast<int>(Reach), x + static_cast<int>(Reach)) != 0 ? 1.0f : 0.0f;
      }
    }
    return tile;
  }

  PreparedImage
  Synthetic(std::uint64_t seed, bool augment) const
  {
    Random              random(seed);
    SyntheticParameters p;
    p.Width = p.Height = Options.TileSize;
    p.Level = Options.Levels[static_cast<std::size_t>(random.Integer(0, static_cast<int>(Options.Levels.size()) - 1))];
    p.BitDepth = random.Chance(0.5) ? 8 : 16;
    p.Polarity = 0;
    p.Seed = random.Next();
    p.CoarsePhases = Options.CoarsePhases;
    p.SecondPhase = Options.SecondPhase;
    if (Options.Effects.Any())
    {
      // A stream of its own: without effects the tiles are the ones they always were.
      Random effects = Random(p.Seed).Fork(19);
      for (unsigned int bit = 0; bit < NumberOfInstrumentEffects; ++bit)
      {
        const auto effect = static_cast<InstrumentEffect>(1u << bit);
        if (Options.Effects.Has(effect) && effects.Chance(0.5))
        {
          p.Effects.Add(effect);
        }
      }
    }
    const SyntheticMicrograph micrograph = GenerateSyntheticMicrograph(p);
    cv::Mat                   gray;
    micrograph.Image.convertTo(gray, CV_32F, p.BitDepth == 8 ? 1.0 / 255.0 : 1.0 / 65535.0);
    if (augment)
    {
      double lo, hi;
      cv::minMaxLoc(gray, &lo, &hi);
      const double gamma = random.Uniform(0.7, 1.4);
      const double noise = random.Uniform(0.0, 0.02) * (hi - lo);
      const double blur = random.Uniform(0.0, 0.8);
      for (int y = 0; y < gray.rows; ++y)
      {
        float * row = gray.ptr<float>(y);
        for (int x = 0; x < gray.cols; ++x)
        {
          const double t = hi > lo ? (row[x] - lo) / (hi - lo) : 0.0;
          row[x] = static_cast<float>(lo + (hi - lo) * std::pow(std::max(0.0, t), gamma) + noise * random.Normal());
        }
      }
      if (blur > 0.3)
      {
        cv::GaussianBlur(gray, gray, cv::Size(0, 0), blur);
      }
    }
    const auto image = ImageFromMat<float>(gray);
    return Prepare(image.GetPointer(), micrograph.Mask, Config, Options.Threads, micrograph.SecondPhaseMask);
  }
};

TrainingSampleFactory::TrainingSampleFactory(const ModelConfig & config, const SampleOptions & options)
  : m_Impl(std::make_unique<Impl>())
{
  if (options.TileSize < 16 || options.Levels.empty() || !(options.SyntheticFraction >= 0.0 && options.SyntheticFraction <= 1.0))
  {
    throw InputError("invalid sample options: tile of at least 16 px, at least one level, a synthetic fraction in [0, 1]");
  }
  if (!(options.PromptedShare == -1.0 || (options.PromptedShare >= 0.0 && options.PromptedShare <= 1.0)))
  {
    throw InputError("the prompted share must lie in [0, 1], got " + std::to_string(options.PromptedShare));
  }
  for (const int level : options.Levels)
  {
    GetDifficultyLevel(level);
  }
  m_Impl->Config = config;
  m_Impl->Options = options;
  m_Impl->Reach = PriorReach<2>(config);
}

TrainingSampleFactory::~TrainingSampleFactory() = default;

void
TrainingSampleFactory::AddDataset(const std::string & folder, const std::string & split, DatasetTarget target)
{
  const auto items = ReadDataset(folder, split);
  if (items.empty())
  {
    throw InputError("the dataset " + folder + " has no images" + (split.empty() ? "" : " in its " + split + " split"));
  }
  AddDataset(folder, items, target);
}

void
TrainingSampleFactory::AddDataset(const std::string & folder, const std::vector<DatasetItem> & items, DatasetTarget target)
{
  DatasetImages set;
  set.Target = target;
  for (const auto & item : items)
  {
    set.Images.push_back(PrepareAnnotated(item, "training", m_Impl->Config, m_Impl->Options.Threads));
    const auto pixels = static_cast<std::size_t>(set.Images.back().Width * set.Images.back().Height);
    set.Weights.push_back((set.Weights.empty() ? 0 : set.Weights.back()) + pixels);
  }
  if (set.Images.empty())
  {
    throw InputError("no images of the dataset " + folder + " to train on");
  }
  m_Impl->Sets.push_back(std::move(set));
}

std::size_t
TrainingSampleFactory::GetNumberOfDatasetImages() const
{
  std::size_t n = 0;
  for (const auto & set : m_Impl->Sets)
  {
    n += set.Images.size();
  }
  return n;
}

TrainingSample
TrainingSampleFactory::Make(std::uint64_t index) const
{
  const auto &  o = m_Impl->Options;
  Random        random = Random(o.Seed).Fork(index);
  const int     orientation = o.Augment ? random.Integer(0, 7) : 0;
  const int     P = m_Impl->Config.PriorChannels;
  const bool    synthetic = m_Impl->Sets.empty() || random.Uniform() < o.SyntheticFraction;
  if (synthetic)
  {
    const auto prepared = m_Impl->Synthetic(random.Next(), o.Augment);
    auto       tile = Crop(prepared, P, o.TileSize, 0, 0, orientation);
    tile.Synthetic = true;
    return tile;
  }
  // A set drawn uniformly (or first its target, by PromptedShare), an image of it by its size, a crop inside it.
  const auto &      set = m_Impl->DrawSet(random);
  const std::size_t pick = static_cast<std::size_t>(random.Uniform() * static_cast<double>(set.Weights.back()));
  const std::size_t which =
    static_cast<std::size_t>(std::upper_bound(set.Weights.begin(), set.Weights.end(), pick) - set.Weights.begin());
  const auto &       image = set.Images[std::min(which, set.Images.size() - 1)];
  TrainingSample     tile;
  if (o.Augment)
  {
    tile = Crop(m_Impl->AugmentedTile(image, random), P, o.TileSize, 0, 0, orientation);
  }
  else
  {
    const std::int64_t x0 = image.Width > o.TileSize ? random.Integer(0, static_cast<int>(image.Width - o.TileSize)) : 0;
    const std::int64_t y0 = image.Height > o.TileSize ? random.Integer(0, static_cast<int>(image.Height - o.TileSize)) : 0;
    tile = Crop(image, P, o.TileSize, x0, y0, orientation);
  }
  tile.PromptedOnly = set.Target == DatasetTarget::Prompted;
  return tile;
}

std::vector<TrainingSample>
TrainingSampleFactory::SyntheticValidation(int perLevel) const
{
  std::vector<TrainingSample> samples;
  const int                   P = m_Impl->Config.PriorChannels;
  for (int level = 1; level <= 3; ++level)
  {
    for (int i = 0; i < perLevel; ++i)
    {
      SyntheticParameters p;
      p.Width = p.Height = m_Impl->Options.TileSize;
      p.Level = level;
      p.BitDepth = i % 2 == 0 ? 8 : 16;
      p.Seed = 0x5EED0000ULL + static_cast<std::uint64_t>(1000 * level + i); // apart from every training seed
      const auto micrograph = GenerateSyntheticMicrograph(p);
      cv::Mat    gray;
      micrograph.Image.convertTo(gray, CV_32F);
      const auto image = ImageFromMat<float>(gray);
      samples.push_back(Crop(Prepare(image.GetPointer(), micrograph.Mask, m_Impl->Config, m_Impl->Options.Threads), P,
                             m_Impl->Options.TileSize, 0, 0, 0));
    }
  }
  return samples;
}

std::vector<ValidationImage>
TrainingSampleFactory::ValidationImages(const std::string & folder, const std::string & split, DatasetTarget target) const
{
  return ValidationImages(folder, ReadDataset(folder, split), target);
}

std::vector<ValidationImage>
TrainingSampleFactory::ValidationImages(const std::string & folder, const std::vector<DatasetItem> & items,
                                        DatasetTarget target) const
{
  std::vector<ValidationImage> images;
  const std::string            set = SetName(folder);
  for (const auto & item : items)
  {
    auto            prepared = PrepareAnnotated(item, "validation", m_Impl->Config, m_Impl->Options.Threads);
    ValidationImage v;
    v.Set = set;
    v.Name = item.Name;
    v.Width = prepared.Width;
    v.Height = prepared.Height;
    v.Image = std::move(prepared.Image);
    v.Priors = std::move(prepared.Priors);
    v.Mask = std::move(prepared.Mask);
    v.Prompted = target == DatasetTarget::Prompted;
    images.push_back(std::move(v));
  }
  return images;
}

} // namespace scopsam
