# Shows that CheckITKModuleDeclarations.cmake fails where it should: copies the tree's module files into WORK_DIR,
# checks that the copy passes, makes one declaration wrong (MUTATION) and checks that the copy then fails with the
# message that names the fault.
# Usage: cmake -DSOURCE_DIR=<tree> -DITK_MODULES_DIR=<ITK's cmake/Modules folder> -DWORK_DIR=<scratch folder>
#   -DMUTATION=<unused-project|undeclared-project|undeclared-itk|unused-itk> -P CheckITKModuleDeclarationsCanFail.cmake
cmake_minimum_required(VERSION 3.16)
set(check ${CMAKE_CURRENT_LIST_DIR}/CheckITKModuleDeclarations.cmake)
set(copy ${WORK_DIR}/${MUTATION})
file(REMOVE_RECURSE ${copy})
file(MAKE_DIRECTORY ${copy}/Testing)
file(COPY ${SOURCE_DIR}/Modules ${SOURCE_DIR}/CMake DESTINATION ${copy})
file(COPY ${SOURCE_DIR}/Testing/Include DESTINATION ${copy}/Testing)
file(COPY ${SOURCE_DIR}/itk-module.cmake ${SOURCE_DIR}/CMakeLists.txt ${SOURCE_DIR}/README.md DESTINATION ${copy})

function(run_check result output)
  execute_process(COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${copy} -DITK_MODULES_DIR=${ITK_MODULES_DIR} -P ${check}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(${result} ${rc} PARENT_SCOPE)
  set(${output} "${out}${err}" PARENT_SCOPE)
endfunction()

# Adds <entry> under the first <keyword> (DEPENDS, TEST_DEPENDS) of a group's itk-module.cmake.
function(add_declaration group keyword entry)
  set(file ${copy}/Modules/${group}/itk-module.cmake)
  file(READ ${file} text)
  string(REGEX REPLACE "([ \t\n])${keyword}([ \t]*\n)" "\\1${keyword}\\2    ${entry}\n" mutated "${text}")
  if(mutated STREQUAL text)
    message(FATAL_ERROR "Modules/${group}/itk-module.cmake has no ${keyword} to add ${entry} to")
  endif()
  file(WRITE ${file} "${mutated}")
endfunction()

run_check(rc out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the unchanged copy of the tree does not pass the check:\n${out}")
endif()

if(MUTATION STREQUAL "unused-project")
  # Data declares Priors again, as it did before issue 12, while none of its files includes a Priors header.
  add_declaration(Data DEPENDS SCoPSAMPriors)
  set(expected "SCoPSAMData declares SCoPSAMPriors, but no file of its include/ or src/ includes a header of SCoPSAMPriors")
elseif(MUTATION STREQUAL "undeclared-project")
  # The network library, which declares no dependency, includes a Data header.
  file(WRITE ${copy}/Modules/Model/src/scopsamMutation.cxx "#include \"scopsamErrors.h\"\n")
  set(expected "SCoPSAMModel does not declare SCoPSAMData, whose header Modules/Model/src/scopsamMutation.cxx includes")
elseif(MUTATION STREQUAL "undeclared-itk")
  # A test of the network library, which has no ITK, includes an ITKCommon header.
  file(WRITE ${copy}/Modules/Model/test/scopsamMutationGTest.cxx "#include \"itkImage.h\"\n")
  set(expected "SCoPSAMModel does not declare ITKCommon in TEST_DEPENDS \\(nor a module that brings it\\), whose header Modules/Model/test/scopsamMutationGTest.cxx includes")
elseif(MUTATION STREQUAL "unused-itk")
  # The priors' tests declare a label-map module they never include.
  add_declaration(Priors TEST_DEPENDS ITKLabelMap)
  set(expected "SCoPSAMPriors declares ITKLabelMap in TEST_DEPENDS, but no file of its test/ includes a header of ITKLabelMap")
else()
  message(FATAL_ERROR "unknown MUTATION '${MUTATION}'")
endif()

run_check(rc out)
if(rc EQUAL 0)
  message(FATAL_ERROR "the check passed on a tree with a wrong declaration (${MUTATION})")
endif()
if(NOT out MATCHES "${expected}")
  message(FATAL_ERROR "the check failed (${MUTATION}), but without the expected message '${expected}':\n${out}")
endif()
message(STATUS "the check fails on ${MUTATION} as it should: ${expected}")
