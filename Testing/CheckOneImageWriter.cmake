# Every output of every command goes through the one atomic writer (scopsam::WriteImage, WriteAtomically() and the
# streamed writes of scopsamImageIO.h): no other call of ITK's writers in the project's libraries and front ends.
# An unqualified WriteImage(...) of an ITK image pointer resolves, by argument-dependent lookup, to itk::WriteImage
# (a better match for a non-const pointer), so a call must say scopsam::WriteImage.
#   cmake -DSOURCE_DIR=<tree> -P CheckOneImageWriter.cmake
# The priors' streaming writer is the one other ITK writer: it runs inside WriteAtomically() (its own pipeline reads,
# computes and writes in pieces).
cmake_minimum_required(VERSION 3.16)
set(allowed "Modules/Data/include/scopsamImageIO.hxx" "Modules/Application/src/scopsamCommandPriors.cxx")
file(GLOB_RECURSE sources RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/Modules/*/src/*" "${SOURCE_DIR}/Modules/*/include/*"
  "${SOURCE_DIR}/Wrapping/*.cxx" "${SOURCE_DIR}/Wrapping/*.h")
set(findings "")
foreach(source IN LISTS sources)
  if(NOT source MATCHES "\\.(cxx|h|hxx)$")
    continue()
  endif()
  file(STRINGS "${SOURCE_DIR}/${source}" lines)
  set(number 0)
  foreach(line IN LISTS lines)
    math(EXPR number "${number} + 1")
    if(line MATCHES "^ *(//|\\*)")
      continue() # comments
    endif()
    if(line MATCHES "ImageFileWriter *<|itk::WriteImage" AND NOT source IN_LIST allowed)
      string(APPEND findings "\n  ${source}:${number}: ITK's writer called directly: ${line}")
    endif()
    if(line MATCHES "(^|[^:A-Za-z_])WriteImage\\(" AND NOT line MATCHES "^WriteImage\\(") # a declaration starts the line
      string(APPEND findings "\n  ${source}:${number}: unqualified WriteImage (itk::WriteImage by ADL): ${line}")
    endif()
  endforeach()
endforeach()
if(findings)
  message(FATAL_ERROR "outputs that bypass the atomic writer:${findings}")
endif()
list(LENGTH sources count)
message(STATUS "one image writer: ${count} files checked")
