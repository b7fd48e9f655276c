set(DOCUMENTATION "SCoP-SAM's spatial context priors: GradientPriorFilter (multi-scale gradient magnitude and
structure-tensor coherence) and GrayscalePriorFilter (local and global gray-level departure), with the robust
whole-image intensity normalisation they share. No LibTorch.")

itk_module(SCoPSAMPriors
  ENABLE_SHARED
  DEPENDS
    ITKCommon
  TEST_DEPENDS
    ITKGoogleTest
  DESCRIPTION
    "${DOCUMENTATION}"
  EXCLUDE_FROM_DEFAULT
)
