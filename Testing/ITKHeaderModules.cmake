# The ITK module that owns each ITK header this tree includes (or is likely to), as ITK's source tree places it:
# Modules/<group>/<module>/include/<header>. Debian's ITK installs every header into one folder, so the module of a
# header cannot be read from the installed ITK; CheckITKModuleDeclarations.cmake maps #include lines with this table
# and fails on an ITK header that is not listed here (add it with the module named by ITK's source tree).
set(SCoPSAM_ITK_HEADER_MODULES
  ITKCommon
  ITKIOImageBase
  ITKImageFunction
  ITKImageGrid
  ITKImageFilterBase
  ITKImageIntensity
  ITKImageCompose
  ITKLabelMap
  ITKTransform
  ITKConnectedComponents
  ITKDistanceMap
  ITKMathematicalMorphology
  ITKWatersheds
)
set(ITKCommon_HEADERS
  itkCommand.h itkDefaultConvertPixelTraits.h itkImageAlgorithm.h itkImageRegionConstIteratorWithIndex.h
  itkImageRegionIteratorWithIndex.h itkExtractImageFilter.h itkImage.h itkImageRegionConstIterator.h
  itkImageRegionIterator.h itkImageRegionSplitterMultidimensional.h itkImageRegionSplitterSlowDimension.h
  itkImageToImageFilter.h itkMacro.h itkMath.h itkMultiThreaderBase.h itkObject.h itkObjectFactory.h itkRGBPixel.h
  itkStreamingImageFilter.h itkTotalProgressReporter.h itkVector.h itkVectorImage.h)
set(ITKIOImageBase_HEADERS itkImageFileReader.h itkImageFileWriter.h itkImageIOBase.h itkImageIOFactory.h itkImageIORegion.h)
set(ITKImageFunction_HEADERS
  itkLinearInterpolateImageFunction.h itkNearestNeighborExtrapolateImageFunction.h itkNearestNeighborInterpolateImageFunction.h)
set(ITKImageGrid_HEADERS
  itkChangeInformationImageFilter.h itkPasteImageFilter.h itkRegionOfInterestImageFilter.h itkResampleImageFilter.h)
set(ITKImageFilterBase_HEADERS itkCastImageFilter.h)
set(ITKImageIntensity_HEADERS
  itkMaskImageFilter.h itkMultiplyImageFilter.h itkShiftScaleImageFilter.h itkVectorIndexSelectionCastImageFilter.h)
set(ITKImageCompose_HEADERS itkComposeImageFilter.h)
set(ITKLabelMap_HEADERS itkBinaryImageToShapeLabelMapFilter.h itkLabelImageToShapeLabelMapFilter.h)
set(ITKTransform_HEADERS itkIdentityTransform.h)
set(ITKConnectedComponents_HEADERS itkConnectedComponentImageFilter.h)
set(ITKDistanceMap_HEADERS itkSignedMaurerDistanceMapImageFilter.h)
set(ITKMathematicalMorphology_HEADERS itkHMaximaImageFilter.h itkRegionalMaximaImageFilter.h)
set(ITKWatersheds_HEADERS itkMorphologicalWatershedFromMarkersImageFilter.h)
