set(DOCUMENTATION "SCoP-SAM's data: reading micrographs of any ITK format as gray images with clear errors, atomic
writing, the IPSM-Bench-style dataset layout, and the seeded synthetic micrograph generator with exact masks.")

itk_module(SCoPSAMData
  ENABLE_SHARED
  DEPENDS
    ITKCommon
    ITKIOImageBase
  PRIVATE_DEPENDS
    ITKIOPNG
    ITKIOTIFF
    ITKIOJPEG
    ITKIOMeta
    ITKIONRRD
    ITKIOBMP
  TEST_DEPENDS
    ITKGoogleTest
    ITKImageIntensity
  DESCRIPTION
    "${DOCUMENTATION}"
  EXCLUDE_FROM_DEFAULT
)
