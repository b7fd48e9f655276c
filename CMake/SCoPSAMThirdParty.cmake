# scopsam_find_package(<package>...)
# The third-party packages of SCoP-SAM's groups, with the versions and components that the standalone build asks for
# (root CMakeLists.txt, Modules/Data/src, Modules/Model/src, Modules/Quantification/src). The groups' itk-module-init.cmake files call
# it: inside an ITK build, ITK includes a module's itk-module-init.cmake in its top-level scope just before it adds
# the module (CMake/ITKModuleEnablement.cmake), so the packages are found in the scope of every module added later.
# A macro, so that find_package() runs in the caller's scope.
include_guard(GLOBAL)
macro(scopsam_find_package)
  foreach(_scopsam_package IN ITEMS ${ARGN})
    if(_scopsam_package STREQUAL "Torch")
      find_package(Torch REQUIRED)
    elseif(_scopsam_package STREQUAL "OpenCV")
      find_package(OpenCV REQUIRED COMPONENTS core imgproc imgcodecs ml)
    elseif(_scopsam_package STREQUAL "VTK")
      find_package(VTK 9 REQUIRED COMPONENTS CommonCore CommonDataModel IOXML)
    elseif(_scopsam_package STREQUAL "CLI11")
      find_package(CLI11 REQUIRED)
    elseif(_scopsam_package STREQUAL "nlohmann_json")
      find_package(nlohmann_json 3 REQUIRED)
    elseif(_scopsam_package STREQUAL "ZLIB")
      find_package(ZLIB REQUIRED) # inflates a model file's class source before LibTorch compiles it
    elseif(_scopsam_package STREQUAL "JPEG")
      find_package(JPEG REQUIRED) # libjpeg, the one ITK's JPEG reader links
    else()
      message(FATAL_ERROR "scopsam_find_package(): no package '${_scopsam_package}' is known")
    endif()
  endforeach()
endmacro()
