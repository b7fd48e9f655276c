set(DOCUMENTATION "SCoP-SAM's phase quantification: itk::PhaseQuantificationImageFilter measures the particles of a
phase mask (area fraction, count and number density, sizes, Feret diameters, shape, orientation, nearest-neighbour
distance, mean free path) with statistics over fields in the manner of ASTM E1245 and E562; JSON and CSV reports,
size-distribution plots (SVG), and VTK files (particle outlines with their measurements, images) for 3D Slicer and
ParaView. Labelling and perimeters come from ITK's label maps; outlines are traced with OpenCV, written with VTK.")

itk_module(SCoPSAMQuantification
  ENABLE_SHARED
  DEPENDS
    ITKCommon
    ITKLabelMap
    ITKConnectedComponents
    ITKDistanceMap
    ITKImageIntensity
    ITKMathematicalMorphology
    ITKWatersheds
    SCoPSAMData
  TEST_DEPENDS
    SCoPSAMEvaluation
    ITKGoogleTest
  DESCRIPTION
    "${DOCUMENTATION}"
  EXCLUDE_FROM_DEFAULT
)
