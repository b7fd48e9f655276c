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
#include "scopsamTilePredictor.h"

#include "scopsamThreadSettings.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

namespace scopsam
{
namespace
{

std::vector<float>
Window(int tile, BlendingWindow window)
{
  std::vector<float> w(tile, 1.0f);
  for (int u = 0; u < tile; ++u)
  {
    double value = 1.0;
    if (window == BlendingWindow::Cosine)
    {
      const double s = std::sin(M_PI * (u + 0.5) / tile);
      value = s * s;
    }
    else if (window == BlendingWindow::Gaussian)
    {
      const double d = (u + 0.5 - 0.5 * tile) / (0.25 * tile);
      value = std::exp(-0.5 * d * d);
    }
    w[u] = static_cast<float>(std::max(1e-3, value));
  }
  return w;
}

/** The box's pixels (inclusive corners in any order) inside the image; the whole image without a box. */
PixelRegion
RegionOfInterest(const Prompts & prompts, std::int64_t width, std::int64_t height)
{
  if (!prompts.HasBox)
  {
    return { 0, 0, width, height };
  }
  const auto &       b = prompts.Region;
  const std::int64_t x0 = static_cast<std::int64_t>(std::floor(std::min(b.X0, b.X1)));
  const std::int64_t y0 = static_cast<std::int64_t>(std::floor(std::min(b.Y0, b.Y1)));
  const std::int64_t x1 = static_cast<std::int64_t>(std::floor(std::max(b.X0, b.X1)));
  const std::int64_t y1 = static_cast<std::int64_t>(std::floor(std::max(b.Y0, b.Y1)));
  return PixelRegion{ x0, y0, x1 - x0 + 1, y1 - y0 + 1 }.ClippedTo(width, height);
}

bool
InTile(const Click & click, const PixelRegion & tile)
{
  return click.X >= tile.X && click.X < tile.X + tile.Width && click.Y >= tile.Y && click.Y < tile.Y + tile.Height;
}

std::string
Shape(const torch::Tensor & t)
{
  std::ostringstream out;
  out << t.sizes();
  return out.str();
}

} // namespace

TileEmbeddings::TileEmbeddings(std::size_t maximumBytes)
  : m_Impl(std::make_unique<Impl>(maximumBytes))
{}

TileEmbeddings::~TileEmbeddings() = default;

void
TileEmbeddings::Clear()
{
  std::lock_guard<std::mutex> lock(m_Impl->Mutex);
  m_Impl->Tiles.clear();
  m_Impl->Bytes = 0;
}

std::size_t
TileEmbeddings::GetTiles() const
{
  std::lock_guard<std::mutex> lock(m_Impl->Mutex);
  return m_Impl->Tiles.size();
}

std::size_t
TileEmbeddings::GetBytes() const
{
  std::lock_guard<std::mutex> lock(m_Impl->Mutex);
  return m_Impl->Bytes;
}

std::size_t
TileEmbeddings::GetEncoded() const
{
  std::lock_guard<std::mutex> lock(m_Impl->Mutex);
  return m_Impl->Encoded;
}

void
TileEmbeddings::Impl::Bind(const LoadedModel & model, const TileGrid & grid)
{
  std::lock_guard<std::mutex> lock(Mutex);
  const std::string           identity = model.Identity + " on " + model.Device.str() + (model.Half ? " (half)" : "");
  if (identity != Model || grid.TileSize != TileSize || grid.ImageWidth != Width || grid.ImageHeight != Height)
  {
    Tiles.clear();
    Bytes = 0;
    Model = identity;
    TileSize = grid.TileSize;
    Width = grid.ImageWidth;
    Height = grid.ImageHeight;
  }
}

torch::Tensor
TileEmbeddings::Impl::Find(const PixelRegion & tile) const
{
  std::lock_guard<std::mutex> lock(Mutex);
  const auto                  found = Tiles.find({ tile.X, tile.Y });
  return found == Tiles.end() ? torch::Tensor() : found->second;
}

void
TileEmbeddings::Impl::Keep(const PixelRegion & tile, const torch::Tensor & embedding)
{
  const auto                  bytes = static_cast<std::size_t>(embedding.numel() * embedding.element_size());
  std::lock_guard<std::mutex> lock(Mutex);
  ++Encoded;
  if (Bytes + bytes <= MaximumBytes && Tiles.emplace(std::make_pair(tile.X, tile.Y), embedding).second)
  {
    Bytes += bytes;
  }
}

TilePredictor::TilePredictor(const LoadedModel & model, const TileGrid & grid, const ImageBlock & input,
                             const Prompts & prompts, TileEmbeddings * embeddings)
  : m_Model(model)
  , m_Grid(grid)
  , m_Input(input)
  , m_Prompts(prompts)
  , m_Embeddings(embeddings ? embeddings->m_Impl.get() : nullptr)
{}

void
TilePredictor::Gather(const PixelRegion & tile, float * image, float * priors) const
{
  const int          T = m_Grid.TileSize;
  const int          P = m_Model.Config.PriorChannels;
  const std::int64_t planeSize = m_Input.Region.Width * m_Input.Region.Height;
  for (int v = 0; v < T; ++v)
  {
    const std::int64_t y = ReflectIndex(tile.Y + v, m_Grid.ImageHeight) - m_Input.Region.Y;
    for (int u = 0; u < T; ++u)
    {
      const std::int64_t x = ReflectIndex(tile.X + u, m_Grid.ImageWidth) - m_Input.Region.X;
      const std::int64_t at = y * m_Input.Region.Width + x;
      image[v * T + u] = m_Input.Image[at];
      for (int c = 0; c < P; ++c)
      {
        priors[(static_cast<std::int64_t>(c) * T + v) * T + u] = m_Input.Priors[c * planeSize + at];
      }
    }
  }
}

torch::Tensor
TilePredictor::ToDevice(torch::Tensor t) const
{
  t = t.to(m_Model.Device);
  return m_Model.Half ? t.to(torch::kHalf) : t;
}

torch::Tensor
TilePredictor::Embed(const std::vector<PixelRegion> & tiles, const torch::Tensor & images, const torch::Tensor & priors) const
{
  network::SCoPSAMNet net = m_Model.Net; // a holder that shares the model's module
  if (m_Embeddings == nullptr)
  {
    return net->encode(images, priors);
  }
  std::vector<torch::Tensor> embeddings(tiles.size());
  std::vector<std::int64_t>  missing;
  for (std::size_t i = 0; i < tiles.size(); ++i)
  {
    embeddings[i] = m_Embeddings->Find(tiles[i]);
    if (!embeddings[i].defined())
    {
      missing.push_back(static_cast<std::int64_t>(i));
    }
  }
  if (!missing.empty())
  {
    const auto which = torch::tensor(missing, torch::kLong).to(images.device());
    const auto encoded = missing.size() == tiles.size() ? net->encode(images, priors)
                                                        : net->encode(images.index_select(0, which), priors.index_select(0, which));
    for (std::size_t j = 0; j < missing.size(); ++j)
    {
      const auto i = static_cast<std::size_t>(missing[j]);
      embeddings[i] = encoded.slice(0, static_cast<std::int64_t>(j), static_cast<std::int64_t>(j) + 1).clone();
      m_Embeddings->Keep(tiles[i], embeddings[i]);
    }
  }
  return embeddings.size() == 1 ? embeddings.front() : torch::cat(embeddings, 0);
}

torch::Tensor
TilePredictor::AppearanceTokens() const
{
  if (m_Prompts.Clicks.empty() || m_Model.Script)
  {
    return {};
  }
  const int                  T = m_Grid.TileSize;
  const int                  P = m_Model.Config.PriorChannels;
  const auto                 options = torch::TensorOptions().dtype(torch::kFloat32);
  network::SCoPSAMNet        net = m_Model.Net; // a holder that shares the model's module
  std::vector<torch::Tensor> tokens;
  for (const auto & click : m_Prompts.Clicks)
  {
    const PixelRegion tile = ClickTile(m_Grid, click);
    auto              image = torch::empty({ 1, 1, T, T }, options);
    auto              priors = torch::empty({ 1, P, T, T }, options);
    Gather(tile, image.data_ptr<float>(), priors.data_ptr<float>());
    image = ToDevice(image);
    priors = ToDevice(priors);
    const auto embedding = Embed({ tile }, image, priors);
    const auto where = ToDevice(torch::tensor({ static_cast<float>(click.X - tile.X), static_cast<float>(click.Y - tile.Y) }).view({ 1, 2 }));
    const auto label = ToDevice(torch::tensor({ static_cast<float>(click.Label) }));
    tokens.push_back(net->prompt_encoder->appearanceTokens(embedding, priors, where, label));
  }
  return torch::cat(tokens, 0);
}

TilePredictor::TileOutput
TilePredictor::RunTiles(std::size_t first, std::size_t count) const
{
  const int          T = m_Grid.TileSize;
  const int          P = m_Model.Config.PriorChannels;
  const auto         options = torch::TensorOptions().dtype(torch::kFloat32);
  const auto         B = static_cast<std::int64_t>(count);
  const auto         K = static_cast<std::int64_t>(m_BatchPoints[first / static_cast<std::size_t>(m_Grid.BatchSize)]);
  auto               images = torch::empty({ B, 1, T, T }, options);
  auto               priors = torch::empty({ B, std::max(P, 0), T, T }, options);
  auto               coordinates = torch::zeros({ B, K, 2 }, options);
  auto               labels = -torch::ones({ B, K }, options);
  for (std::int64_t i = 0; i < B; ++i)
  {
    const auto & tile = m_Tiles[first + static_cast<std::size_t>(i)];
    Gather(tile, images[i].data_ptr<float>(), priors[i].data_ptr<float>());
    std::int64_t k = 0;
    for (const auto & click : m_Prompts.Clicks)
    {
      if (InTile(click, tile))
      {
        coordinates[i][k][0] = static_cast<float>(click.X - tile.X);
        coordinates[i][k][1] = static_cast<float>(click.Y - tile.Y);
        labels[i][k] = static_cast<float>(click.Label);
        ++k;
      }
    }
  }
  torch::Tensor logits, iou;
  if (m_Model.Script)
  {
    // A TorchScript file is a program of someone else's: a forward() of another signature, or one that returns
    // something else than a tensor, is a model that does not fit this contract (ModelError), not a crash.
    try
    {
      logits = const_cast<torch::jit::Module &>(*m_Model.Script)
                 .forward({ ToDevice(images), ToDevice(priors), ToDevice(coordinates), ToDevice(labels) })
                 .toTensor();
    }
    catch (const c10::Error & e)
    {
      const std::string what = e.what_without_backtrace();
      throw ModelError("the TorchScript model's forward(image [B,1,T,T], priors [B,C,T,T], point_coords [B,N,2], "
                       "point_labels [B,N]) -> logits [B,1,T,T] failed: " + what.substr(0, what.find('\n')));
    }
  }
  else
  {
    network::SCoPSAMNet  net = m_Model.Net; // a holder that shares the model's module
    network::TilePrompts tilePrompts;
    tilePrompts.PointCoordinates = ToDevice(coordinates);
    tilePrompts.PointLabels = ToDevice(labels);
    tilePrompts.Appearance = m_Appearance;
    if (m_Prompts.HasBox)
    {
      const auto & roi = m_RegionOfInterest;
      auto         boxes = torch::empty({ B, 4 }, options);
      for (std::int64_t i = 0; i < B; ++i)
      {
        const auto & tile = m_Tiles[first + static_cast<std::size_t>(i)];
        const float  x0 = static_cast<float>(std::clamp<double>(roi.X - tile.X, 0, T - 1));
        const float  y0 = static_cast<float>(std::clamp<double>(roi.Y - tile.Y, 0, T - 1));
        const float  x1 = static_cast<float>(std::clamp<double>(roi.X + roi.Width - 1 - tile.X, 0, T - 1));
        const float  y1 = static_cast<float>(std::clamp<double>(roi.Y + roi.Height - 1 - tile.Y, 0, T - 1));
        boxes[i] = torch::tensor({ x0, y0, x1, y1 });
      }
      tilePrompts.Boxes = ToDevice(boxes);
    }
    const auto imagesOnDevice = ToDevice(images), priorsOnDevice = ToDevice(priors);
    const std::vector<PixelRegion> tiles(m_Tiles.begin() + static_cast<std::ptrdiff_t>(first),
                                         m_Tiles.begin() + static_cast<std::ptrdiff_t>(first + count));
    const auto prediction = net->decode(Embed(tiles, imagesOnDevice, priorsOnDevice), imagesOnDevice, priorsOnDevice, tilePrompts);
    logits = prediction.Logits;
    iou = prediction.PredictedIoU.to(torch::kCPU, torch::kFloat32).reshape({ B }).contiguous();
  }
  if (logits.dim() != 4 || logits.size(0) != B || logits.size(1) != 1 || logits.size(2) != T || logits.size(3) != T)
  {
    throw ModelError("the model returned logits of shape " + Shape(logits) + ", expected [" + std::to_string(B) + ", 1, " +
                     std::to_string(T) + ", " + std::to_string(T) + "]");
  }
  return { torch::sigmoid(logits.to(torch::kCPU, torch::kFloat32)).contiguous(), iou };
}

void
TilePredictor::Accumulate(std::size_t index, const TileOutput & out, std::int64_t i, const PixelRegion & output,
                          float * probabilities, std::vector<float> & weightSum)
{
  const int     T = m_Grid.TileSize;
  const float * p = out.Probabilities.data_ptr<float>() + i * T * T;
  if (out.PredictedIoU.defined())
  {
    m_IoUSum += out.PredictedIoU.data_ptr<float>()[i];
    ++m_IoUCount;
  }
  const auto & tile = m_Tiles[index];
  const auto   r = PixelRegion{ tile.X, tile.Y, T, T }.ClippedTo(m_Grid.ImageWidth, m_Grid.ImageHeight);
  for (std::int64_t y = std::max(r.Y, output.Y); y < std::min(r.Y + r.Height, output.Y + output.Height); ++y)
  {
    const std::int64_t v = y - tile.Y;
    for (std::int64_t x = std::max(r.X, output.X); x < std::min(r.X + r.Width, output.X + output.Width); ++x)
    {
      const std::int64_t u = x - tile.X;
      const float        w = m_Window[u] * m_Window[v];
      const std::size_t  at = static_cast<std::size_t>((y - output.Y) * output.Width + (x - output.X));
      probabilities[at] += w * p[v * T + u];
      weightSum[at] += w;
    }
  }
}

std::size_t
TilePredictor::RunOnWorkers(int threads, const PixelRegion & output, float * probabilities,
                            std::vector<float> & weightSum, const ProgressCallback & progress,
                            const std::atomic<bool> * abort)
{
  // Worker w runs tiles w, w + threads, ...; the calling thread accumulates them in the grid's order as they come,
  // and reports progress. A worker stays at most `ahead` tiles ahead of the accumulation (memory).
  const std::size_t               n = m_Tiles.size();
  const std::size_t               batch = static_cast<std::size_t>(m_Grid.BatchSize);
  const std::size_t               workers = std::min<std::size_t>(
    { static_cast<std::size_t>(threads), n, static_cast<std::size_t>(ScopedThreadSettings::GetMaximumUsefulThreads()) });
  const std::size_t               ahead = std::max<std::size_t>(2 * workers, batch);
  std::mutex                      mutex;
  std::condition_variable         changed;
  std::vector<TileOutput>         results(n);
  std::size_t                     accumulated = 0;
  bool                            stop = false;
  bool                            aborted = false;
  std::exception_ptr              error;
  std::set<std::thread::id>       ran;
  auto                            raised = [abort] { return abort != nullptr && abort->load(); };
  auto                            work = [&](std::size_t first) {
    torch::InferenceMode inference;
    for (std::size_t i = first; i < n; i += workers)
    {
      {
        std::unique_lock<std::mutex> lock(mutex);
        changed.wait(lock, [&] { return stop || i < accumulated + ahead; });
        if (stop)
        {
          return;
        }
      }
      if (raised())
      {
        std::lock_guard<std::mutex> lock(mutex);
        stop = aborted = true;
        changed.notify_all();
        return;
      }
      try
      {
        auto                        p = RunTiles(i, 1);
        std::lock_guard<std::mutex> lock(mutex);
        results[i] = std::move(p);
        ran.insert(std::this_thread::get_id());
        changed.notify_all();
      }
      catch (...)
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (!error)
        {
          error = std::current_exception();
        }
        stop = true;
        changed.notify_all();
        return;
      }
    }
  };
  std::vector<std::thread> pool;
  try
  {
    for (std::size_t w = 0; w < workers; ++w)
    {
      pool.emplace_back(work, w);
    }
    for (std::size_t i = 0; i < n; ++i)
    {
      if (i % batch == 0 && raised())
      {
        std::lock_guard<std::mutex> lock(mutex);
        stop = aborted = true;
        break;
      }
      TileOutput p;
      {
        std::unique_lock<std::mutex> lock(mutex);
        changed.wait(lock, [&] { return stop || results[i].Probabilities.defined(); });
        if (!results[i].Probabilities.defined())
        {
          break;
        }
        p = std::move(results[i]);
        results[i] = TileOutput();
      }
      Accumulate(i, p, 0, output, probabilities, weightSum);
      {
        std::lock_guard<std::mutex> lock(mutex);
        accumulated = i + 1;
      }
      changed.notify_all();
      if (progress && ((i + 1) % batch == 0 || i + 1 == n))
      {
        progress(i + 1, n);
      }
    }
  }
  catch (...)
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (!error)
    {
      error = std::current_exception();
    }
    stop = true;
  }
  {
    std::lock_guard<std::mutex> lock(mutex);
    stop = true;
  }
  changed.notify_all();
  for (auto & thread : pool)
  {
    thread.join();
  }
  if (error)
  {
    std::rethrow_exception(error);
  }
  if (aborted)
  {
    throw AbortedError("segmentation aborted");
  }
  return ran.size();
}

PredictionSummary
TilePredictor::Predict(const PixelRegion & output, float * probabilities, int threads, const ProgressCallback & progress,
                       const std::atomic<bool> * abort)
{
  const std::int64_t width = m_Grid.ImageWidth, height = m_Grid.ImageHeight;
  const int          T = m_Grid.TileSize;
  const int          P = m_Model.Config.PriorChannels;
  if (width < 1 || height < 1 || T < 1 || m_Grid.BatchSize < 1 || m_Grid.Tiles.empty())
  {
    throw ModelError("Predict: the tile grid is empty (make it with SegmentationEngine::MakeTileGrid())");
  }
  const PixelRegion needed = m_Grid.InputRegion(output, m_Prompts);
  const auto &      in = m_Input.Region;
  if (in.X > needed.X || in.Y > needed.Y || in.X + in.Width < needed.X + needed.Width || in.Y + in.Height < needed.Y + needed.Height)
  {
    throw ModelError("Predict: the input block does not cover the region the tiles need");
  }
  if (P > 0 && m_Input.Priors == nullptr)
  {
    throw ModelError("the model takes " + std::to_string(P) + " prior channels but none were given");
  }
  for (const auto & click : m_Prompts.Clicks)
  {
    if (!(click.X >= 0 && click.X < width && click.Y >= 0 && click.Y < height) || (click.Label != 0 && click.Label != 1))
    {
      throw ModelError("a click must lie inside the image (0 <= x < " + std::to_string(width) + ", 0 <= y < " +
                       std::to_string(height) + ") with label 0 or 1");
    }
  }

  torch::InferenceMode inference;
  if (m_Embeddings != nullptr)
  {
    m_Embeddings->Bind(m_Model, m_Grid);
  }
  m_Appearance = AppearanceTokens();
  m_RegionOfInterest = RegionOfInterest(m_Prompts, width, height);
  m_Tiles.clear();
  for (const auto & tile : m_Grid.Tiles)
  {
    if (tile.Intersects(output) && tile.Intersects(m_RegionOfInterest))
    {
      m_Tiles.push_back(tile);
    }
  }
  // In-tile clicks become point tokens, padded to the most of the tile's batch with label -1.
  const std::size_t batch = static_cast<std::size_t>(m_Grid.BatchSize);
  m_BatchPoints.assign((m_Tiles.size() + batch - 1) / batch, 0);
  for (std::size_t i = 0; i < m_Tiles.size(); ++i)
  {
    const auto inTile = static_cast<std::size_t>(std::count_if(m_Prompts.Clicks.begin(), m_Prompts.Clicks.end(),
                                                               [&](const Click & c) { return InTile(c, m_Tiles[i]); }));
    m_BatchPoints[i / batch] = std::max(m_BatchPoints[i / batch], inTile);
  }
  m_Window = Window(T, m_Grid.Window);

  PredictionSummary summary;
  summary.Tiles = m_Tiles.size();
  m_IoUSum = 0.0;
  m_IoUCount = 0;
  std::vector<float> weightSum(static_cast<std::size_t>(output.Pixels()), 0.0f);
  std::fill(probabilities, probabilities + output.Pixels(), 0.0f);
  const bool perTile = !m_Model.Device.is_cuda();
  if (perTile && threads > 1 && m_Tiles.size() > 1)
  {
    summary.Workers = RunOnWorkers(threads, output, probabilities, weightSum, progress, abort);
  }
  else
  {
    for (std::size_t start = 0; start < m_Tiles.size(); start += batch)
    {
      if (abort != nullptr && abort->load())
      {
        throw AbortedError("segmentation aborted");
      }
      const std::size_t count = std::min(batch, m_Tiles.size() - start);
      for (std::size_t first = start; first < start + count; first += perTile ? 1 : count)
      {
        const std::size_t n = perTile ? 1 : count;
        const auto        p = RunTiles(first, n);
        for (std::size_t i = 0; i < n; ++i)
        {
          Accumulate(first + i, p, static_cast<std::int64_t>(i), output, probabilities, weightSum);
        }
      }
      if (progress)
      {
        progress(start + count, m_Tiles.size());
      }
    }
    summary.Workers = m_Tiles.empty() ? 0 : 1;
  }
  for (std::int64_t y = 0; y < output.Height; ++y)
  {
    for (std::int64_t x = 0; x < output.Width; ++x)
    {
      const std::size_t at = static_cast<std::size_t>(y * output.Width + x);
      const auto &      roi = m_RegionOfInterest;
      const bool        inside = output.X + x >= roi.X && output.X + x < roi.X + roi.Width && output.Y + y >= roi.Y &&
                          output.Y + y < roi.Y + roi.Height;
      probabilities[at] = inside && weightSum[at] > 0.0f ? probabilities[at] / weightSum[at] : 0.0f;
    }
  }
  if (m_IoUCount > 0 && m_IoUCount == m_Tiles.size())
  {
    summary.PredictedIoU = m_IoUSum / static_cast<double>(m_IoUCount);
  }
  return summary;
}

} // namespace scopsam
