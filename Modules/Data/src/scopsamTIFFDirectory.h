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
#ifndef scopsamTIFFDirectory_h
#define scopsamTIFFDirectory_h

#include "scopsamErrors.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

// Internal to the Data module: the first image directory of a TIFF or BigTIFF file, read with the project's own
// code (the structure checks before libtiff, the pixel-size tags of SEM vendors).
namespace scopsam
{

/** One entry of a TIFF image directory; ValueAt is where its values are (in the entry, or at the offset it holds). */
struct TIFFField
{
  std::uint64_t Tag{ 0 }, Type{ 0 }, Count{ 0 }, ValueAt{ 0 };
};

/** Bytes of one value of a TIFF field type (0: unknown type). */
inline unsigned
TIFFTypeSize(std::uint64_t type)
{
  switch (type)
  {
    case 1: case 2: case 6: case 7: return 1;  // BYTE, ASCII, SBYTE, UNDEFINED
    case 3: case 8: return 2;                  // SHORT, SSHORT
    case 4: case 9: case 11: case 13: return 4; // LONG, SLONG, FLOAT, IFD
    case 5: case 10: case 12: case 16: case 17: case 18: return 8; // RATIONAL, SRATIONAL, DOUBLE, LONG8, SLONG8, IFD8
    default: return 0;
  }
}

class TIFFFirstDirectory
{
public:
  using CorruptError = std::function<InputError(const std::string &)>;

  /** The first directory of `path`; null when the file is not TIFF. Throws `corrupt(what)` when the directory or
   * any field's values lie outside the file. Fields of unknown types are skipped, as libtiff does. */
  static std::unique_ptr<TIFFFirstDirectory>
  Open(const std::string & path, const CorruptError & corrupt)
  {
    auto tiff = std::unique_ptr<TIFFFirstDirectory>(new TIFFFirstDirectory(path));
    unsigned char head[4] = {};
    if (!tiff->m_In.read(reinterpret_cast<char *>(head), 4))
    {
      return nullptr;
    }
    const bool     little = head[0] == 'I' && head[1] == 'I', big = head[0] == 'M' && head[1] == 'M';
    const unsigned magic = little ? head[2] | (head[3] << 8) : (head[2] << 8) | head[3];
    if (!(little || big) || (magic != 42 && magic != 43))
    {
      return nullptr;
    }
    std::error_code error;
    tiff->m_Size = std::filesystem::file_size(path, error);
    tiff->m_BigEndian = big;
    const bool     bigTIFF = magic == 43;
    const unsigned offsetBytes = bigTIFF ? 8 : 4, countBytes = bigTIFF ? 8 : 2, entryBytes = bigTIFF ? 20 : 12;
    std::uint64_t  directory = 0, entries = 0;
    if (!tiff->Read(bigTIFF ? 8 : 4, offsetBytes, directory) || !tiff->Read(directory, countBytes, entries))
    {
      throw corrupt("its first image directory lies outside the file");
    }
    if (entries == 0 || entries > 4096 || entries * entryBytes > tiff->m_Size - directory - countBytes)
    {
      throw corrupt("its first image directory claims " + std::to_string(entries) + " entries");
    }
    for (std::uint64_t e = 0; e < entries; ++e)
    {
      const std::uint64_t at = directory + countBytes + e * entryBytes;
      TIFFField           field;
      tiff->Read(at, 2, field.Tag);
      tiff->Read(at + 2, 2, field.Type);
      tiff->Read(at + 4, offsetBytes, field.Count);
      const unsigned size = TIFFTypeSize(field.Type);
      if (size == 0)
      {
        continue;
      }
      field.ValueAt = at + 4 + offsetBytes;
      if (field.Count > tiff->m_Size / size + 1)
      {
        throw corrupt("field " + std::to_string(field.Tag) + " claims " + std::to_string(field.Count) + " values");
      }
      if (field.Count * size > offsetBytes) // the values are elsewhere: the entry holds their offset
      {
        std::uint64_t valuesAt = 0;
        tiff->Read(field.ValueAt, offsetBytes, valuesAt);
        if (valuesAt > tiff->m_Size || field.Count * size > tiff->m_Size - valuesAt)
        {
          throw corrupt("the values of field " + std::to_string(field.Tag) + " lie outside the file");
        }
        field.ValueAt = valuesAt;
      }
      tiff->m_Fields.push_back(field);
    }
    return tiff;
  }

  const std::vector<TIFFField> &
  Fields() const
  {
    return m_Fields;
  }

  /** The field of `tag`, or null. */
  const TIFFField *
  Find(std::uint64_t tag) const
  {
    for (const auto & field : m_Fields)
    {
      if (field.Tag == tag)
      {
        return &field;
      }
    }
    return nullptr;
  }

  /** Value `i` of an integer field (BYTE to LONG8), 0 where it cannot be read. */
  std::uint64_t
  Value(const TIFFField & field, std::uint64_t i) const
  {
    const unsigned size = TIFFTypeSize(field.Type);
    std::uint64_t  value = 0;
    Read(field.ValueAt + i * size, size, value);
    return value;
  }
  std::uint64_t
  First(const TIFFField & field) const
  {
    return Value(field, 0);
  }

  /** A RATIONAL field's first value (numerator / denominator; 0 when the denominator is 0). */
  double
  Rational(const TIFFField & field) const
  {
    std::uint64_t numerator = 0, denominator = 0;
    Read(field.ValueAt, 4, numerator);
    Read(field.ValueAt + 4, 4, denominator);
    return denominator == 0 ? 0.0 : static_cast<double>(numerator) / static_cast<double>(denominator);
  }

  /** The bytes of a field (an ASCII, BYTE or UNDEFINED text block), at most `limit` of them. */
  std::string
  Bytes(const TIFFField & field, std::size_t limit = 1 << 20) const
  {
    const std::uint64_t count = std::min<std::uint64_t>(field.Count * TIFFTypeSize(field.Type), limit);
    std::string         bytes(static_cast<std::size_t>(count), '\0');
    m_In.clear();
    m_In.seekg(static_cast<std::streamoff>(field.ValueAt));
    m_In.read(bytes.data(), static_cast<std::streamsize>(count));
    bytes.resize(static_cast<std::size_t>(std::max<std::streamsize>(0, m_In.gcount())));
    return bytes;
  }

  std::uint64_t
  Size() const
  {
    return m_Size;
  }

private:
  explicit TIFFFirstDirectory(const std::string & path)
    : m_In(path, std::ios::binary)
  {}

  /** `bytes` (1 to 8) unsigned bytes at `offset`, in the file's byte order; false where they are not in the file. */
  bool
  Read(std::uint64_t offset, unsigned bytes, std::uint64_t & value) const
  {
    unsigned char b[8];
    if (bytes > 8 || offset > m_Size || bytes > m_Size - offset)
    {
      return false;
    }
    m_In.clear();
    m_In.seekg(static_cast<std::streamoff>(offset));
    if (!m_In.read(reinterpret_cast<char *>(b), bytes))
    {
      return false;
    }
    value = 0;
    for (unsigned i = 0; i < bytes; ++i)
    {
      value |= std::uint64_t{ b[m_BigEndian ? bytes - 1 - i : i] } << (8 * i);
    }
    return true;
  }

  mutable std::ifstream  m_In;
  std::uint64_t          m_Size{ 0 };
  bool                   m_BigEndian{ false };
  std::vector<TIFFField> m_Fields;
};

} // namespace scopsam

#endif
