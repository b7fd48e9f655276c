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

#include <memory>

namespace scopsam
{

namespace ImageIODetail
{
template <typename TImage>
void
WriteFile(const TImage * image, const std::string & file, bool compress)
{
  auto writer = itk::ImageFileWriter<TImage>::New();
  writer->SetInput(image);
  writer->SetFileName(file);
  writer->SetUseCompression(compress);
  writer->Update();
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
      state->Writer->SetIORegion(region);
      state->Writer->Update();
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
