# The third-party packages whose headers SCoPSAMTrainer includes, found when SCoP-SAM is built inside ITK: ITK includes
# this file just before it adds the module. LibTorch, which it uses through SCoPSAMModel's internal headers, is found
# by SCoPSAMModel's itk-module-init.cmake; the standalone build finds both itself.
include(${CMAKE_CURRENT_LIST_DIR}/../../CMake/SCoPSAMThirdParty.cmake)
scopsam_find_package(nlohmann_json)
