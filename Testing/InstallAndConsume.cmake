# Installs the build tree into a scratch prefix, then configures, builds and runs a downstream project that uses
# the installed package through find_package(SCoPSAM).
# Usage: cmake -DBINARY_DIR=... -DCONSUMER_SOURCE_DIR=... -DWORK_DIR=... -DSAMPLE=... -P InstallAndConsume.cmake
cmake_minimum_required(VERSION 3.16)
file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "failed (${result}): ${ARGN}\n${out}\n${err}")
  endif()
  message(STATUS "${out}")
endfunction()
run(${CMAKE_COMMAND} --install ${BINARY_DIR} --prefix ${prefix})
foreach(expected bin/scopsam include/SCoPSAM/itkGradientPriorFilter.h lib/cmake/SCoPSAM/SCoPSAMConfig.cmake
    share/SCoPSAM/models/scopsam_small_default.pt share/SCoPSAM/models/scopsam_small_prior_off.pt)
  if(NOT EXISTS ${prefix}/${expected})
    message(FATAL_ERROR "the installation lacks ${expected}")
  endif()
endforeach()
run(${CMAKE_COMMAND} -S ${CONSUMER_SOURCE_DIR} -B ${WORK_DIR}/consumer -DCMAKE_PREFIX_PATH=${prefix}
  -DCMAKE_BUILD_TYPE=Release)
run(${CMAKE_COMMAND} --build ${WORK_DIR}/consumer)
run(${WORK_DIR}/consumer/consumer ${SAMPLE})
# The installed command line runs from its new place.
run(${prefix}/bin/scopsam priors ${SAMPLE} ${WORK_DIR}/installed)
# An installed Slicer module runs a job through the installed application plug-in (found relative to itself).
run(${prefix}/lib/SCoPSAM/cli-modules/SCoPSAMGrayscalePriorCLI ${SAMPLE} ${WORK_DIR}/installed_slicer_grayscale.nrrd)
if(NOT EXISTS ${WORK_DIR}/installed_slicer_grayscale.nrrd)
  message(FATAL_ERROR "the installed Slicer module wrote nothing")
endif()
