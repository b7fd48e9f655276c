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
#ifndef scopsamImageFileChecks_h
#define scopsamImageFileChecks_h

#include "SCoPSAMDataExport.h"

#include <cstdint>
#include <optional>
#include <string>

/** \file scopsamImageFileChecks.h
 * \brief Checks of an image file's own structure, made before ITK's readers see it.
 *
 * Some of ITK 5.2's readers cannot survive a corrupt file: its PNG reader calls libpng's header functions without a
 * `setjmp` recovery point, so libpng's error path aborts the process (a CRC error in IHDR, a width of zero, a
 * truncated chunk), and MetaImage allocates whatever its header claims before it finds that the raw data are short.
 * The checks here read the few bytes that decide those cases and throw scopsam::InputError naming what is wrong,
 * so that a corrupt file is one clear line and exit status 2, never an abort or a 40 GB allocation.
 * \ingroup SCoPSAMData
 */
namespace scopsam
{

/** CRC-32 of PNG and zlib (ISO 3309, polynomial 0xEDB88320), continued from `crc` (0 to start). */
SCoPSAMData_EXPORT std::uint32_t
Crc32(const unsigned char * data, std::size_t size, std::uint32_t crc = 0);

/** The widest and tallest PNG that libpng reads without a user limit of its own (PNG_USER_WIDTH_MAX). */
constexpr std::uint32_t PNGMaximumSide = 1000000;

/** For a file that starts with the PNG signature: walks its chunks up to the first IDAT (what libpng reads when ITK
 * asks for the header) and throws InputError unless every chunk is complete with a matching CRC, IHDR comes first
 * and holds a size of 1 to PNGMaximumSide pixels per side and a valid bit depth / colour type pair, and a palette
 * image has its PLTE. Files that are not PNG pass untouched. */
SCoPSAMData_EXPORT void
CheckPNGStructure(const std::string & path);

/** For a file that starts with a JPEG SOI marker: decodes it once with libjpeg under an error manager of its own
 * and throws InputError with libjpeg's first error or warning (a corrupt header, corrupt data, a premature end).
 * ITK 5.2's JPEG reader crashes on a header error (already in CanReadFile), and on a truncated file libjpeg fills
 * the missing rows with gray, prints a warning and reports success. Files that are not JPEG pass untouched. */
SCoPSAMData_EXPORT void
CheckJPEGStructure(const std::string & path);

/** For a file that starts with "BM": throws InputError unless its headers are consistent (a known info-header size,
 * one plane, a valid bit count and compression, a non-zero size) and, uncompressed, the file holds every row the
 * header claims (ITK 5.2's BMP reader reads a truncated file without a word). Files that are not BMP pass. */
SCoPSAMData_EXPORT void
CheckBMPStructure(const std::string & path);

/** For a file that starts with a TIFF or BigTIFF header: reads its first image directory and throws InputError
 * unless the directory and every value it points to lie inside the file, the image has a non-zero size, and every
 * strip or tile it lists (offset + byte count) is inside the file (libtiff reads a truncated strip as a warning on
 * stderr and gray pixels). Files that are not TIFF pass untouched. */
SCoPSAMData_EXPORT void
CheckTIFFStructure(const std::string & path);

/** MetaImage (.mha, .mhd): every header line up to ElementDataFile shorter than 255 characters and NDims an integer
 * in [1, 10]. ITK 5.2's MetaIO copies string values into fixed 255-byte fields with strcpy (a longer Comment, Name
 * or ObjectSubType overflows them: an abort, or heap corruption, found by fuzzing) and sizes its arrays from NDims.
 * A file that does not start as a MetaImage header is left to the other readers. */
SCoPSAMData_EXPORT void
CheckMetaImageStructure(const std::string & path);

/** Bytes a file's pixels must occupy, uncompressed, and whether the check applies. */
struct RawDataExpectation
{
  std::string   DataFile;          // the file that holds the pixels (the header itself for .mha)
  std::uint64_t Offset{ 0 };       // where the pixels start in DataFile (after a .mha header)
  std::uint64_t ExpectedBytes{ 0 }; // pixels x components x bytes per component
  bool          Compressed{ false };
};

/** Where the pixels of a MetaImage (.mha, .mhd) or NRRD (.nrrd, .nhdr) file are, read from its text header, for
 * `expectedBytes` bytes of pixels; empty for other formats and for encodings the check does not cover (text,
 * bzip2). Throws InputError for pixels spread over several files (a list or a pattern of slice files). */
SCoPSAMData_EXPORT std::optional<RawDataExpectation>
DescribeRawData(const std::string & path, std::uint64_t expectedBytes);

/** The worst ratio of raw to zlib-compressed bytes that deflate can reach (about 1032:1), with a margin. */
constexpr double MaximumCompressionRatio = 1100.0;

/** Throws InputError when the pixel data cannot be what the header claims: a raw file shorter than
 * ExpectedBytes (a lying or truncated header), or a compressed one too small to inflate to ExpectedBytes. */
SCoPSAMData_EXPORT void
CheckRawDataSize(const std::string & path, const RawDataExpectation & expectation);

} // namespace scopsam

#endif
