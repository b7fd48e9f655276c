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

namespace scopsam
{

namespace
{

/** A whole image with its planes, ready to be cropped. */
struct PreparedImage
{
  std::int64_t       Width{ 0 }, Height{ 0 };
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

struct TrainingSampleFactory::Impl
{
  ModelConfig                Config;
  SampleOptions              Options;
  std::vector<PreparedImage> Images;
  std::vector<std::size_t>   ImageWeights; // cumulative pixel counts, for drawing images by size

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
  for (const int level : options.Levels)
  {
    GetDifficultyLevel(level);
  }
  m_Impl->Config = config;
  m_Impl->Options = options;
}

TrainingSampleFactory::~TrainingSampleFactory() = default;

void
TrainingSampleFactory::AddDataset(const std::string & folder, const std::string & split)
{
  for (const auto & item : ReadDataset(folder, split))
  {
    if (item.MaskPath.empty())
    {
      throw InputError("the training image " + item.ImagePath + " has no mask");
    }
    const auto image = ReadGrayImage(item.ImagePath);
    const auto mask = MatFromImage(ReadMask(item.MaskPath).GetPointer());
    if (mask.cols != static_cast<int>(image->GetLargestPossibleRegion().GetSize(0)) ||
        mask.rows != static_cast<int>(image->GetLargestPossibleRegion().GetSize(1)))
    {
      throw InputError("the mask " + item.MaskPath + " differs in size from its image");
    }
    m_Impl->Images.push_back(Prepare(image.GetPointer(), mask, m_Impl->Config, m_Impl->Options.Threads));
    const auto pixels = static_cast<std::size_t>(m_Impl->Images.back().Width * m_Impl->Images.back().Height);
    m_Impl->ImageWeights.push_back((m_Impl->ImageWeights.empty() ? 0 : m_Impl->ImageWeights.back()) + pixels);
  }
}

std::size_t
TrainingSampleFactory::GetNumberOfDatasetImages() const
{
  return m_Impl->Images.size();
}

TrainingSample
TrainingSampleFactory::Make(std::uint64_t index) const
{
  const auto &  o = m_Impl->Options;
  Random        random = Random(o.Seed).Fork(index);
  const int     orientation = o.Augment ? random.Integer(0, 7) : 0;
  const int     P = m_Impl->Config.PriorChannels;
  const bool    synthetic = m_Impl->Images.empty() || random.Uniform() < o.SyntheticFraction;
  if (synthetic)
  {
    const auto prepared = m_Impl->Synthetic(random.Next(), o.Augment);
    return Crop(prepared, P, o.TileSize, 0, 0, orientation);
  }
  // An image drawn by its size, a crop at random inside it.
  const std::size_t pick = static_cast<std::size_t>(random.Uniform() * static_cast<double>(m_Impl->ImageWeights.back()));
  const std::size_t which =
    static_cast<std::size_t>(std::upper_bound(m_Impl->ImageWeights.begin(), m_Impl->ImageWeights.end(), pick) - m_Impl->ImageWeights.begin());
  const auto &       image = m_Impl->Images[std::min(which, m_Impl->Images.size() - 1)];
  const std::int64_t x0 = image.Width > o.TileSize ? random.Integer(0, static_cast<int>(image.Width - o.TileSize)) : 0;
  const std::int64_t y0 = image.Height > o.TileSize ? random.Integer(0, static_cast<int>(image.Height - o.TileSize)) : 0;
  return Crop(image, P, o.TileSize, x0, y0, orientation);
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

std::vector<TrainingSample>
TrainingSampleFactory::DatasetTiles(const std::string & folder, const std::string & split) const
{
  std::vector<TrainingSample> samples;
  const int                   T = m_Impl->Options.TileSize;
  for (const auto & item : ReadDataset(folder, split))
  {
    if (item.MaskPath.empty())
    {
      continue;
    }
    const auto image = ReadGrayImage(item.ImagePath);
    const auto prepared = Prepare(image.GetPointer(), MatFromImage(ReadMask(item.MaskPath).GetPointer()), m_Impl->Config,
                                  m_Impl->Options.Threads);
    samples.push_back(Crop(prepared, m_Impl->Config.PriorChannels, T, std::max<std::int64_t>(0, (prepared.Width - T) / 2),
                           std::max<std::int64_t>(0, (prepared.Height - T) / 2), 0));
  }
  return samples;
}

} // namespace scopsam
