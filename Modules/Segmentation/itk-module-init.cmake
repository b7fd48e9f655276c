# The third-party packages whose headers SCoPSAMSegmentation includes (OpenCV's core, through the adaptation's
# header), found when SCoP-SAM is built inside ITK: ITK includes this file just before it adds the module. The
# standalone build finds them itself (the root CMakeLists.txt).
include(${CMAKE_CURRENT_LIST_DIR}/../../CMake/SCoPSAMThirdParty.cmake)
scopsam_find_package(OpenCV)
