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

#include "itkImageFileWriter.h"
#include "itkImageRegionConstIterator.h"
#include "itkImageRegionIterator.h"

namespace scopsam
{

template <typename TImage>
void
WriteImage(const TImage * image, const std::string & path)
{
  WriteAtomically(path, [image](const std::string & temporary) {
    auto writer = itk::ImageFileWriter<TImage>::New();
    writer->SetInput(image);
    writer->SetFileName(temporary);
    writer->UseCompressionOn();
    writer->Update();
  });
}

template <typename TPixel>
void
WriteImageLike(const itk::Image<TPixel, 2> * image, const SliceGeometry & geometry, const std::string & path)
{
  if (geometry.FileDimension != 3)
  {
    WriteImage(image, path);
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
  WriteImage(volume.GetPointer(), path);
}

} // namespace scopsam

#endif
