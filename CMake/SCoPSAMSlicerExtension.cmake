# SCoP-SAM as a 3D Slicer extension. The root CMakeLists.txt includes this file when it is configured with
# -DSlicer_DIR=<Slicer build> (as the Slicer Extensions Index builds Utilities/Slicer/SCoPSAM.json): Slicer's ITK
# and VTK are used, and the CLI module executables go where Slicer looks for CLI modules. LibTorch is found with
# find_package(Torch) as in any build (-DTorch_DIR=...).
set(EXTENSION_HOMEPAGE "https://github.com/scopsam/ITKSCoPSAM")
set(EXTENSION_CATEGORY "Segmentation")
set(EXTENSION_CONTRIBUTORS "SCoP-SAM contributors")
set(EXTENSION_DESCRIPTION "Finds and measures the intermediate phases of alloy micrographs with SCoP-SAM.")
set(EXTENSION_ICONURL "https://raw.githubusercontent.com/scopsam/ITKSCoPSAM/main/Documentation/images/sample_overlay.png")
set(EXTENSION_SCREENSHOTURLS "${EXTENSION_ICONURL}")
set(EXTENSION_DEPENDS "NA")
set(EXTENSION_STATUS "Experimental")

find_package(Slicer REQUIRED)
include(${Slicer_USE_FILE})
set(SCoPSAM_CLI_MODULES_OUTPUT_DIR ${CMAKE_BINARY_DIR}/${Slicer_CLIMODULES_BIN_DIR})
set(SCoPSAM_CLI_MODULES_INSTALL_DIR ${Slicer_INSTALL_CLIMODULES_BIN_DIR})
set(SCoPSAM_SLICER_EXTENSION TRUE)
