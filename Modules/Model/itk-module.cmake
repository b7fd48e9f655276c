set(DOCUMENTATION "SCoP-SAM's network and tile engine in LibTorch, without ITK: image encoder with prior patch
embedding and prior adapters, prompt encoder with the dense prior prompt and appearance tokens, mask decoder with
full-resolution prior fusion; model files that carry their configuration; TorchScript models of the documented
signature; SAM ViT-B import; overlapping tiles blended with a smooth window.")

# No ITK module dependency: the library links LibTorch only (found with find_package(Torch)), so it also builds on
# machines with PyTorch's LibTorch and no ITK. It reads one header of SCoPSAMPriors, the ITK-free table of the prior
# parameters (scopsamPriorParameters.h), and links nothing of it.
itk_module(SCoPSAMModel
  ENABLE_SHARED
  COMPILE_DEPENDS
    SCoPSAMPriors
  TEST_DEPENDS
    ITKGoogleTest
  DESCRIPTION
    "${DOCUMENTATION}"
  EXCLUDE_FROM_DEFAULT
)
