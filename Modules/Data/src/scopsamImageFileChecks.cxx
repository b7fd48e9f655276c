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

#include "scopsamErrors.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
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
        return std::nullopt; // pixels spread over several files
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
  else if (dataFile == "LIST" || dataFile.find(' ') != std::string::npos)
  {
    return std::nullopt;
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
