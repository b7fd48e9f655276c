set(DOCUMENTATION "SCoP-SAM's evaluation: IoU, Dice, precision, recall, boundary F-score and object-level F1 of
phase masks, per image and per dataset, as Markdown, CSV and JSON; and the threshold baselines (Otsu, adaptive)
that every table compares against. Uses OpenCV for connected components and distance transforms.")

# COMPILE_DEPENDS SCoPSAMModel: the click protocol's rule (scopsamProtocolClick.h, header-only and free of LibTorch),
# which the trainer's validation shares; nothing of that library is linked.

itk_module(SCoPSAMEvaluation
  ENABLE_SHARED
  DEPENDS
    SCoPSAMData
  COMPILE_DEPENDS
    SCoPSAMModel
  PRIVATE_DEPENDS
    ITKCommon
    SCoPSAMPriors
  TEST_DEPENDS
    ITKGoogleTest
  DESCRIPTION
    "${DOCUMENTATION}"
  EXCLUDE_FROM_DEFAULT
)
