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
#include "scopsamSegmentationEngine.h"

#include "scopsamEngineImpl.h"

#include <torch/script.h>

#include <algorithm>
#include <map>
#include <set>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <dlfcn.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace scopsam
{
namespace
{

std::string
FirstLine(const std::string & text)
{
  const auto end = text.find('\n');
  return end == std::string::npos ? text : text.substr(0, end);
}

std::string
Shape(const torch::Tensor & t)
{
  std::ostringstream out;
  out << t.sizes();
  return out.str();
}

torch::Device
ChooseDevice(const std::string & name)
{
  if (name == "cpu")
  {
    return torch::kCPU;
  }
  if (name == "auto")
  {
    return torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  }
  if (name.rfind("cuda", 0) == 0)
  {
    if (!torch::cuda::is_available())
    {
      throw ModelError("CUDA was asked for (--device " + name +
                       ") but this LibTorch has no CUDA or no GPU is visible; use --device cpu or auto");
    }
    try
    {
      const torch::Device device(name);
      if (device.index() >= static_cast<int>(torch::cuda::device_count()))
      {
        throw ModelError("no CUDA device " + name + " (" + std::to_string(torch::cuda::device_count()) + " visible)");
      }
      return device;
    }
    catch (const c10::Error &)
    {
      throw ModelError("unknown device '" + name + "' (cpu, cuda, cuda:N or auto)");
    }
  }
  throw ModelError("unknown device '" + name + "' (cpu, cuda, cuda:N or auto)");
}

/** FNV-1a of a file's bytes, in hex: enough to tell two weight files apart in provenance records. */
std::string
FileHash(const std::string & path)
{
  std::ifstream in(path, std::ios::binary);
  std::uint64_t h = 1469598103934665603ULL;
  char          buffer[65536];
  while (in.read(buffer, sizeof(buffer)) || in.gcount() > 0)
  {
    for (std::streamsize i = 0; i < in.gcount(); ++i)
    {
      h = (h ^ static_cast<unsigned char>(buffer[i])) * 1099511628211ULL;
    }
  }
  std::ostringstream out;
  out << std::hex << h;
  return out.str();
}

std::vector<std::int64_t>
PlaceAxis(std::int64_t n, int tile, int overlap)
{
  if (n <= tile)
  {
    return { 0 };
  }
  const std::int64_t stride = tile - overlap;
  const std::int64_t count = (n - tile + stride - 1) / stride + 1;
  std::vector<std::int64_t> positions;
  for (std::int64_t i = 0; i < count; ++i)
  {
    positions.push_back(std::min(i * stride, n - tile));
  }
  return positions;
}

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

bool
Intersects(const PixelRegion & a, const PixelRegion & b)
{
  return a.X < b.X + b.Width && b.X < a.X + a.Width && a.Y < b.Y + b.Height && b.Y < a.Y + a.Height;
}

PixelRegion
Union(const PixelRegion & a, const PixelRegion & b)
{
  if (a.Pixels() == 0)
  {
    return b;
  }
  const std::int64_t x0 = std::min(a.X, b.X), y0 = std::min(a.Y, b.Y);
  const std::int64_t x1 = std::max(a.X + a.Width, b.X + b.Width), y1 = std::max(a.Y + a.Height, b.Y + b.Height);
  return { x0, y0, x1 - x0, y1 - y0 };
}

PixelRegion
Clip(const PixelRegion & r, std::int64_t width, std::int64_t height)
{
  const std::int64_t x0 = std::max<std::int64_t>(0, r.X), y0 = std::max<std::int64_t>(0, r.Y);
  const std::int64_t x1 = std::min(width, r.X + r.Width), y1 = std::min(height, r.Y + r.Height);
  return { x0, y0, std::max<std::int64_t>(0, x1 - x0), std::max<std::int64_t>(0, y1 - y0) };
}

/** The tile a click is seen in: centred on it, moved inside the image. */
PixelRegion
ClickTile(const Click & click, std::int64_t width, std::int64_t height, int tile)
{
  auto place = [tile](double c, std::int64_t n) {
    if (n <= tile)
    {
      return std::int64_t{ 0 };
    }
    return std::clamp<std::int64_t>(static_cast<std::int64_t>(std::floor(c)) - tile / 2, 0, n - tile);
  };
  return { place(click.X, width), place(click.Y, height), tile, tile };
}

} // namespace

SegmentationEngine::SegmentationEngine(std::unique_ptr<Impl> impl)
  : m_Impl(std::move(impl))
{}

SegmentationEngine::~SegmentationEngine() = default;

SegmentationEngine::Impl &
SegmentationEngine::GetImpl() const
{
  return *m_Impl;
}

const ModelConfig &
SegmentationEngine::GetConfig() const
{
  return m_Impl->Config;
}

bool
SegmentationEngine::IsTorchScript() const
{
  return m_Impl->Script.has_value();
}

std::string
SegmentationEngine::GetIdentity() const
{
  return m_Impl->Identity;
}

std::string
SegmentationEngine::GetDevice() const
{
  return m_Impl->Device.str();
}

void
SegmentationEngine::SetNumberOfThreads(int threads)
{
  if (threads < 1)
  {
    return;
  }
  if (torch::get_num_threads() != threads)
  {
    torch::set_num_threads(threads);
  }
  // OpenBLAS keeps a pool of its own (where LibTorch was linked against it). Two pools of spinning threads on the
  // same cores slow each other down: on 2 cores, small network, 2 LibTorch threads with 2 OpenBLAS threads took
  // 275 ms per 4 tiles, with 1 OpenBLAS thread 133 ms (Documentation/benchmarks.md). BLAS runs single-threaded
  // inside LibTorch's parallel regions.
  using SetThreads = void (*)(int);
  if (auto * openblas = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
  {
    openblas(1);
  }
}

void
SegmentationEngine::Impl::PlaceOn(const DeviceOptions & options)
{
  Device = ChooseDevice(options.Device);
  Half = options.HalfPrecision && Device.is_cuda();
  SetNumberOfThreads(options.Threads);
  if (Script)
  {
    Script->to(Device);
    Script->eval();
  }
  else
  {
    Net->to(Device);
    if (Half)
    {
      Net->to(torch::kHalf);
    }
    Net->eval();
  }
}

std::unique_ptr<SegmentationEngine>
SegmentationEngine::Create(const ModelConfig & config, std::uint64_t seed, const DeviceOptions & device)
{
  try
  {
    config.Validate();
  }
  catch (const std::invalid_argument & e)
  {
    throw ModelError(e.what());
  }
  torch::manual_seed(seed);
  auto impl = std::make_unique<Impl>();
  impl->Config = config;
  impl->Net = network::SCoPSAMNet(config);
  impl->Identity = config.Name + " (fresh weights, seed " + std::to_string(seed) + ")";
  impl->PlaceOn(device);
  return std::unique_ptr<SegmentationEngine>(new SegmentationEngine(std::move(impl)));
}

namespace
{

/** Reads a native model from an opened archive: version, configuration, every tensor by name and shape. */
std::unique_ptr<SegmentationEngine::Impl>
ReadNativeModel(torch::serialize::InputArchive & archive, const std::string & name, const c10::IValue & version)
{
  if (!version.isInt() || version.toInt() != ModelFormatVersion)
  {
    throw ModelError(name + " is a SCoP-SAM model of format version " + (version.isInt() ? std::to_string(version.toInt()) : "?") +
                     "; this program reads version " + std::to_string(ModelFormatVersion));
  }
  auto        impl = std::make_unique<SegmentationEngine::Impl>();
  c10::IValue configText;
  if (!archive.try_read("scopsam_config", configText) || !configText.isString())
  {
    throw ModelError(name + " has no configuration record");
  }
  try
  {
    impl->Config = ModelConfig::FromJSON(configText.toStringRef());
  }
  catch (const std::invalid_argument & e)
  {
    throw ModelError(name + ": " + e.what());
  }
  impl->Net = network::SCoPSAMNet(impl->Config);
  torch::NoGradGuard noGrad;
  auto               load = [&](const std::string & key, torch::Tensor & target, bool buffer) {
    torch::Tensor stored;
    if (!archive.try_read(key, stored, buffer))
    {
      throw ModelError(name + " lacks the tensor " + key + " that its configuration (" + impl->Config.Name + ") needs");
    }
    if (!stored.sizes().equals(target.sizes()))
    {
      throw ModelError(name + ": tensor " + key + " has shape " + Shape(stored) + " but the configuration needs " + Shape(target));
    }
    target.copy_(stored);
  };
  for (auto & p : impl->Net->named_parameters())
  {
    load(p.key(), p.value(), false);
  }
  for (auto & b : impl->Net->named_buffers())
  {
    load(b.key(), b.value(), true);
  }
  return impl;
}

} // namespace

std::unique_ptr<SegmentationEngine>
SegmentationEngine::LoadFromMemory(const char * data, std::size_t size, const std::string & name, const DeviceOptions & device)
{
  torch::serialize::InputArchive archive;
  try
  {
    archive.load_from(data, size, torch::kCPU);
  }
  catch (const c10::Error &)
  {
    throw ModelError(name + " is not a model, or it is truncated");
  }
  c10::IValue version;
  if (!archive.try_read("scopsam_format_version", version))
  {
    throw ModelError(name + " is not a SCoP-SAM model");
  }
  auto impl = ReadNativeModel(archive, name, version);
  impl->Identity = impl->Config.Name + " " + name;
  impl->PlaceOn(device);
  return std::unique_ptr<SegmentationEngine>(new SegmentationEngine(std::move(impl)));
}

std::unique_ptr<SegmentationEngine>
SegmentationEngine::Load(const std::string & path, const DeviceOptions & device)
{
  std::error_code error;
  if (!fs::is_regular_file(path, error))
  {
    throw ModelError("no such model file: " + path);
  }
  torch::serialize::InputArchive archive;
  try
  {
    archive.load_from(path, torch::kCPU);
  }
  catch (const c10::Error & e)
  {
    throw ModelError(path + " is not a model file (neither a SCoP-SAM model nor TorchScript), or it is truncated");
  }
  c10::IValue version;
  if (archive.try_read("scopsam_format_version", version))
  {
    auto impl = ReadNativeModel(archive, path, version);
    impl->Identity = impl->Config.Name + " " + fs::path(path).filename().string() + " #" + FileHash(path);
    impl->PlaceOn(device);
    return std::unique_ptr<SegmentationEngine>(new SegmentationEngine(std::move(impl)));
  }
  // Not a SCoP-SAM file: a TorchScript module of the documented signature.
  auto impl = std::make_unique<Impl>();
  try
  {
    impl->Script = torch::jit::load(path, torch::kCPU);
  }
  catch (const c10::Error & e)
  {
    throw ModelError(path + " is neither a SCoP-SAM model nor a loadable TorchScript module: " + FirstLine(e.what()));
  }
  if (!impl->Script->find_method("forward"))
  {
    throw ModelError(path + " is a TorchScript file without a forward method");
  }
  impl->Config = ModelConfig::Small();
  impl->Config.Name = "torchscript";
  if (impl->Script->hasattr("scopsam_config"))
  {
    try
    {
      impl->Config = ModelConfig::FromJSON(impl->Script->attr("scopsam_config").toStringRef());
    }
    catch (const std::exception & e)
    {
      throw ModelError(path + ": its scopsam_config attribute is not a valid configuration: " + e.what());
    }
  }
  impl->Identity = "torchscript " + fs::path(path).filename().string() + " #" + FileHash(path);
  impl->PlaceOn(device);
  return std::unique_ptr<SegmentationEngine>(new SegmentationEngine(std::move(impl)));
}

void
SegmentationEngine::SetProvenance(const std::string & training, double trainingPixelScale)
{
  m_Impl->Config.Training = training;
  m_Impl->Config.TrainingPixelScale = trainingPixelScale;
}

void
SegmentationEngine::Save(const std::string & path) const
{
  if (IsTorchScript())
  {
    throw ModelError("a TorchScript model is saved by the program that made it, not by SCoP-SAM");
  }
  const fs::path  target(path);
  const fs::path  folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::error_code error;
  if (!fs::is_directory(folder, error))
  {
    throw ModelError("cannot write " + path + ": the folder " + folder.string() + " does not exist");
  }
  const fs::path temporary = folder / ("." + target.filename().string() + ".partial-" + std::to_string(::getpid()));
  try
  {
    torch::serialize::OutputArchive archive;
    archive.write("scopsam_format_version", c10::IValue(static_cast<int64_t>(ModelFormatVersion)));
    archive.write("scopsam_config", c10::IValue(m_Impl->Config.ToJSON()));
    for (const auto & p : m_Impl->Net->named_parameters())
    {
      archive.write(p.key(), p.value().detach().to(torch::kCPU, torch::kFloat32));
    }
    for (const auto & b : m_Impl->Net->named_buffers())
    {
      archive.write(b.key(), b.value().detach().to(torch::kCPU, torch::kFloat32), true);
    }
    archive.save_to(temporary.string());
    fs::rename(temporary, target);
  }
  catch (const std::exception & e)
  {
    fs::remove(temporary, error);
    throw ModelError("cannot write " + path + ": " + FirstLine(e.what()));
  }
}

std::vector<PixelRegion>
SegmentationEngine::PlaceTiles(std::int64_t width, std::int64_t height, int tileSize, int overlap)
{
  std::vector<PixelRegion> tiles;
  for (const auto y : PlaceAxis(height, tileSize, overlap))
  {
    for (const auto x : PlaceAxis(width, tileSize, overlap))
    {
      tiles.push_back({ x, y, tileSize, tileSize });
    }
  }
  return tiles;
}

TilingOptions
SegmentationEngine::Resolve(const TilingOptions & options) const
{
  TilingOptions r = options;
  const int     native = m_Impl->Config.TileSize;
  if (r.TileSize == 0)
  {
    r.TileSize = native;
  }
  const int multiple = m_Impl->Config.PatchSize * 4;
  if (r.TileSize < multiple || r.TileSize > 4096 || r.TileSize % multiple != 0)
  {
    throw ModelError("the tile size must be a multiple of " + std::to_string(multiple) + " in [" + std::to_string(multiple) +
                     ", 4096], got " + std::to_string(r.TileSize));
  }
  if (r.Overlap < 0)
  {
    r.Overlap = r.TileSize / 4;
  }
  if (r.Overlap >= r.TileSize)
  {
    throw ModelError("the overlap must be smaller than the tile (" + std::to_string(r.TileSize) + "), got " +
                     std::to_string(r.Overlap));
  }
  if (r.BatchSize < 1 || r.BatchSize > 1024)
  {
    throw ModelError("the batch size must be in [1, 1024], got " + std::to_string(r.BatchSize));
  }
  return r;
}

PixelRegion
SegmentationEngine::InputRegion(std::int64_t width, std::int64_t height, const PixelRegion & output,
                                const Prompts & prompts, const TilingOptions & options) const
{
  const TilingOptions o = Resolve(options);
  PixelRegion         needed;
  for (const auto & tile : PlaceTiles(width, height, o.TileSize, o.Overlap))
  {
    if (Intersects(tile, output))
    {
      needed = Union(needed, tile);
    }
  }
  for (const auto & click : prompts.Clicks)
  {
    needed = Union(needed, ClickTile(click, width, height, o.TileSize));
  }
  return Clip(needed, width, height);
}

std::size_t
SegmentationEngine::CountTiles(std::int64_t width, std::int64_t height, const PixelRegion & output,
                               const TilingOptions & options) const
{
  const TilingOptions o = Resolve(options);
  std::size_t         count = 0;
  for (const auto & tile : PlaceTiles(width, height, o.TileSize, o.Overlap))
  {
    count += Intersects(tile, output) ? 1 : 0;
  }
  return count;
}

void
SegmentationEngine::Predict(std::int64_t width, std::int64_t height, const ImageBlock & input, const Prompts & prompts,
                            const TilingOptions & options, const PixelRegion & output, float * probabilities,
                            const ProgressCallback & progress, const std::atomic<bool> * abort) const
{
  const TilingOptions o = Resolve(options);
  const ModelConfig & config = m_Impl->Config;
  const int           T = o.TileSize;
  const int           P = config.PriorChannels;
  if (width < 1 || height < 1)
  {
    throw ModelError("the image is empty");
  }
  const PixelRegion needed = InputRegion(width, height, output, prompts, o);
  if (input.Region.X > needed.X || input.Region.Y > needed.Y || input.Region.X + input.Region.Width < needed.X + needed.Width ||
      input.Region.Y + input.Region.Height < needed.Y + needed.Height)
  {
    throw ModelError("Predict: the input block does not cover the region the tiles need");
  }
  if (P > 0 && input.Priors == nullptr)
  {
    throw ModelError("the model takes " + std::to_string(P) + " prior channels but none were given");
  }
  for (const auto & click : prompts.Clicks)
  {
    if (!(click.X >= 0 && click.X < width && click.Y >= 0 && click.Y < height) || (click.Label != 0 && click.Label != 1))
    {
      throw ModelError("a click must lie inside the image (0 <= x < " + std::to_string(width) + ", 0 <= y < " +
                       std::to_string(height) + ") with label 0 or 1");
    }
  }

  torch::InferenceMode inference;
  const auto           blockOptions = torch::TensorOptions().dtype(torch::kFloat32);
  // The pixels of a tile: reflected into the image, read from the block.
  auto gather = [&](const PixelRegion & tile, float * imageOut, float * priorsOut) {
    const std::int64_t planeSize = input.Region.Width * input.Region.Height;
    for (int v = 0; v < T; ++v)
    {
      const std::int64_t y = ReflectIndex(tile.Y + v, height) - input.Region.Y;
      for (int u = 0; u < T; ++u)
      {
        const std::int64_t x = ReflectIndex(tile.X + u, width) - input.Region.X;
        const std::int64_t at = y * input.Region.Width + x;
        imageOut[v * T + u] = input.Image[at];
        for (int c = 0; c < P; ++c)
        {
          priorsOut[(static_cast<std::int64_t>(c) * T + v) * T + u] = input.Priors[c * planeSize + at];
        }
      }
    }
  };
  auto toDevice = [&](torch::Tensor t) {
    t = t.to(m_Impl->Device);
    return m_Impl->Half ? t.to(torch::kHalf) : t;
  };

  // Appearance tokens of the clicks, each seen in the tile centred on it (native models).
  torch::Tensor appearance;
  if (!prompts.Clicks.empty() && !m_Impl->Script)
  {
    std::vector<torch::Tensor> tokens;
    for (const auto & click : prompts.Clicks)
    {
      const PixelRegion tile = ClickTile(click, width, height, T);
      auto              image = torch::empty({ 1, 1, T, T }, blockOptions);
      auto              priors = torch::empty({ 1, P, T, T }, blockOptions);
      gather(tile, image.data_ptr<float>(), priors.data_ptr<float>());
      image = toDevice(image);
      priors = toDevice(priors);
      auto embedding = m_Impl->Net->encode(image, priors);
      auto where = toDevice(torch::tensor({ static_cast<float>(click.X - tile.X), static_cast<float>(click.Y - tile.Y) }).view({ 1, 2 }));
      tokens.push_back(m_Impl->Net->prompt_encoder->appearanceTokens(embedding, priors, where, toDevice(torch::tensor({ static_cast<float>(click.Label) }))));
    }
    appearance = torch::cat(tokens, 0);
  }

  // The tiles that touch the output (and the region of interest), in the global order.
  std::vector<PixelRegion> tiles;
  PixelRegion              roi{ 0, 0, width, height };
  if (prompts.HasBox)
  {
    const auto & b = prompts.Region;
    roi = Clip({ static_cast<std::int64_t>(std::floor(std::min(b.X0, b.X1))), static_cast<std::int64_t>(std::floor(std::min(b.Y0, b.Y1))),
                 static_cast<std::int64_t>(std::floor(std::max(b.X0, b.X1))) - static_cast<std::int64_t>(std::floor(std::min(b.X0, b.X1))) + 1,
                 static_cast<std::int64_t>(std::floor(std::max(b.Y0, b.Y1))) - static_cast<std::int64_t>(std::floor(std::min(b.Y0, b.Y1))) + 1 },
               width, height);
  }
  for (const auto & tile : PlaceTiles(width, height, T, o.Overlap))
  {
    if (Intersects(tile, output) && Intersects(tile, roi))
    {
      tiles.push_back(tile);
    }
  }

  const std::vector<float> window = Window(T, o.Window);
  std::vector<float>       weightSum(static_cast<std::size_t>(output.Pixels()), 0.0f);
  std::fill(probabilities, probabilities + output.Pixels(), 0.0f);
  for (std::size_t start = 0; start < tiles.size(); start += static_cast<std::size_t>(o.BatchSize))
  {
    if (abort != nullptr && abort->load())
    {
      throw AbortedError("segmentation aborted");
    }
    const std::size_t count = std::min<std::size_t>(static_cast<std::size_t>(o.BatchSize), tiles.size() - start);
    const auto        B = static_cast<std::int64_t>(count);
    auto              images = torch::empty({ B, 1, T, T }, blockOptions);
    auto              priors = torch::empty({ B, std::max(P, 0), T, T }, blockOptions);
    // In-tile clicks as point tokens, padded to the batch's largest count with label -1.
    std::vector<std::vector<std::array<float, 3>>> inTile(count);
    std::size_t                                    K = 0;
    for (std::size_t i = 0; i < count; ++i)
    {
      const auto & tile = tiles[start + i];
      gather(tile, images[static_cast<std::int64_t>(i)].data_ptr<float>(), priors[static_cast<std::int64_t>(i)].data_ptr<float>());
      for (const auto & click : prompts.Clicks)
      {
        if (click.X >= tile.X && click.X < tile.X + T && click.Y >= tile.Y && click.Y < tile.Y + T)
        {
          inTile[i].push_back({ static_cast<float>(click.X - tile.X), static_cast<float>(click.Y - tile.Y), static_cast<float>(click.Label) });
        }
      }
      K = std::max(K, inTile[i].size());
    }
    auto coordinates = torch::zeros({ B, static_cast<std::int64_t>(K), 2 }, blockOptions);
    auto labels = -torch::ones({ B, static_cast<std::int64_t>(K) }, blockOptions);
    for (std::size_t i = 0; i < count; ++i)
    {
      for (std::size_t k = 0; k < inTile[i].size(); ++k)
      {
        coordinates[static_cast<std::int64_t>(i)][static_cast<std::int64_t>(k)][0] = inTile[i][k][0];
        coordinates[static_cast<std::int64_t>(i)][static_cast<std::int64_t>(k)][1] = inTile[i][k][1];
        labels[static_cast<std::int64_t>(i)][static_cast<std::int64_t>(k)] = inTile[i][k][2];
      }
    }
    // On CPU the tiles of a batch go through the network one by one: BLAS picks its kernels by matrix size, so a
    // batched product rounds differently from a single one, and a pixel's probability would depend on the batch
    // size. On CUDA the batch runs as one (there the results agree to float precision, not to the bit).
    const bool          perTile = !m_Impl->Device.is_cuda();
    std::vector<torch::Tensor> parts;
    for (std::int64_t first = 0; first < B; first += perTile ? 1 : B)
    {
      const std::int64_t n = perTile ? 1 : B;
      auto               tileImages = toDevice(images.narrow(0, first, n));
      auto               tilePriors = toDevice(priors.narrow(0, first, n));
      auto               tileCoordinates = toDevice(coordinates.narrow(0, first, n));
      auto               tileLabels = toDevice(labels.narrow(0, first, n));
      if (m_Impl->Script)
      {
        parts.push_back(m_Impl->Script->forward({ tileImages, tilePriors, tileCoordinates, tileLabels }).toTensor());
        continue;
      }
      network::TilePrompts tilePrompts;
      tilePrompts.PointCoordinates = tileCoordinates;
      tilePrompts.PointLabels = tileLabels;
      tilePrompts.Appearance = appearance;
      if (prompts.HasBox)
      {
        auto boxes = torch::empty({ n, 4 }, blockOptions);
        for (std::int64_t i = 0; i < n; ++i)
        {
          const auto & tile = tiles[start + static_cast<std::size_t>(first + i)];
          const float  x0 = static_cast<float>(std::clamp<double>(roi.X - tile.X, 0, T - 1));
          const float  y0 = static_cast<float>(std::clamp<double>(roi.Y - tile.Y, 0, T - 1));
          const float  x1 = static_cast<float>(std::clamp<double>(roi.X + roi.Width - 1 - tile.X, 0, T - 1));
          const float  y1 = static_cast<float>(std::clamp<double>(roi.Y + roi.Height - 1 - tile.Y, 0, T - 1));
          boxes[i] = torch::tensor({ x0, y0, x1, y1 });
        }
        tilePrompts.Boxes = toDevice(boxes);
      }
      parts.push_back(m_Impl->Net->forward(tileImages, tilePriors, tilePrompts).Logits);
    }
    const torch::Tensor logits = torch::cat(parts, 0);
    if (logits.dim() != 4 || logits.size(0) != B || logits.size(1) != 1 || logits.size(2) != T || logits.size(3) != T)
    {
      throw ModelError("the model returned logits of shape " + Shape(logits) + ", expected [" + std::to_string(B) + ", 1, " +
                       std::to_string(T) + ", " + std::to_string(T) + "]");
    }
    const auto tileProbabilities = torch::sigmoid(logits.to(torch::kCPU, torch::kFloat32)).contiguous();
    const float * p = tileProbabilities.data_ptr<float>();
    // Accumulate in the tiles' global order, so that a pixel's sum does not depend on the batches.
    for (std::size_t i = 0; i < count; ++i)
    {
      const auto & tile = tiles[start + i];
      const auto   r = Clip({ tile.X, tile.Y, T, T }, width, height);
      for (std::int64_t y = std::max(r.Y, output.Y); y < std::min(r.Y + r.Height, output.Y + output.Height); ++y)
      {
        const std::int64_t v = y - tile.Y;
        for (std::int64_t x = std::max(r.X, output.X); x < std::min(r.X + r.Width, output.X + output.Width); ++x)
        {
          const std::int64_t u = x - tile.X;
          const float        w = window[u] * window[v];
          const std::size_t  at = static_cast<std::size_t>((y - output.Y) * output.Width + (x - output.X));
          probabilities[at] += w * p[(static_cast<std::int64_t>(i) * T + v) * T + u];
          weightSum[at] += w;
        }
      }
    }
    if (progress)
    {
      progress(start + count, tiles.size());
    }
  }
  for (std::int64_t y = 0; y < output.Height; ++y)
  {
    for (std::int64_t x = 0; x < output.Width; ++x)
    {
      const std::size_t at = static_cast<std::size_t>(y * output.Width + x);
      const bool        inside = output.X + x >= roi.X && output.X + x < roi.X + roi.Width && output.Y + y >= roi.Y &&
                          output.Y + y < roi.Y + roi.Height;
      probabilities[at] = inside && weightSum[at] > 0.0f ? probabilities[at] / weightSum[at] : 0.0f;
    }
  }
}

std::vector<std::string>
SegmentationEngine::ImportSAM(const std::string & checkpoint, std::vector<std::string> * notLoaded)
{
  if (IsTorchScript() || m_Impl->Config.Name != "vit_b")
  {
    throw ModelError("SAM ViT-B weights load into the vit_b configuration only");
  }
  std::ifstream in(checkpoint, std::ios::binary);
  if (!in)
  {
    throw ModelError("no such checkpoint: " + checkpoint);
  }
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
  c10::IValue             value;
  try
  {
    value = torch::pickle_load(bytes);
  }
  catch (const c10::Error & e)
  {
    throw ModelError(checkpoint + " is not a plain dict of tensors saved by torch.save (convert the official "
                                  "checkpoint with Utilities/convert_sam_checkpoint.py): " + FirstLine(e.what()));
  }
  if (!value.isGenericDict())
  {
    throw ModelError(checkpoint + " holds no dict of tensors");
  }
  std::map<std::string, torch::Tensor> targets;
  for (auto & p : m_Impl->Net->named_parameters())
  {
    targets[p.key()] = p.value();
  }
  for (auto & b : m_Impl->Net->named_buffers())
  {
    targets[b.key()] = b.value();
  }
  std::vector<std::string> unused;
  std::set<std::string>    loaded;
  torch::NoGradGuard       noGrad;
  for (const auto & entry : value.toGenericDict())
  {
    const std::string name = entry.key().toStringRef();
    auto              target = targets.find(name);
    if (target == targets.end() || !entry.value().isTensor())
    {
      unused.push_back(name);
      continue;
    }
    const auto tensor = entry.value().toTensor();
    if (!tensor.sizes().equals(target->second.sizes()))
    {
      throw ModelError("SAM tensor " + name + " has shape " + Shape(tensor) + ", the vit_b network expects " +
                       Shape(target->second));
    }
    target->second.copy_(tensor.to(target->second.device(), target->second.scalar_type()));
    loaded.insert(name);
  }
  if (notLoaded != nullptr)
  {
    notLoaded->clear();
    for (const auto & t : targets)
    {
      if (!loaded.count(t.first))
      {
        notLoaded->push_back(t.first);
      }
    }
  }
  m_Impl->Identity = "vit_b with SAM weights from " + fs::path(checkpoint).filename().string();
  return unused;
}

} // namespace scopsam
