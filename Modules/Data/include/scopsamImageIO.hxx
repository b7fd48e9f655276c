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
#ifndef scopsamImageIO_hxx
#define scopsamImageIO_hxx

#include "itkImageAlgorithm.h"
#include "itkImageFileWriter.h"
#include "itkImageIORegion.h"
#include "itkImageRegionConstIterator.h"
#include "itkImageRegionIterator.h"
#include "itkRGBPixel.h"

#include <functional>
#include <memory>
#include <type_traits>

namespace scopsam
{

namespace ImageIODetail
{
/** A writer that complained (RunWriterQuietly()): told apart from the reading failures of a pipeline that reads,
 * computes and writes in one Update(). */
class WriteFailure : public itk::ExceptionObject
{
public:
  using itk::ExceptionObject::ExceptionObject;
};

/** Runs an ITK writer (`write`) with what the libraries print on standard error meanwhile caught, so that no line
 * of theirs joins the one-line contract. A writer that complained has failed, even where ITK reports success (ITK
 * 5.2's MetaImage writer prints "file stream is fail after write" on a full disk and returns): WriteFailure with its
 * first line. */
SCoPSAMData_EXPORT void
RunWriterQuietly(const std::function<void()> & write);

/** Writes a PNG file of width x height pixels of 1 (gray) or 3 (RGB) channels of 8 or 16 bits: encoded in memory
 * (OpenCV), then written with checked writes and closed before it counts as written. ITK 5.2's PNG writer corrupts
 * the heap when a write fails (libpng's error path), as on a full disk. Throws itk::ExceptionObject. */
SCoPSAMData_EXPORT void
WritePNG(const void * pixels, std::size_t width, std::size_t height, int channels, int bits, const std::string & file);

/** Whether `file` names a PNG file (by its extension, as ITK chooses the writer). */
SCoPSAMData_EXPORT bool
IsPNGFile(const std::string & file);

template <typename TImage>
void
WriteFile(const TImage * image, const std::string & file, bool compress)
{
  using Pixel = typename TImage::PixelType;
  constexpr bool gray8 = std::is_same_v<Pixel, unsigned char>, gray16 = std::is_same_v<Pixel, unsigned short>;
  constexpr bool rgb8 = std::is_same_v<Pixel, itk::RGBPixel<unsigned char>>;
  if constexpr (TImage::ImageDimension == 2 && (gray8 || gray16 || rgb8))
  {
    if (IsPNGFile(file))
    {
      auto * source = const_cast<TImage *>(image); // as ITK's writer does: bring the input up to date, whole
      source->UpdateOutputInformation();
      source->SetRequestedRegionToLargestPossibleRegion();
      source->Update();
      const auto size = image->GetBufferedRegion().GetSize();
      WritePNG(image->GetBufferPointer(), size[0], size[1], rgb8 ? 3 : 1, gray16 ? 16 : 8, file);
      return;
    }
  }
  auto writer = itk::ImageFileWriter<TImage>::New();
  writer->SetInput(image);
  writer->SetFileName(file);
  writer->SetUseCompression(compress);
  RunWriterQuietly([&writer] { writer->Update(); });
}

template <typename TPixel>
void
WriteFileLike(const itk::Image<TPixel, 2> * image, const SliceGeometry & geometry, const std::string & file)
{
  if (geometry.FileDimension != 3)
  {
    WriteFile(image, file, true);
    return;
  }
  using VolumeType = itk::Image<TPixel, 3>;
  auto                           volume = VolumeType::New();
  typename VolumeType::SizeType  size{ { image->GetLargestPossibleRegion().GetSize(0),
                                         image->GetLargestPossibleRegion().GetSize(1), 1 } };
  volume->SetRegions(typename VolumeType::RegionType(size));
  volume->SetOrigin(geometry.Origin);
  volume->SetSpacing(geometry.Spacing);
  volume->SetDirection(geometry.Direction);
  volume->Allocate();
  itk::ImageRegionConstIterator<itk::Image<TPixel, 2>> in(image, image->GetLargestPossibleRegion());
  itk::ImageRegionIterator<VolumeType>                 out(volume, volume->GetLargestPossibleRegion());
  for (; !in.IsAtEnd(); ++in, ++out)
  {
    out.Set(in.Get());
  }
  WriteFile(volume.GetPointer(), file, true);
}
} // namespace ImageIODetail

template <typename TImage>
void
WriteImage(const TImage * image, const std::string & path)
{
  WriteAtomically(path, [image](const std::string & temporary) { ImageIODetail::WriteFile(image, temporary, true); });
}

template <typename TPixel>
void
WriteImageLike(const itk::Image<TPixel, 2> * image, const SliceGeometry & geometry, const std::string & path)
{
  WriteAtomically(path, [&](const std::string & temporary) { ImageIODetail::WriteFileLike(image, geometry, temporary); });
}

template <typename TImage>
StreamedImage
StreamTo(TImage * image, const std::string & path, const SliceGeometry & geometry)
{
  // Per write: piece by piece into the file (a paste writer), or whole at the end (from the image itself when it
  // was computed in one piece, else from a copy assembled piece by piece).
  struct State
  {
    std::string                                   File;
    bool                                          Pieces{ false };
    bool                                          Assemble{ false };
    typename itk::ImageFileWriter<TImage>::Pointer Writer;
    typename TImage::Pointer                      Whole;
  };
  auto          state = std::make_shared<State>();
  StreamedImage streamed;
  streamed.Path = path;
  streamed.Image = image;
  streamed.Begin = [image, geometry, state](const std::string & file, bool pieces) {
    *state = State{};
    state->File = file;
    state->Pieces = pieces && geometry.FileDimension != 3 && CanWriteInPieces(file);
    state->Assemble = pieces && !state->Pieces;
    if (state->Pieces)
    {
      state->Writer = itk::ImageFileWriter<TImage>::New();
      state->Writer->SetInput(image);
      state->Writer->SetFileName(file);
      state->Writer->UseCompressionOff();
    }
  };
  streamed.Piece = [image, state](const itk::ImageRegion<2> & piece) {
    if (state->Pieces)
    {
      itk::ImageIORegion region(2);
      itk::ImageIORegionAdaptor<2>::Convert(piece, region, image->GetLargestPossibleRegion().GetIndex());
      image->SetRequestedRegion(piece); // computed first, so that only the writing runs quietly
      image->Update();
      state->Writer->SetIORegion(region);
      ImageIODetail::RunWriterQuietly([state] { state->Writer->Update(); });
      return;
    }
    image->SetRequestedRegion(piece);
    image->Update();
    if (state->Assemble)
    {
      if (!state->Whole)
      {
        state->Whole = TImage::New();
        state->Whole->CopyInformation(image);
        state->Whole->SetRegions(image->GetLargestPossibleRegion());
        state->Whole->Allocate();
      }
      itk::ImageAlgorithm::Copy(image, state->Whole.GetPointer(), piece, piece);
    }
  };
  streamed.End = [image, geometry, state]() {
    if (!state->Pieces)
    {
      ImageIODetail::WriteFileLike(state->Whole ? state->Whole.GetPointer() : image, geometry, state->File);
    }
    *state = State{};
  };
  return streamed;
}

template <typename TImage>
StreamedImage
KeepWhole(TImage * image, typename TImage::Pointer & whole)
{
  StreamedImage streamed;
  streamed.Image = image;
  streamed.Begin = [&whole](const std::string &, bool) { whole = nullptr; };
  streamed.Piece = [image, &whole](const itk::ImageRegion<2> & piece) {
    image->SetRequestedRegion(piece);
    image->Update();
    if (!whole)
    {
      whole = TImage::New();
      whole->CopyInformation(image);
      whole->SetRegions(image->GetLargestPossibleRegion());
      whole->Allocate();
    }
    itk::ImageAlgorithm::Copy(image, whole.GetPointer(), piece, piece);
  };
  streamed.End = [] {};
  return streamed;
}

} // namespace scopsam

#endif
