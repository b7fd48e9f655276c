set(DOCUMENTATION "SCoP-SAM's test-time adaptation: what prompts (clicks, scribbles) teach about one micrograph, as a
light pixel classifier (OpenCV's random forest) fitted in well under a second on dense per-pixel features (a
classical filter bank, and the network's cached features where a model supplies them), saved with its provenance
and applied to other micrographs. The interactive path of the segmentation filter, the command line, Python and
Slicer, and the ilastik-style baseline of the benchmarks.")

itk_module(SCoPSAMAdaptation
  ENABLE_SHARED
  DEPENDS
    SCoPSAMData
  COMPILE_DEPENDS
    SCoPSAMModel
  TEST_DEPENDS
    ITKGoogleTest
  DESCRIPTION
    "${DOCUMENTATION}"
  EXCLUDE_FROM_DEFAULT
)
