set(DOCUMENTATION "SCoP-SAM's training data: tiles of synthetic micrographs made on the fly and of annotated
datasets, with their priors computed as the segmentation filter computes them, and augmentations (flips, 90-degree
rotations, gamma, noise, blur); and the default model's location.")

itk_module(SCoPSAMTraining
  ENABLE_SHARED
  DEPENDS
    SCoPSAMSegmentation
    SCoPSAMData
    SCoPSAMTrainer
  TEST_DEPENDS
    ITKTestKernel
    ITKGoogleTest
  DESCRIPTION
    "${DOCUMENTATION}"
  EXCLUDE_FROM_DEFAULT
)
