# The third-party packages whose headers SCoPSAMTrainer includes, found when SCoP-SAM is built inside ITK: ITK includes
# this file just before it adds the module. LibTorch: the trainer's loss (src/scopsamTrainerLoss.h) includes it, as
# do SCoPSAMModel's internal headers it uses; the standalone build finds both itself.
include(${CMAKE_CURRENT_LIST_DIR}/../../CMake/SCoPSAMThirdParty.cmake)
scopsam_find_package(nlohmann_json Torch)
