set(DOCUMENTATION "SCoP-SAM's command line, scopsam: priors, segment, synth, evaluate and baseline subcommands
train, quantify, bench. Every subcommand is a Run function of this library, so
other front ends (3D Slicer CLI modules) call the same code.")

itk_module(SCoPSAMApplication
  ENABLE_SHARED
  DEPENDS
    SCoPSAMPriors
    SCoPSAMData
    SCoPSAMEvaluation
    SCoPSAMQuantification
    SCoPSAMSegmentation
    SCoPSAMAdaptation
    SCoPSAMTraining
    SCoPSAMModel
    SCoPSAMTrainer
  PRIVATE_DEPENDS
    ITKIOImageBase
  TEST_DEPENDS
    ITKTestKernel
    ITKGoogleTest
  DESCRIPTION
    "${DOCUMENTATION}"
  EXCLUDE_FROM_DEFAULT
)
