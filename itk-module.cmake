# SCoP-SAM as an ITK remote module. ITK's module scan reads this file at the root of the remote module and the
# itk-module.cmake of every group under Modules/; this umbrella module depends on all groups, so enabling
# Module_SCoPSAM builds the whole of it.
get_filename_component(MY_CURRENT_DIR "${CMAKE_CURRENT_LIST_FILE}" PATH)
file(READ "${MY_CURRENT_DIR}/README.md" DOCUMENTATION)

itk_module(SCoPSAM
  DEPENDS
    SCoPSAMPriors
    SCoPSAMData
    SCoPSAMEvaluation
    SCoPSAMQuantification
    SCoPSAMModel
    SCoPSAMTrainer
    SCoPSAMSegmentation
    SCoPSAMTraining
    SCoPSAMApplication
  DESCRIPTION
    "${DOCUMENTATION}"
  EXCLUDE_FROM_DEFAULT
)
