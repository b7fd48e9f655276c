# The third-party packages whose headers SCoPSAMModel includes, found when SCoP-SAM is built inside ITK: ITK includes
# this file just before it adds the module. The standalone build finds them itself (the root CMakeLists.txt; Torch
# and VTK in Modules/Model and Modules/Quantification).
include(${CMAKE_CURRENT_LIST_DIR}/../../CMake/SCoPSAMThirdParty.cmake)
scopsam_find_package(nlohmann_json Torch ZLIB)
