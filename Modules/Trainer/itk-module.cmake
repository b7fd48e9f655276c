set(DOCUMENTATION "SCoP-SAM's training in LibTorch, without ITK: the loss (binary cross-entropy plus soft Dice),
AdamW with warm-up and cosine decay, simulated clicks, checkpoints and resuming. It reaches the network of
SCoPSAMModel through that library's internal interface; the sample makers that need ITK are in SCoPSAMTraining.")

# No ITK module dependency besides SCoPSAMModel (itself without ITK): the library links LibTorch, so it builds on
# machines with PyTorch's LibTorch and no ITK (Modules/Model/CMakeLists.txt, the LibTorch-only build).
itk_module(SCoPSAMTrainer
  ENABLE_SHARED
  DEPENDS
    SCoPSAMModel
  TEST_DEPENDS
    ITKGoogleTest
  DESCRIPTION
    "${DOCUMENTATION}"
  EXCLUDE_FROM_DEFAULT
)
