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
#include "scopsamImageIO.h"

#include "scopsamImageFileChecks.h"

#include "itkImageFileReader.h"
#include "itkImageIOFactory.h"
#include "itkVectorImage.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <mutex>
#include <sstream>
#include <vector>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace scopsam
{
namespace
{

std::string
Extension(const fs::path & path)
{
  const std::string name = path.filename().string();
  if (name.size() > 3 && name.compare(name.size() - 3, 3, ".gz") == 0)
  {
    return fs::path(name.substr(0, name.size() - 3)).extension().string() + ".gz";
  }
  return path.extension().string();
}

} // namespace

std::string
OneLine(std::string text)
{
  std::replace(text.begin(), text.end(), '\n', ' ');
  while (!text.empty() && text.back() == ' ')
  {
    text.pop_back();
  }
  return text;
}

std::string
ExceptionMessage(const itk::ExceptionObject & e)
{
  const std::string description = e.GetDescription();
  const auto        start = description.find("): ");
  return OneLine(start == std::string::npos ? description : description.substr(start + 3));
}

namespace
{
std::uint64_t
DefaultMemoryBudget()
{
  constexpr std::uint64_t GiB = std::uint64_t{ 1 } << 30;
  if (const char * text = std::getenv("SCOPSAM_MEMORY_BUDGET"))
  {
    char *       end = nullptr;
    const double gib = std::strtod(text, &end);
    if (end != text && *end == '\0' && gib >= 0.001 && gib <= 1e6)
    {
      return static_cast<std::uint64_t>(gib * static_cast<double>(GiB));
    }
    // an unreadable value: the default (one warning would be a second line on every error)
  }
  return 8 * GiB;
}
std::atomic<std::uint64_t> g_MemoryBudget{ DefaultMemoryBudget() };

/** Discards what ITK's image readers print on std::cerr while one lives (MetaIO reports a header it cannot parse in
 * three lines of its own before ITK throws): the failure reaches the user as the one line of the exception, the
 * chatter never. std::cerr belongs to the process: the first of several at once (threads reading images, as Python
 * may) points it at a buffer that keeps nothing (stateless, so concurrent writes are harmless) and the last one puts
 * the saved buffer back. */
class QuietReaders
{
public:
  QuietReaders()
  {
    auto &                            shared = Shared();
    const std::lock_guard<std::mutex> lock(shared.Mutex);
    if (shared.Depth++ == 0)
    {
      shared.Saved = std::cerr.rdbuf(&shared.Discard);
    }
  }
  ~QuietReaders()
  {
    auto &                            shared = Shared();
    const std::lock_guard<std::mutex> lock(shared.Mutex);
    if (--shared.Depth == 0)
    {
      std::cerr.rdbuf(shared.Saved);
    }
  }
  QuietReaders(const QuietReaders &) = delete;
  QuietReaders &
  operator=(const QuietReaders &) = delete;

private:
  struct DiscardingBuffer : std::streambuf
  {
    int_type
    overflow(int_type c) override
    {
      return traits_type::not_eof(c);
    }
    std::streamsize
    xsputn(const char *, std::streamsize count) override
    {
      return count;
    }
  };
  /** What every QuietReaders of the process shares. */
  struct State
  {
    std::mutex       Mutex;
    int              Depth = 0;
    std::streambuf * Saved = nullptr;
    DiscardingBuffer Discard;
  };
  static State &
  Shared()
  {
    static State state;
    return state;
  }
};
} // namespace

std::uint64_t
GetWholeImageMemoryBudget()
{
  return g_MemoryBudget.load();
}

void
SetWholeImageMemoryBudget(std::uint64_t bytes)
{
  if (bytes < (std::uint64_t{ 1 } << 20))
  {
    throw InputError("the memory budget must be at least 1 MiB");
  }
  g_MemoryBudget = bytes;
}

void
CheckWholeReadBudget(const ImageFileInfo & info)
{
  // As stored, plus one float per component: the reader's buffer and the gray copy the commands work on.
  std::uint64_t components = info.NumberOfComponents;
  for (const auto s : info.Size)
  {
    components *= s; // no overflow: InspectImageFile() refused sizes whose bytes overflow
  }
  const double needed = static_cast<double>(info.Bytes) + 4.0 * static_cast<double>(components);
  if (needed > static_cast<double>(GetWholeImageMemoryBudget()))
  {
    std::ostringstream text;
    text.precision(3);
    text << info.Path << " needs " << needed / 1073741824.0 << " GiB to be read whole, more than the memory budget of "
         << static_cast<double>(GetWholeImageMemoryBudget()) / 1073741824.0
         << " GiB: raise it (--memory-budget GIB, or SCOPSAM_MEMORY_BUDGET), or convert the file to MetaImage or NRRD "
            "with raw data, which segment and priors stream";
    throw InputError(text.str());
  }
}

ImageFileInfo
InspectImageFile(const std::string & path)
{
  std::error_code error;
  if (!fs::exists(path, error))
  {
    throw InputError("no such file: " + path);
  }
  if (fs::is_directory(path, error))
  {
    throw InputError(path + " is a folder, not an image file");
  }
  if (!fs::is_regular_file(path, error)) // a FIFO would block the readers for ever, a device never ends
  {
    throw InputError(path + " is not a regular file (a FIFO, device or socket); an image file is expected");
  }
  // Before ITK's readers see the file, even to ask whether they can read it: libpng's header errors abort inside
  // ITK 5.2, its JPEG reader crashes on a truncated header (already in CanReadFile), its BMP reader reads
  // truncated pixel data without a word, libtiff reads a truncated strip as a warning line and gray pixels, MetaIO
  // overflows fixed fields with long header lines.
  CheckPNGStructure(path);
  CheckJPEGStructure(path);
  CheckBMPStructure(path);
  CheckTIFFStructure(path);
  CheckMetaImageStructure(path); // before MetaIO copies its strings into fixed fields
  itk::ImageIOBase::Pointer io;
  {
    const QuietReaders quiet;
    io = itk::ImageIOFactory::CreateImageIO(path.c_str(), itk::IOFileModeEnum::ReadMode);
    if (io.IsNull())
    {
      throw InputError(path + " is not an image file ITK can read (PNG, TIFF, JPEG, BMP, MHA, NRRD, ...)");
    }
    io->SetFileName(path);
    try
    {
      io->ReadImageInformation();
    }
    catch (const itk::ExceptionObject & e)
    {
      throw InputError("cannot read the header of " + path + ": " + ExceptionMessage(e));
    }
  }
  ImageFileInfo info;
  info.Path = path;
  info.Dimension = io->GetNumberOfDimensions();
  info.ComponentType = io->GetComponentType();
  info.NumberOfComponents = io->GetNumberOfComponents();
  if (info.ComponentType == itk::IOComponentEnum::UNKNOWNCOMPONENTTYPE)
  {
    // ITK's GetComponentSize() throws on it; a header that names no known pixel type is a corrupt one
    throw InputError(path + " names no pixel type ITK knows (a corrupt header)");
  }
  std::uint64_t bytes = info.Dimension > 0 ? io->GetComponentSize() * info.NumberOfComponents : 0;
  bool          overflow = false;
  for (unsigned int d = 0; d < info.Dimension; ++d)
  {
    info.Size.push_back(io->GetDimensions(d));
    overflow = overflow || __builtin_mul_overflow(bytes, std::uint64_t{ io->GetDimensions(d) }, &bytes);
  }
  if (overflow)
  {
    throw InputError(path + " claims a size that no file can hold (a corrupt header)");
  }
  if (bytes == 0)
  {
    throw InputError(path + " holds no pixels (an empty image)");
  }
  // ITK's reader hands the header's geometry to Image::SetSpacing() and friends, whose matrix inverse (VNL) aborts
  // on non-finite values: a spacing of NaN or 1e308, or a TIFF resolution of 0 (25.4 / 0 mm), is refused here.
  const auto plausible = [](double v, double lowest) { return std::isfinite(v) && std::abs(v) >= lowest && std::abs(v) <= 1e30; };
  for (unsigned int d = 0; d < info.Dimension; ++d)
  {
    if (!(io->GetSpacing(d) > 0.0 && plausible(io->GetSpacing(d), 1e-30)))
    {
      std::ostringstream text;
      text << path << " claims a pixel spacing of " << io->GetSpacing(d)
           << " (a corrupt header; a spacing is positive, within 1e-30 to 1e30)";
      throw InputError(text.str());
    }
    const auto direction = io->GetDirection(d);
    if (!plausible(io->GetOrigin(d), 0.0) ||
        !std::all_of(direction.begin(), direction.end(), [&](double v) { return plausible(v, 0.0); }))
    {
      throw InputError(path + " claims a non-finite origin or direction (a corrupt header)");
    }
  }
  if (const auto raw = DescribeRawData(path, bytes))
  {
    CheckRawDataSize(path, *raw); // before ITK allocates what a lying header claims
  }
  info.Bytes = bytes;
  info.Streamable = io->CanStreamRead();
  if (!info.Streamable)
  {
    CheckWholeReadBudget(info); // its reader allocates the whole image, whatever region is asked for
  }
  return info;
}

GrayImage2D::Pointer
ReadGrayImage(const std::string & path, SliceGeometry * geometry)
{
  const ImageFileInfo info = InspectImageFile(path);
  CheckWholeReadBudget(info); // read whole, streamable or not
  if (!info.IsPlanar())
  {
    std::ostringstream size;
    for (std::size_t d = 0; d < info.Size.size(); ++d)
    {
      size << (d ? "x" : "") << info.Size[d];
    }
    throw InputError(path + " is a " + std::to_string(info.Dimension) + "-D image of size " + size.str() +
                     "; a 2-D micrograph (or a 3-D image of one slice) is expected");
  }
  if (info.NumberOfComponents != 1 && info.NumberOfComponents != 3 && info.NumberOfComponents != 4)
  {
    throw InputError(path + " has " + std::to_string(info.NumberOfComponents) +
                     " components per pixel; gray, RGB or RGBA is expected");
  }
  // Any planar file reads into a 3-D vector image of one slice; the gray level is the mean of R, G and B.
  using FileImageType = itk::VectorImage<float, 3>;
  auto reader = itk::ImageFileReader<FileImageType>::New();
  reader->SetFileName(path);
  try
  {
    const QuietReaders quiet;
    reader->Update();
  }
  catch (const itk::ExceptionObject & e)
  {
    throw InputError("cannot read the pixels of " + path + " (corrupt or truncated?): " + ExceptionMessage(e));
  }
  const FileImageType * file = reader->GetOutput();
  const auto            size3 = file->GetLargestPossibleRegion().GetSize();
  auto                  gray = GrayImage2D::New();
  gray->SetRegions(GrayImage2D::RegionType(GrayImage2D::SizeType{ { size3[0], size3[1] } }));
  GrayImage2D::SpacingType spacing;
  GrayImage2D::PointType   origin;
  for (unsigned int d = 0; d < 2; ++d)
  {
    spacing[d] = file->GetSpacing()[d];
    origin[d] = file->GetOrigin()[d];
  }
  gray->SetSpacing(spacing);
  gray->SetOrigin(origin);
  gray->Allocate();
  const unsigned int channels = std::min(3u, file->GetNumberOfComponentsPerPixel());
  const float *      in = file->GetBufferPointer();
  float *            out = gray->GetBufferPointer();
  const std::size_t  count = size3[0] * size3[1];
  const unsigned int stride = file->GetNumberOfComponentsPerPixel();
  for (std::size_t i = 0; i < count; ++i)
  {
    float sum = 0.0f;
    for (unsigned int c = 0; c < channels; ++c)
    {
      sum += in[i * stride + c];
    }
    out[i] = channels == 1 ? sum : sum / static_cast<float>(channels);
  }
  if (geometry != nullptr)
  {
    geometry->FileDimension = info.Dimension;
    geometry->Origin = file->GetOrigin();
    geometry->Spacing = file->GetSpacing();
    geometry->Direction = file->GetDirection();
  }
  return gray;
}

namespace
{
/** 0/1 where `isPhase` holds for the gray level, with the gray image's geometry. */
template <typename TPredicate>
UInt8Image2D::Pointer
MaskOf(const GrayImage2D * gray, TPredicate isPhase)
{
  auto mask = UInt8Image2D::New();
  mask->CopyInformation(gray);
  mask->SetRegions(gray->GetLargestPossibleRegion());
  mask->Allocate();
  const std::size_t count = gray->GetLargestPossibleRegion().GetNumberOfPixels();
  for (std::size_t i = 0; i < count; ++i)
  {
    mask->GetBufferPointer()[i] = isPhase(gray->GetBufferPointer()[i]) ? 1 : 0;
  }
  return mask;
}
} // namespace

UInt8Image2D::Pointer
ReadMask(const std::string & path)
{
  return MaskOf(ReadGrayImage(path).GetPointer(), [](float v) { return v != 0.0f; });
}

UInt8Image2D::Pointer
ReadLabelImage(const std::string & path, int largestLabel)
{
  const auto        gray = ReadGrayImage(path);
  const std::size_t count = gray->GetLargestPossibleRegion().GetNumberOfPixels();
  const float *     p = gray->GetBufferPointer();
  const float *     bad = std::find_if(p, p + count, [largestLabel](float v) {
    return !(v >= 0.0f && v <= static_cast<float>(largestLabel) && v == std::floor(v));
  });
  if (bad != p + count)
  {
    throw InputError(path + " is not a label image of values 0.." + std::to_string(largestLabel) + " (it holds " +
                     std::to_string(*bad) + ")");
  }
  auto labels = UInt8Image2D::New();
  labels->CopyInformation(gray);
  labels->SetRegions(gray->GetLargestPossibleRegion());
  labels->Allocate();
  std::transform(p, p + count, labels->GetBufferPointer(), [](float v) { return static_cast<unsigned char>(v); });
  return labels;
}

UInt8Image2D::Pointer
ReadBinaryMask(const std::string & path, double threshold)
{
  const auto gray = ReadGrayImage(path);
  if (threshold >= 0.0)
  {
    return MaskOf(gray.GetPointer(), [threshold](float v) { return v >= threshold; });
  }
  // Binary: besides 0, one gray level at most.
  const std::size_t count = gray->GetLargestPossibleRegion().GetNumberOfPixels();
  const float *     p = gray->GetBufferPointer();
  const float *     other = std::find_if(p, p + count, [](float v) { return v != 0.0f; });
  const float *     third = other == p + count ? other : std::find_if(other, p + count, [other](float v) { return v != 0.0f && v != *other; });
  if (third != p + count)
  {
    throw InputError(path + " is not a binary mask (it has more than two gray levels, e.g. " + std::to_string(*other) +
                     " and " + std::to_string(*third) +
                     "): a micrograph or a probability map? Give --mask-threshold to binarise it");
  }
  return MaskOf(gray.GetPointer(), [](float v) { return v != 0.0f; });
}

void
RefuseToOverwriteInputs(const std::string & output, const std::vector<std::string> & inputs)
{
  std::error_code error;
  for (const auto & input : inputs)
  {
    if (input.empty())
    {
      continue;
    }
    const bool same = fs::exists(output, error) && fs::exists(input, error)
                        ? fs::equivalent(output, input, error)
                        : fs::weakly_canonical(output, error) == fs::weakly_canonical(input, error);
    if (same)
    {
      throw InputError("refusing to overwrite the input " + input + " with an output");
    }
  }
}

void
CheckOutputPaths(const std::vector<std::pair<std::string, std::string>> & outputs, const std::vector<std::string> & inputs)
{
  // Each path resolved once (a folder of a thousand images has thousands of paths): the inputs by their resolved
  // name and, where they exist, by device and inode (a hard link is the same file under another name).
  std::error_code                               error;
  std::map<std::string, std::string>            inputNames;
  std::set<std::pair<dev_t, ino_t>>             inputFiles;
  for (const auto & input : inputs)
  {
    if (!input.empty())
    {
      inputNames.emplace(fs::weakly_canonical(input, error).string(), input);
      struct stat status{};
      if (::stat(input.c_str(), &status) == 0)
      {
        inputFiles.emplace(status.st_dev, status.st_ino);
      }
    }
  }
  std::map<std::string, std::string> outputNames; // resolved name -> what
  for (const auto & [what, path] : outputs)
  {
    if (path.empty())
    {
      continue;
    }
    const std::string name = fs::weakly_canonical(path, error).string();
    struct stat       status{};
    if (inputNames.count(name) || (::stat(path.c_str(), &status) == 0 && inputFiles.count({ status.st_dev, status.st_ino })))
    {
      throw InputError("refusing to overwrite the input " + path + " with an output (" + what + ")");
    }
    if (const auto [other, added] = outputNames.emplace(name, what); !added)
    {
      throw InputError(what + " and " + other->second + " name the same file " + path + ": give each its own");
    }
    const fs::path folder = fs::absolute(fs::path(path), error).parent_path();
    if (!fs::is_directory(folder, error))
    {
      throw InputError("cannot write " + path + " (" + what + "): no such folder " + folder.string());
    }
    if (::access(folder.c_str(), W_OK | X_OK) != 0)
    {
      throw InputError("cannot write " + path + " (" + what + "): the folder " + folder.string() + " is not writable");
    }
  }
}

namespace
{

/** The temporary files of the writes in progress, in fixed slots a signal handler can read without allocating. */
constexpr std::size_t       TemporarySlots = 64;
constexpr std::size_t       TemporaryPathLength = 4096;
char                        g_TemporaryPaths[TemporarySlots][TemporaryPathLength];
std::atomic<int>            g_TemporaryState[TemporarySlots]; // 0 free, 1 being filled, 2 holds a path

/** Registers a temporary file for the lifetime of the object (nothing when every slot is taken or the path is too
 * long: the write still happens, only the clean-up on a signal does not cover it). */
class RegisteredTemporary
{
public:
  explicit RegisteredTemporary(const std::string & path)
  {
    if (path.size() >= TemporaryPathLength)
    {
      return;
    }
    for (std::size_t i = 0; i < TemporarySlots; ++i)
    {
      int free = 0;
      if (g_TemporaryState[i].compare_exchange_strong(free, 1))
      {
        std::memcpy(g_TemporaryPaths[i], path.c_str(), path.size() + 1);
        g_TemporaryState[i].store(2);
        m_Slot = static_cast<int>(i);
        return;
      }
    }
  }
  ~RegisteredTemporary()
  {
    if (m_Slot >= 0)
    {
      g_TemporaryState[static_cast<std::size_t>(m_Slot)].store(0);
    }
  }
  RegisteredTemporary(const RegisteredTemporary &) = delete;
  RegisteredTemporary &
  operator=(const RegisteredTemporary &) = delete;

private:
  int m_Slot{ -1 };
};

extern "C" void
RemoveTemporariesAndDie(int signal)
{
  for (std::size_t i = 0; i < TemporarySlots; ++i)
  {
    if (g_TemporaryState[i].load() == 2)
    {
      ::unlink(g_TemporaryPaths[i]); // async-signal-safe
    }
  }
  std::signal(signal, SIG_DFL);
  std::raise(signal);
}

/** The data files ITK's MetaImage and NRRD writers put beside a detached header of the same stem. */
constexpr std::array<const char *, 3> DetachedDataSuffixes{ ".raw", ".zraw", ".raw.gz" };

/** `path` without its extension (the stem a detached header's data file shares). */
std::string
WithoutExtension(const fs::path & path)
{
  return path.string().substr(0, path.string().size() - Extension(path).size());
}

/** Removes a failed write's temporary file and the data files a detached header may have made beside it. */
void
RemoveWithData(const fs::path & temporary, const fs::path & movedData)
{
  std::error_code   error;
  fs::remove(temporary, error);
  for (const char * suffix : DetachedDataSuffixes)
  {
    fs::remove(WithoutExtension(temporary) + suffix, error);
  }
  if (!movedData.empty())
  {
    fs::remove(movedData, error);
  }
}

/** A detached header (MetaImage .mhd, NRRD .nhdr) written under a temporary name names its data file after that
 * name ("ElementDataFile = .x.partial-1-0.zraw", "data file: .x.partial-1-0.raw.gz"). Points the header at a data
 * file named after the target ("x.zraw"), then renames the data file so; the header itself is renamed by the
 * caller. Returns the data file's final path (empty where the header names none of the temporary's). */
fs::path
MoveDetachedData(const fs::path & temporaryHeader, const fs::path & target)
{
  const std::string extension = Extension(target);
  if (extension != ".mhd" && extension != ".nhdr")
  {
    return {};
  }
  const std::string key = extension == ".mhd" ? "ElementDataFile" : "data file:";
  std::ifstream     in(temporaryHeader, std::ios::binary);
  std::string       header((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  in.close();
  const std::string temporaryStem = temporaryHeader.stem().string();
  const std::string targetStem = target.stem().string();
  const auto        at = header.find(key);
  if (at == std::string::npos)
  {
    return {};
  }
  const auto valueStart = header.find(temporaryStem, at);
  const auto lineEnd = header.find('\n', at);
  if (valueStart == std::string::npos || (lineEnd != std::string::npos && valueStart > lineEnd))
  {
    return {};
  }
  const auto        valueEnd = lineEnd == std::string::npos ? header.size() : lineEnd;
  const std::string dataName = header.substr(valueStart, valueEnd - valueStart);
  const std::string finalName = targetStem + dataName.substr(temporaryStem.size());
  const fs::path    folder = temporaryHeader.parent_path();
  // The header first: should its rewrite fail, the data file still has the temporary name the clean-up removes.
  header.replace(valueStart, dataName.size(), finalName);
  std::ofstream out(temporaryHeader, std::ios::binary | std::ios::trunc);
  out << header;
  out.close();
  if (!out)
  {
    throw fs::filesystem_error("cannot rewrite the header", temporaryHeader, std::make_error_code(std::errc::io_error));
  }
  fs::rename(folder / dataName, folder / finalName);
  return folder / finalName;
}

} // namespace

void
RemoveTemporaryFilesOnInterrupt()
{
  for (const int signal : { SIGINT, SIGTERM, SIGHUP })
  {
    struct sigaction action
    {};
    action.sa_handler = RemoveTemporariesAndDie;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESETHAND;
    ::sigaction(signal, &action, nullptr);
  }
}

void
WriteAtomically(const std::string & path, const std::function<void(const std::string &)> & write)
{
  static std::atomic<unsigned long> counter{ 0 };
  const fs::path                    target(path);
  const fs::path                    folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::error_code                   error;
  if (!fs::is_directory(folder, error))
  {
    throw InputError("cannot write " + path + ": the folder " + folder.string() + " does not exist");
  }
  if (fs::is_directory(target, error))
  {
    throw InputError("cannot write " + path + ": it is a folder");
  }
  // A FIFO, device or socket of that name would be replaced by the rename (or, as root, a device node destroyed):
  // refused, as the readers refuse them.
  const auto status = fs::symlink_status(target, error);
  if (!error && fs::exists(status) && !fs::is_regular_file(status) && !fs::is_symlink(status))
  {
    throw InputError("cannot write " + path + ": it exists and is not a regular file (a FIFO, device or socket)");
  }
  if (!error && fs::is_symlink(status) && fs::exists(target, error) && !fs::is_regular_file(target, error))
  {
    throw InputError("cannot write " + path + ": it is a link to something that is not a regular file");
  }
  const std::string extension = Extension(target);
  const std::string stem = target.filename().string().substr(0, target.filename().string().size() - extension.size());
  // At most 100 characters of the stem, so that a target name a file system accepts (up to 255 bytes) still has a
  // temporary name it accepts.
  const fs::path    temporary = folder / ("." + stem.substr(0, 100) + ".partial-" + std::to_string(::getpid()) + "-" +
                                       std::to_string(counter++) + extension);
  // The temporary and the data files a detached header may name after it, for the clean-up on a signal.
  const RegisteredTemporary registered(temporary.string());
  const std::string         base = WithoutExtension(temporary);
  const RegisteredTemporary raw(base + DetachedDataSuffixes[0]), zraw(base + DetachedDataSuffixes[1]),
    rawgz(base + DetachedDataSuffixes[2]);
  fs::path                  data; // a detached header's data file, once moved to its final name
  try
  {
    write(temporary.string());
    data = MoveDetachedData(temporary, target);
    fs::rename(temporary, target);
  }
  catch (const itk::ProcessAborted &)
  {
    RemoveWithData(temporary, data);
    throw;
  }
  catch (const itk::ExceptionObject & e)
  {
    RemoveWithData(temporary, data);
    throw InputError("cannot write " + path + ": " + ExceptionMessage(e));
  }
  catch (const fs::filesystem_error & e)
  {
    RemoveWithData(temporary, data);
    throw InputError("cannot write " + path + ": " + e.what());
  }
  catch (...)
  {
    RemoveWithData(temporary, data);
    throw;
  }
}

bool
CanWriteInPieces(const std::string & path)
{
  auto io = itk::ImageIOFactory::CreateImageIO(path.c_str(), itk::IOFileModeEnum::WriteMode);
  if (io.IsNull())
  {
    return false;
  }
  io->SetUseCompression(false);
  return io->CanStreamWrite();
}

namespace
{
/** Opens images[i..] atomically (each a temporary file renamed when all are written), then runs the pieces. */
void
WriteStreamedFrom(const std::vector<StreamedImage> & images, std::size_t i, std::size_t rowsPerPiece, bool pieces)
{
  if (i < images.size())
  {
    const auto & image = images[i];
    if (image.Path.empty())
    {
      image.Begin("", pieces);
      WriteStreamedFrom(images, i + 1, rowsPerPiece, pieces);
      image.End();
      return;
    }
    WriteAtomically(image.Path, [&](const std::string & temporary) {
      image.Begin(temporary, pieces);
      WriteStreamedFrom(images, i + 1, rowsPerPiece, pieces);
      image.End();
    });
    return;
  }
  const auto largest = images.front().Image->GetLargestPossibleRegion();
  for (std::size_t row = 0; row < largest.GetSize(1); row += rowsPerPiece)
  {
    itk::ImageRegion<2> piece = largest;
    piece.SetIndex(1, largest.GetIndex(1) + static_cast<itk::IndexValueType>(row));
    piece.SetSize(1, std::min<std::size_t>(rowsPerPiece, largest.GetSize(1) - row));
    for (const auto & image : images)
    {
      image.Piece(piece);
    }
  }
}
} // namespace

void
WriteStreamed(const std::vector<StreamedImage> & images, std::size_t rowsPerPiece)
{
  if (images.empty())
  {
    return;
  }
  images.front().Image->UpdateOutputInformation();
  const std::size_t rows = images.front().Image->GetLargestPossibleRegion().GetSize(1);
  rowsPerPiece = std::max<std::size_t>(1, rowsPerPiece);
  WriteStreamedFrom(images, 0, rowsPerPiece, rowsPerPiece < rows);
}

namespace ImageIODetail
{

namespace
{
/** What the process writes to file descriptor 2 while it lives goes to an anonymous memory file instead, and Take()
 * returns it. C stdio (libtiff, libpng) and std::cerr (MetaIO, ITK's output window) both end there. */
class CapturedStandardError
{
public:
  CapturedStandardError()
  {
    std::cerr.flush();
    std::fflush(stderr);
    m_Capture = ::memfd_create("scopsam-library-messages", MFD_CLOEXEC);
    m_Saved = m_Capture >= 0 ? ::dup(2) : -1;
    if (m_Saved >= 0)
    {
      ::dup2(m_Capture, 2);
    }
  }
  ~CapturedStandardError() { Restore(); }
  CapturedStandardError(const CapturedStandardError &) = delete;
  CapturedStandardError &
  operator=(const CapturedStandardError &) = delete;

  std::string
  Take()
  {
    Restore();
    std::string text;
    if (m_Capture >= 0)
    {
      char buffer[4096];
      for (off_t at = 0;;)
      {
        const ssize_t got = ::pread(m_Capture, buffer, sizeof(buffer), at);
        if (got <= 0 || text.size() > 65536)
        {
          break;
        }
        text.append(buffer, static_cast<std::size_t>(got));
        at += got;
      }
      ::close(m_Capture);
      m_Capture = -1;
    }
    return text;
  }

private:
  void
  Restore()
  {
    if (m_Saved >= 0)
    {
      std::cerr.flush();
      std::fflush(stderr);
      ::dup2(m_Saved, 2);
      ::close(m_Saved);
      m_Saved = -1;
    }
  }
  int m_Capture{ -1 };
  int m_Saved{ -1 };
};

/** Writes `size` bytes to a new file `file` and closes it; throws itk::ExceptionObject naming what failed. */
void
WriteBytes(const std::string & file, const void * data, std::size_t size)
{
  const int descriptor = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (descriptor < 0)
  {
    itkGenericExceptionMacro(<< std::strerror(errno));
  }
  const auto * bytes = static_cast<const char *>(data);
  while (size > 0)
  {
    const ssize_t written = ::write(descriptor, bytes, size);
    if (written < 0 && errno == EINTR)
    {
      continue;
    }
    if (written <= 0)
    {
      const int error = written < 0 ? errno : ENOSPC;
      ::close(descriptor);
      itkGenericExceptionMacro(<< std::strerror(error));
    }
    bytes += written;
    size -= static_cast<std::size_t>(written);
  }
  if (::close(descriptor) != 0) // a network or delayed-allocation file system may report a full disk only here
  {
    itkGenericExceptionMacro(<< std::strerror(errno));
  }
}
} // namespace

void
RunWriterQuietly(const std::function<void()> & write)
{
  CapturedStandardError messages;
  write();
  const std::string said = messages.Take();
  if (!said.empty())
  {
    throw WriteFailure(__FILE__, __LINE__, OneLine(said.substr(0, said.find('\n'))), ITK_LOCATION);
  }
}

bool
IsPNGFile(const std::string & file)
{
  std::string extension = fs::path(file).extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char c) { return std::tolower(c); });
  return extension == ".png";
}

void
WritePNG(const void * pixels, std::size_t width, std::size_t height, int channels, int bits, const std::string & file)
{
  const int type = CV_MAKETYPE(bits == 16 ? CV_16U : CV_8U, channels);
  cv::Mat   image(static_cast<int>(height), static_cast<int>(width), type, const_cast<void *>(pixels));
  if (channels == 3)
  {
    cv::cvtColor(image, image, cv::COLOR_RGB2BGR); // OpenCV's order (a copy: the caller's pixels stay as they are)
  }
  std::vector<unsigned char> encoded;
  if (!cv::imencode(".png", image, encoded))
  {
    itkGenericExceptionMacro(<< "the PNG encoder failed");
  }
  WriteBytes(file, encoded.data(), encoded.size());
}

} // namespace ImageIODetail

void
WriteTextFile(const std::string & path, const std::string & contents)
{
  WriteAtomically(path, [&contents](const std::string & temporary) {
    std::ofstream out(temporary, std::ios::binary);
    out << contents;
    out.close();
    if (!out)
    {
      throw InputError("cannot write " + temporary);
    }
  });
}

} // namespace scopsam
