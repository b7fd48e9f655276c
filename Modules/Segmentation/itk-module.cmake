set(DOCUMENTATION "SCoP-SAM's segmentation filter: itk::SCoPSAMSegmentationFilter computes both priors (or takes
them), runs the SCoP-SAM network over overlapping tiles through the SCoPSAMModel engine, and produces a phase
probability image and a mask; streams with bounded memory; clicks and scribbles act through SCoPSAMAdaptation's
test-time adaptation of the automatic result.")

itk_module(SCoPSAMSegmentation
  ENABLE_SHARED
  DEPENDS
    ITKCommon
    ITKImageGrid
    SCoPSAMPriors
    SCoPSAMModel
    SCoPSAMAdaptation
    SCoPSAMData
  TEST_DEPENDS
    ITKTestKernel
    ITKGoogleTest
    ITKImageCompose
    ITKImageIntensity
  DESCRIPTION
    "${DOCUMENTATION}"
  EXCLUDE_FROM_DEFAULT
)
