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
#include "scopsamImageFileChecks.h"
#include "scopsamTIFFDirectory.h"

#include "scopsamErrors.h"

#include <cstdio> // before jpeglib.h, which needs FILE
#include <jpeglib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <vector>

namespace scopsam
{
namespace
{

std::array<std::uint32_t, 256>
MakeCrcTable()
{
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t n = 0; n < 256; ++n)
  {
    std::uint32_t c = n;
    for (int k = 0; k < 8; ++k)
    {
      c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    table[n] = c;
  }
  return table;
}

std::uint32_t
BigEndian32(const unsigned char * p)
{
  return (std::uint32_t{ p[0] } << 24) | (std::uint32_t{ p[1] } << 16) | (std::uint32_t{ p[2] } << 8) | p[3];
}

/** Whether libpng accepts this bit depth for this colour type (PNG specification, table 11.1). */
bool
ValidBitDepth(unsigned colourType, unsigned bitDepth)
{
  switch (colourType)
  {
    case 0: // gray
      return bitDepth == 1 || bitDepth == 2 || bitDepth == 4 || bitDepth == 8 || bitDepth == 16;
    case 3: // palette
      return bitDepth == 1 || bitDepth == 2 || bitDepth == 4 || bitDepth == 8;
    case 2: // RGB
    case 4: // gray + alpha
    case 6: // RGBA
      return bitDepth == 8 || bitDepth == 16;
    default:
      return false;
  }
}

std::uint32_t
LittleEndian32(const unsigned char * p)
{
  return std::uint32_t{ p[0] } | (std::uint32_t{ p[1] } << 8) | (std::uint32_t{ p[2] } << 16) | (std::uint32_t{ p[3] } << 24);
}

std::string
Trim(const std::string & text)
{
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos)
  {
    return {};
  }
  return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

std::string
Lower(std::string text)
{
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

/** A detached data file's path: relative names are relative to the header's folder. */
std::string
BesideHeader(const std::string & header, const std::string & name)
{
  const std::filesystem::path data(name);
  return data.is_absolute() ? name : (std::filesystem::path(header).parent_path() / data).string();
}

constexpr std::size_t MaximumHeaderBytes = 1 << 20;

/** MetaImage: `Key = Value` lines; ElementDataFile is the last one, and LOCAL pixels start right after it. */
std::optional<RawDataExpectation>
DescribeMetaImage(const std::string & path, std::ifstream & in, std::uint64_t expectedBytes)
{
  RawDataExpectation expectation;
  expectation.ExpectedBytes = expectedBytes;
  long long   headerSize = 0;
  std::string line;
  while (static_cast<std::size_t>(in.tellg()) < MaximumHeaderBytes && std::getline(in, line))
  {
    const auto equals = line.find('=');
    if (equals == std::string::npos)
    {
      continue;
    }
    const std::string key = Trim(line.substr(0, equals)), value = Trim(line.substr(equals + 1));
    if (key == "CompressedData")
    {
      expectation.Compressed = Lower(value) == "true";
    }
    else if (key == "HeaderSize")
    {
      headerSize = std::atoll(value.c_str());
    }
    else if (key == "ElementDataFile")
    {
      if (value == "LOCAL")
      {
        expectation.DataFile = path;
        expectation.Offset = static_cast<std::uint64_t>(in.tellg());
      }
      else if (value == "LIST" || value.find('%') != std::string::npos || value.find(' ') != std::string::npos)
      {
        // Pixels spread over several files: ITK 5.2's MetaIO reads such a list past its buffers (found by fuzzing),
        // and a micrograph is one file.
        throw InputError(path + " keeps its pixels in several files (ElementDataFile = LIST or a file pattern), "
                                "which SCoP-SAM does not read: save the image as one file");
      }
      else
      {
        expectation.DataFile = BesideHeader(path, value);
        expectation.Offset = headerSize > 0 ? static_cast<std::uint64_t>(headerSize) : 0;
      }
      return expectation;
    }
  }
  return std::nullopt;
}

/** NRRD: `field: value` lines up to a blank line, after which attached pixels start. */
std::optional<RawDataExpectation>
DescribeNRRD(const std::string & path, std::ifstream & in, std::uint64_t expectedBytes)
{
  RawDataExpectation expectation;
  expectation.ExpectedBytes = expectedBytes;
  std::string encoding = "raw", dataFile;
  long long   byteSkip = 0;
  std::string line;
  while (static_cast<std::size_t>(in.tellg()) < MaximumHeaderBytes && std::getline(in, line))
  {
    if (Trim(line).empty())
    {
      break;
    }
    const auto colon = line.find(": ");
    if (line[0] == '#' || colon == std::string::npos || line.compare(colon, 3, ":=") == 0)
    {
      continue;
    }
    const std::string key = Lower(Trim(line.substr(0, colon))), value = Trim(line.substr(colon + 2));
    if (key == "encoding")
    {
      encoding = Lower(value);
    }
    else if (key == "data file" || key == "datafile")
    {
      dataFile = value;
    }
    else if (key == "byte skip" || key == "byteskip")
    {
      byteSkip = std::atoll(value.c_str());
    }
  }
  if (encoding == "gzip" || encoding == "gz")
  {
    expectation.Compressed = true;
  }
  else if (encoding != "raw")
  {
    return std::nullopt; // text, hex and bzip2 encodings
  }
  if (dataFile.empty())
  {
    expectation.DataFile = path;
    expectation.Offset = in ? static_cast<std::uint64_t>(in.tellg()) : 0;
  }
  else if (dataFile == "LIST" || dataFile.find(' ') != std::string::npos || dataFile.find('%') != std::string::npos)
  {
    throw InputError(path + " keeps its pixels in several files (data file: LIST or a file pattern), which SCoP-SAM "
                            "does not read: save the image as one file");
  }
  else
  {
    expectation.DataFile = BesideHeader(path, dataFile);
  }
  expectation.Offset += byteSkip > 0 ? static_cast<std::uint64_t>(byteSkip) : 0;
  return expectation;
}

} // namespace

std::optional<RawDataExpectation>
DescribeRawData(const std::string & path, std::uint64_t expectedBytes)
{
  std::ifstream in(path, std::ios::binary);
  char          magic[8] = {};
  if (!in.read(magic, 8))
  {
    return std::nullopt;
  }
  in.seekg(0);
  if (std::string(magic, 4) == "NRRD")
  {
    return DescribeNRRD(path, in, expectedBytes);
  }
  const std::string extension = Lower(std::filesystem::path(path).extension().string());
  if (extension == ".mha" || extension == ".mhd")
  {
    return DescribeMetaImage(path, in, expectedBytes);
  }
  return std::nullopt;
}

std::uint32_t
Crc32(const unsigned char * data, std::size_t size, std::uint32_t crc)
{
  static const auto table = MakeCrcTable();
  crc = ~crc;
  for (std::size_t i = 0; i < size; ++i)
  {
    crc = table[(crc ^ data[i]) & 0xFFu] ^ (crc >> 8);
  }
  return ~crc;
}

void
CheckPNGStructure(const std::string & path)
{
  static constexpr unsigned char signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n' };
  std::ifstream                  in(path, std::ios::binary);
  unsigned char                  head[8];
  if (!in.read(reinterpret_cast<char *>(head), 8) || !std::equal(head, head + 8, signature))
  {
    return; // not a PNG file: nothing to check here
  }
  const auto corrupt = [&path](const std::string & what) { return InputError(path + " is a corrupt PNG file: " + what); };
  bool       seenHeader = false, seenPalette = false;
  unsigned   colourType = 0;
  std::vector<unsigned char> buffer(1 << 16);
  for (int chunk = 0;; ++chunk)
  {
    unsigned char lengthAndType[8];
    if (!in.read(reinterpret_cast<char *>(lengthAndType), 8))
    {
      throw corrupt(seenHeader ? "it ends before its image data" : "it ends inside its header");
    }
    const std::uint32_t length = BigEndian32(lengthAndType);
    const std::string   type(reinterpret_cast<const char *>(lengthAndType + 4), 4);
    if (length > 0x7FFFFFFFu)
    {
      throw corrupt("chunk " + std::to_string(chunk) + " claims " + std::to_string(length) + " bytes");
    }
    if (chunk == 0 && (type != "IHDR" || length != 13))
    {
      throw corrupt("it does not start with a 13-byte IHDR chunk");
    }
    // What libpng's header read answers with png_error() (an abort inside ITK 5.2) rather than a warning: a chunk
    // type that is not four letters, a second IHDR, a second or malformed PLTE, a critical chunk it does not know.
    if (!std::all_of(type.begin(), type.end(), [](unsigned char c) { return std::isalpha(c) != 0; }))
    {
      throw corrupt("chunk " + std::to_string(chunk) + " has no valid chunk type");
    }
    if (chunk > 0 && type == "IHDR")
    {
      throw corrupt("a second IHDR chunk");
    }
    if (type == "PLTE" && (seenPalette || length == 0 || length % 3 != 0 || length > 768 || colourType == 0 || colourType == 4))
    {
      throw corrupt(seenPalette ? "a second PLTE chunk" : "a PLTE chunk of " + std::to_string(length) + " bytes in an image of colour type " + std::to_string(colourType));
    }
    if (std::isupper(static_cast<unsigned char>(type[0])) && type != "IHDR" && type != "PLTE" && type != "IDAT" && type != "IEND")
    {
      throw corrupt("an unknown critical chunk " + type);
    }
    if (type == "IDAT")
    {
      if (colourType == 3 && !seenPalette)
      {
        throw corrupt("a palette image without a PLTE chunk");
      }
      return; // libpng's header read stops here; the pixel read that follows recovers from its own errors
    }
    if (type == "IEND")
    {
      throw corrupt("it holds no image data (IEND before any IDAT)");
    }
    std::uint32_t crc = Crc32(lengthAndType + 4, 4);
    std::uint32_t left = length;
    bool          first = true;
    while (left > 0 || first)
    {
      const std::uint32_t piece = std::min<std::uint32_t>(left, static_cast<std::uint32_t>(buffer.size()));
      if (piece > 0 && !in.read(reinterpret_cast<char *>(buffer.data()), piece))
      {
        throw corrupt("its " + type + " chunk is truncated");
      }
      if (first && type == "IHDR")
      {
        const std::uint32_t width = BigEndian32(buffer.data()), height = BigEndian32(buffer.data() + 4);
        const unsigned      bitDepth = buffer[8];
        colourType = buffer[9];
        if (width == 0 || height == 0)
        {
          throw corrupt("its size is " + std::to_string(width) + " x " + std::to_string(height) + " pixels");
        }
        if (width > PNGMaximumSide || height > PNGMaximumSide)
        {
          throw corrupt("its size " + std::to_string(width) + " x " + std::to_string(height) +
                        " exceeds the PNG reader's limit of " + std::to_string(PNGMaximumSide) + " pixels per side");
        }
        if (!ValidBitDepth(colourType, bitDepth))
        {
          throw corrupt("bit depth " + std::to_string(bitDepth) + " with colour type " + std::to_string(colourType));
        }
        if (buffer[10] != 0 || buffer[11] != 0 || buffer[12] > 1)
        {
          throw corrupt("unknown compression, filter or interlace method in IHDR");
        }
        seenHeader = true;
      }
      crc = Crc32(buffer.data(), piece, crc);
      left -= piece;
      first = false;
    }
    seenPalette = seenPalette || type == "PLTE";
    unsigned char stored[4];
    if (!in.read(reinterpret_cast<char *>(stored), 4))
    {
      throw corrupt("its " + type + " chunk is truncated");
    }
    if (BigEndian32(stored) != crc)
    {
      throw corrupt("CRC error in its " + type + " chunk");
    }
  }
}

namespace
{
/** libjpeg's error manager, extended with a recovery point and the first message: errors jump back to the check
 * instead of exiting, warnings (corrupt data, a premature end) are counted and kept, nothing is printed. */
struct JPEGErrorManager
{
  jpeg_error_mgr Base;
  std::jmp_buf   Recovery;
  char           Message[JMSG_LENGTH_MAX];
};

void
JPEGErrorExit(j_common_ptr info)
{
  auto * manager = reinterpret_cast<JPEGErrorManager *>(info->err);
  (*info->err->format_message)(info, manager->Message);
  std::longjmp(manager->Recovery, 1);
}

void
JPEGEmitMessage(j_common_ptr info, int level)
{
  if (level < 0 && info->err->num_warnings++ == 0)
  {
    (*info->err->format_message)(info, reinterpret_cast<JPEGErrorManager *>(info->err)->Message);
  }
}

/** Decodes the whole file with libjpeg, discarding the rows. Returns false with the manager's message on an error
 * or a warning. No C++ object with a destructor lives between setjmp and longjmp. */
bool
DecodeJPEG(std::FILE * file, JPEGErrorManager & manager)
{
  jpeg_decompress_struct info;
  info.err = jpeg_std_error(&manager.Base);
  manager.Base.error_exit = JPEGErrorExit;
  manager.Base.emit_message = JPEGEmitMessage;
  manager.Message[0] = '\0';
  if (setjmp(manager.Recovery))
  {
    jpeg_destroy_decompress(&info);
    return false;
  }
  jpeg_create_decompress(&info);
  jpeg_stdio_src(&info, file);
  jpeg_read_header(&info, TRUE);
  jpeg_start_decompress(&info);
  JSAMPARRAY row = (*info.mem->alloc_sarray)(reinterpret_cast<j_common_ptr>(&info), JPOOL_IMAGE,
                                             info.output_width * info.output_components, 1);
  while (info.output_scanline < info.output_height)
  {
    jpeg_read_scanlines(&info, row, 1);
  }
  jpeg_finish_decompress(&info);
  const bool clean = manager.Base.num_warnings == 0;
  jpeg_destroy_decompress(&info);
  return clean;
}
} // namespace

void
CheckJPEGStructure(const std::string & path)
{
  std::FILE * file = std::fopen(path.c_str(), "rb");
  if (file == nullptr)
  {
    return; // unreadable: ITK's reader says so
  }
  unsigned char soi[2] = {};
  const bool    jpeg = std::fread(soi, 1, 2, file) == 2 && soi[0] == 0xFF && soi[1] == 0xD8;
  std::rewind(file);
  JPEGErrorManager manager;
  const bool       clean = !jpeg || DecodeJPEG(file, manager);
  std::fclose(file);
  if (!clean)
  {
    throw InputError(path + " is a corrupt JPEG file: " + manager.Message);
  }
}

void
CheckMetaImageStructure(const std::string & path)
{
  const std::string extension = Lower(std::filesystem::path(path).extension().string());
  if (extension != ".mha" && extension != ".mhd")
  {
    return; // ITK's MetaImage reader takes these two extensions only
  }
  std::ifstream in(path, std::ios::binary);
  std::string   line;
  const auto    corrupt = [&path](const std::string & what) {
    return InputError(path + " is a corrupt MetaImage header: " + what);
  };
  // MetaIO's string fields are 255 bytes with the terminating zero.
  constexpr std::size_t LongestLine = 254;
  while (static_cast<std::size_t>(in.tellg()) < MaximumHeaderBytes)
  {
    line.clear();
    char c = 0;
    while (in.get(c) && c != '\n' && line.size() <= LongestLine)
    {
      line += c;
    }
    if (line.size() > LongestLine)
    {
      throw corrupt("a line longer than " + std::to_string(LongestLine) + " characters");
    }
    if (!in)
    {
      return; // the end of the file: MetaIO reports what is missing
    }
    const auto equals = line.find('=');
    if (equals == std::string::npos)
    {
      continue;
    }
    const std::string key = Trim(line.substr(0, equals)), value = Trim(line.substr(equals + 1));
    if (key == "NDims")
    {
      const bool digits = !value.empty() && value.size() <= 2 &&
                          std::all_of(value.begin(), value.end(), [](unsigned char d) { return std::isdigit(d) != 0; });
      if (!digits || std::stoi(value) < 1 || std::stoi(value) > 10)
      {
        throw corrupt("NDims must be a whole number from 1 to 10, got '" + value + "'");
      }
    }
    else if (key == "ElementDataFile")
    {
      return; // the pixels (LOCAL) or the data file's name follow
    }
  }
}

void
CheckBMPStructure(const std::string & path)
{
  std::ifstream in(path, std::ios::binary);
  unsigned char header[54] = {};
  in.read(reinterpret_cast<char *>(header), sizeof(header));
  const std::streamsize got = in.gcount();
  if (got < 2 || header[0] != 'B' || header[1] != 'M')
  {
    return; // not a BMP file
  }
  const auto corrupt = [&path](const std::string & what) { return InputError(path + " is a corrupt BMP file: " + what); };
  if (got < 26)
  {
    throw corrupt("it ends inside its headers");
  }
  const std::uint32_t offset = LittleEndian32(header + 10), infoSize = LittleEndian32(header + 14);
  std::int64_t        width = 0, height = 0;
  unsigned            planes = 0, bits = 0;
  std::uint32_t       compression = 0;
  if (infoSize == 12) // OS/2 BITMAPCOREHEADER
  {
    width = header[18] | (header[19] << 8);
    height = header[20] | (header[21] << 8);
    planes = header[22] | (header[23] << 8);
    bits = header[24] | (header[25] << 8);
  }
  else if (infoSize == 40 || infoSize == 52 || infoSize == 56 || infoSize == 64 || infoSize == 108 || infoSize == 124)
  {
    if (got < 54)
    {
      throw corrupt("it ends inside its headers");
    }
    width = static_cast<std::int32_t>(LittleEndian32(header + 18));
    height = static_cast<std::int32_t>(LittleEndian32(header + 22)); // negative: rows stored top-down
    planes = header[26] | (header[27] << 8);
    bits = header[28] | (header[29] << 8);
    compression = LittleEndian32(header + 30);
  }
  else
  {
    throw corrupt("unknown info header size " + std::to_string(infoSize));
  }
  height = height < 0 ? -height : height;
  if (width <= 0 || height <= 0)
  {
    throw corrupt("its size is " + std::to_string(width) + " x " + std::to_string(height) + " pixels");
  }
  if (planes != 1 || !(bits == 1 || bits == 4 || bits == 8 || bits == 16 || bits == 24 || bits == 32) || compression > 3)
  {
    throw corrupt(std::to_string(planes) + " planes of " + std::to_string(bits) + " bits, compression " +
                  std::to_string(compression));
  }
  if (offset < 14 + infoSize)
  {
    throw corrupt("its pixel data start inside its headers");
  }
  if (compression == 0 || compression == 3) // rows stored as they are, each padded to 4 bytes
  {
    const std::uint64_t row = (static_cast<std::uint64_t>(width) * bits + 31) / 32 * 4;
    const std::uint64_t needed = offset + row * static_cast<std::uint64_t>(height);
    std::error_code     error;
    const std::uint64_t size = std::filesystem::file_size(path, error);
    if (!error && size < needed)
    {
      throw corrupt("its header claims " + std::to_string(width) + " x " + std::to_string(height) + " pixels (" +
                    std::to_string(needed) + " bytes) but the file holds " + std::to_string(size) + " bytes");
    }
  }
}

void
CheckTIFFStructure(const std::string & path)
{
  const auto corrupt = [&path](const std::string & what) { return InputError(path + " is a corrupt TIFF file: " + what); };
  auto       tiff = TIFFFirstDirectory::Open(path, corrupt);
  if (!tiff)
  {
    return; // not a TIFF file
  }
  std::uint64_t width = 0, height = 0;
  const TIFFField * offsets = nullptr, * counts = nullptr;
  for (const auto & field : tiff->Fields())
  {
    switch (field.Tag)
    {
      case 256: width = tiff->First(field); break;
      case 257: height = tiff->First(field); break;
      case 273: case 324: offsets = &field; break; // StripOffsets, TileOffsets
      case 279: case 325: counts = &field; break;  // StripByteCounts, TileByteCounts
      default: break;
    }
  }
  if (width == 0 || height == 0)
  {
    throw corrupt("its size is " + std::to_string(width) + " x " + std::to_string(height) + " pixels");
  }
  if (!offsets || !counts || offsets->Count == 0 || counts->Count != offsets->Count)
  {
    throw corrupt("its strips or tiles are not listed (offsets and byte counts)");
  }
  for (std::uint64_t i = 0; i < offsets->Count; ++i)
  {
    const std::uint64_t offset = tiff->Value(*offsets, i), bytes = tiff->Value(*counts, i);
    if (offset > tiff->Size() || bytes > tiff->Size() - offset)
    {
      throw corrupt("strip or tile " + std::to_string(i) + " runs past the end of the file (truncated)");
    }
  }
}

void
CheckRawDataSize(const std::string & path, const RawDataExpectation & expectation)
{
  std::error_code     error;
  const std::uint64_t size = std::filesystem::file_size(expectation.DataFile, error);
  if (error)
  {
    throw InputError("cannot read the pixels of " + path + ": its data file " + expectation.DataFile +
                     " is missing or unreadable");
  }
  const std::uint64_t available = size > expectation.Offset ? size - expectation.Offset : 0;
  if (expectation.Compressed)
  {
    if (static_cast<double>(available) * MaximumCompressionRatio < static_cast<double>(expectation.ExpectedBytes))
    {
      throw InputError(path + " claims " + std::to_string(expectation.ExpectedBytes) + " bytes of pixels, which " +
                       std::to_string(available) + " compressed bytes cannot hold (a lying or truncated header)");
    }
  }
  else if (available < expectation.ExpectedBytes)
  {
    throw InputError(path + " claims " + std::to_string(expectation.ExpectedBytes) + " bytes of pixels but its data " +
                     "holds " + std::to_string(available) + " (a lying header or a truncated file)");
  }
}

} // namespace scopsam
