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
#ifndef scopsamImageIO_h
#define scopsamImageIO_h

#include "SCoPSAMDataExport.h"
#include "scopsamErrors.h"

#include "itkImage.h"
#include "itkImageIOBase.h"
#include "itkMacro.h"

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

/** \file scopsamImageIO.h
 * \brief Reading micrographs as gray images and writing results atomically.
 *
 * Micrographs arrive as PNG, TIFF (8- or 16-bit), JPEG, BMP, MetaImage or NRRD, often stored as RGB with equal
 * channels. Everything here reports a problem as one scopsam::InputError line naming the file.
 * \ingroup SCoPSAMData
 */
namespace scopsam
{

/** `text` on one line: line breaks become spaces, trailing spaces go. */
SCoPSAMData_EXPORT std::string
OneLine(std::string text);

/** An ITK exception's message for a user: one line, without ITK's "ITK ERROR: Class(0x...): " prefix. */
SCoPSAMData_EXPORT std::string
ExceptionMessage(const itk::ExceptionObject & e);

/** What a file holds, read from its header only. */
struct ImageFileInfo
{
  std::string                         Path;
  unsigned int                        Dimension{ 0 };
  std::vector<itk::SizeValueType>     Size;
  itk::IOComponentEnum                ComponentType{ itk::IOComponentEnum::UNKNOWNCOMPONENTTYPE };
  unsigned int                        NumberOfComponents{ 0 };
  std::uint64_t                       Bytes{ 0 };        // the pixels as stored
  bool                                Streamable{ false }; // ITK's reader reads a region without the whole file

  /** A 2-D image, or a 3-D image of one slice (how 3D Slicer hands over a 2-D image). */
  bool
  IsPlanar() const
  {
    return Dimension == 2 || (Dimension == 3 && Size.size() == 3 && Size[2] == 1);
  }
};

/** The memory a whole-image read may take, in bytes (default 8 GiB; the environment variable SCOPSAM_MEMORY_BUDGET,
 * in GiB, sets it for every front end; `scopsam --memory-budget GIB` for one run). PNG, TIFF, JPEG and BMP are read
 * whole, as is any file read into memory at once (ReadGrayImage()): a file whose decoded pixels (as stored plus the
 * float copy) would take more is refused before any allocation, naming what it needs. MetaImage and NRRD with raw
 * data stream through segment and priors, piece by piece, and need no budget there. */
SCoPSAMData_EXPORT std::uint64_t
GetWholeImageMemoryBudget();
/** Sets the budget (bytes, at least 1 MiB); InputError otherwise. */
SCoPSAMData_EXPORT void
SetWholeImageMemoryBudget(std::uint64_t bytes);
/** InputError when reading `info`'s pixels whole would take more than the budget. */
SCoPSAMData_EXPORT void
CheckWholeReadBudget(const ImageFileInfo & info);

/** Reads the header of `path`. Throws InputError when the file is missing, not an image ITK can read, or empty. */
SCoPSAMData_EXPORT ImageFileInfo
InspectImageFile(const std::string & path);

/** Gray micrograph types the project reads into. */
using GrayImage2D = itk::Image<float, 2>;
using UInt8Image2D = itk::Image<unsigned char, 2>;

/** Reads a planar image as float gray levels (RGB/RGBA: the mean of R, G, B; equal channels stay exact). A
 * single-slice 3-D file is read as 2-D; its 3-D geometry is returned in `geometry` when not null, so that
 * WriteImageLike() can write the result back as the caller handed it over. */
struct SliceGeometry
{
  unsigned int              FileDimension{ 2 };
  itk::Image<float, 3>::PointType     Origin;
  itk::Image<float, 3>::SpacingType   Spacing;
  itk::Image<float, 3>::DirectionType Direction;
};
SCoPSAMData_EXPORT GrayImage2D::Pointer
ReadGrayImage(const std::string & path, SliceGeometry * geometry = nullptr);

/** Reads a mask: any planar image, non-zero = phase; returned as 0/1. */
SCoPSAMData_EXPORT UInt8Image2D::Pointer
ReadMask(const std::string & path);

/** Reads a label image (a scribble image: 0 unlabelled, 1 this phase, 2 not this phase): any planar image whose values
 * are whole numbers in [0, largestLabel], or else InputError. */
SCoPSAMData_EXPORT UInt8Image2D::Pointer
ReadLabelImage(const std::string & path, int largestLabel = 2);

/** Reads a mask that is to be measured: with `threshold` < 0 it must be binary (at most two gray levels, one of them
 * 0), or else InputError says it looks like a micrograph or a probability map (which ReadMask() would measure as
 * almost all phase); with `threshold` >= 0 a pixel is phase where its value is at least `threshold`. 0/1 result. */
SCoPSAMData_EXPORT UInt8Image2D::Pointer
ReadBinaryMask(const std::string & path, double threshold = -1.0);

/** Throws InputError when `output` names the same file as one of `inputs` (an input is never overwritten). */
SCoPSAMData_EXPORT void
RefuseToOverwriteInputs(const std::string & output, const std::vector<std::string> & inputs);

/** Checks the outputs of a run before it starts work, so that no run fails after writing its first output: each
 * `(what, path)` (empty paths skipped) must name a file in an existing, writable folder, none the same file as
 * another output or as one of `inputs` (RefuseToOverwriteInputs()). InputError naming the output otherwise. */
SCoPSAMData_EXPORT void
CheckOutputPaths(const std::vector<std::pair<std::string, std::string>> & outputs, const std::vector<std::string> & inputs);

/** Writes through `write(temporaryPath)` and renames the temporary file onto `path`, so that a failure leaves no
 * partial file. The temporary file sits beside `path` and keeps its extension (ITK picks the format by it). While
 * it exists it is registered, so that RemoveTemporaryFilesOnInterrupt() can delete it when the process is killed. */
SCoPSAMData_EXPORT void
WriteAtomically(const std::string & path, const std::function<void(const std::string &)> & write);

/** Installs handlers for SIGINT, SIGTERM and SIGHUP that delete the temporary files of the writes in progress
 * (WriteAtomically()) and then end the process by the same signal, as it would have ended without the handler: an
 * interrupted command leaves neither a partial output nor a temporary file. For programs (the command line, the
 * Slicer modules), not for libraries embedded in a host that has its own handlers. */
SCoPSAMData_EXPORT void
RemoveTemporaryFilesOnInterrupt();

/** Writes an ITK image atomically (compressed where the format allows). */
template <typename TImage>
void
WriteImage(const TImage * image, const std::string & path);

/** One image of WriteStreamed(): an output of a pipeline and where it goes. Make it with StreamTo() or KeepWhole(). */
struct StreamedImage
{
  std::string                                             Path; // empty: kept in memory only
  itk::ImageBase<2> *                                     Image{ nullptr };
  std::function<void(const std::string & file, bool pieces)> Begin;
  std::function<void(const itk::ImageRegion<2> & piece)>  Piece;
  std::function<void()>                                   End;
};

/** `image` (a pipeline's output) to `path`; a single-slice volume when `geometry` says the input was one. */
template <typename TImage>
StreamedImage
StreamTo(TImage * image, const std::string & path, const SliceGeometry & geometry = {});

/** `image` assembled whole in memory into `whole` (for what needs the whole image afterwards). */
template <typename TImage>
StreamedImage
KeepWhole(TImage * image, typename TImage::Pointer & whole);

/** Computes and writes images of one pipeline (outputs of one filter: each piece is computed once for all) in
 * pieces of `rowsPerPiece` whole rows (the last one shorter), each file atomically (temporary file, then rename). A
 * file whose format can be written in pieces (MetaImage, then uncompressed: ITK's compressed MetaImage, PNG, TIFF
 * and NRRD writers cannot) receives every piece as it is computed, so that no whole image is held; any other is
 * assembled whole in memory and written compressed at the end. When one piece holds every row, every file is
 * written whole, compressed. Throws InputError naming the file on failure (itk::ProcessAborted passes through). */
SCoPSAMData_EXPORT void
WriteStreamed(const std::vector<StreamedImage> & images, std::size_t rowsPerPiece);

/** Whether ITK writes `path`'s format in pieces (uncompressed). */
SCoPSAMData_EXPORT bool
CanWriteInPieces(const std::string & path);

/** Writes a 2-D image to `path`; when `geometry` says the input was a single-slice 3-D volume, as one with the
 * input's origin, spacing and direction. */
template <typename TPixel>
void
WriteImageLike(const itk::Image<TPixel, 2> * image, const SliceGeometry & geometry, const std::string & path);

/** Writes a text file atomically. */
SCoPSAMData_EXPORT void
WriteTextFile(const std::string & path, const std::string & contents);

} // namespace scopsam

#include "scopsamImageIO.hxx"

#endif
