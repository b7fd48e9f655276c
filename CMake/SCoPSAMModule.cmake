# Helpers every group's CMakeLists.txt uses, so that one group description serves both builds:
# standalone (plain CMake targets, exported as SCoPSAM::<module>) and inside ITK (itk_module_* macros).
# Inside ITK (the remote module in Modules/Remote/SCoPSAM), ITK's module scan finds every group's itk-module.cmake
# and adds each group, and each group's test/ as the test module <module>-Test, itself (see
# Documentation/ITKRemoteModule.md); this file is first included by the first group ITK adds, and the values below
# are cache entries so that every later group and test directory sees them.
include_guard(GLOBAL)
include(GenerateExportHeader)
# Where the project's shared test headers are, whichever directory included this file first.
get_filename_component(_scopsam_root "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
set(SCoPSAM_TEST_INCLUDE_DIR "${_scopsam_root}/Testing/Include" CACHE INTERNAL "SCoP-SAM's shared test headers")

if(COMMAND itk_module_impl)
  set(SCoPSAM_INSIDE_ITK TRUE CACHE INTERNAL "SCoP-SAM is built as ITK modules inside an ITK build")
  # ITK's module scan sets SCoPSAM_SOURCE_DIR and SCoPSAM_BINARY_DIR (those of the umbrella module at the root).
  if(NOT SCoPSAM_SOURCE_DIR OR NOT SCoPSAM_BINARY_DIR)
    message(FATAL_ERROR "Inside an ITK build, but ITK's module scan did not find the umbrella module SCoPSAM")
  endif()
else()
  set(SCoPSAM_INSIDE_ITK FALSE CACHE INTERNAL "SCoP-SAM is built as ITK modules inside an ITK build")
endif()

# scopsam_groups(<out> <Modules folder>)
# The groups (folders of <Modules folder> with an itk-module.cmake), in the order of the dependencies their
# itk-module.cmake files declare (DEPENDS, PRIVATE_DEPENDS, COMPILE_DEPENDS), as ITK orders modules: a group after
# the groups it depends on, ties in name order. The standalone build adds the groups in this order.
function(scopsam_groups out modules_dir)
  file(GLOB declarations RELATIVE ${modules_dir} ${modules_dir}/*/itk-module.cmake)
  set(groups "")
  foreach(declaration IN LISTS declarations)
    get_filename_component(group ${declaration} DIRECTORY)
    list(APPEND groups ${group})
  endforeach()
  list(SORT groups)
  foreach(group IN LISTS groups)
    file(READ ${modules_dir}/${group}/itk-module.cmake text)
    string(REGEX MATCH "itk_module\\(([^)]*)\\)" call "${text}")
    string(REGEX REPLACE "[ \t\r\n]+" ";" words "${CMAKE_MATCH_1}")
    set(deps_${group} "")
    set(keyword "")
    foreach(word IN LISTS words)
      if(word MATCHES "^[A-Z_]+$")
        set(keyword ${word})
      elseif(keyword MATCHES "^(|PRIVATE_|COMPILE_)DEPENDS$" AND word MATCHES "^SCoPSAM(.+)$")
        if(CMAKE_MATCH_1 IN_LIST groups)
          list(APPEND deps_${group} ${CMAKE_MATCH_1})
        endif()
      endif()
    endforeach()
  endforeach()
  set(ordered "")
  set(remaining ${groups})
  while(remaining)
    set(next "")
    foreach(group IN LISTS remaining)
      set(ready TRUE)
      foreach(dep IN LISTS deps_${group})
        if(dep IN_LIST remaining)
          set(ready FALSE)
        endif()
      endforeach()
      if(ready)
        set(next ${group})
        break()
      endif()
    endforeach()
    if(NOT next)
      message(FATAL_ERROR "The itk-module.cmake files of ${remaining} declare a dependency cycle")
    endif()
    list(APPEND ordered ${next})
    list(REMOVE_ITEM remaining ${next})
  endwhile()
  set(${out} ${ordered} PARENT_SCOPE)
endfunction()

# scopsam_module_group(<module>)
# The CMakeLists.txt of every group: inside ITK, itk_module_impl() (which adds src/; ITK adds test/ as the test
# module, and wrapping/ from its Wrapping folder); standalone, src/ and test/. A macro, so that it runs in the
# group's own directory scope.
macro(scopsam_module_group module)
  project(${module})
  if(SCoPSAM_INSIDE_ITK)
    set(${module}_LIBRARIES ${module})
    itk_module_impl()
  else()
    add_subdirectory(src)
    if(BUILD_TESTING)
      add_subdirectory(test)
    endif()
  endif()
endmacro()

# scopsam_module_library(<module> [NO_ITK] SOURCES <src>... [PUBLIC_LIBRARIES <lib>...] [PRIVATE_LIBRARIES <lib>...])
# The library of one group. Headers come from the group's include/, the export header <module>Export.h (macro
# <module>_EXPORT) is generated as ITK does. NO_ITK: the library does not link ITK (the network and tile engine).
function(scopsam_module_library module)
  cmake_parse_arguments(ARG "NO_ITK" "" "SOURCES;PUBLIC_LIBRARIES;PRIVATE_LIBRARIES" ${ARGN})
  if(SCoPSAM_INSIDE_ITK)
    itk_module_add_library(${module} ${ARG_SOURCES})
    target_link_libraries(${module} PUBLIC ${ARG_PUBLIC_LIBRARIES} PRIVATE ${ARG_PRIVATE_LIBRARIES})
    # ITK's own standard may be older than the C++17 this code needs.
    target_compile_features(${module} PUBLIC cxx_std_17)
    if(ARG_NO_ITK AND ITK_SOURCE_DIR)
      # Inside ITK's source tree itk_module_impl() writes <module>Export.h into ITKCommon's binary folder, which only
      # modules that depend on ITKCommon have on their include path.
      target_include_directories(${module} PUBLIC $<BUILD_INTERFACE:${ITKCommon_BINARY_DIR}>)
    endif()
    return()
  endif()
  add_library(${module} ${ARG_SOURCES})
  add_library(SCoPSAM::${module} ALIAS ${module})
  set(group_dir ${CMAKE_CURRENT_SOURCE_DIR}/..)
  generate_export_header(${module} EXPORT_MACRO_NAME ${module}_EXPORT
    EXPORT_FILE_NAME ${CMAKE_CURRENT_BINARY_DIR}/${module}Export.h)
  target_include_directories(${module} PUBLIC
    $<BUILD_INTERFACE:${group_dir}/include>
    $<BUILD_INTERFACE:${CMAKE_CURRENT_BINARY_DIR}>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/SCoPSAM>)
  if(NOT ARG_NO_ITK)
    target_link_libraries(${module} PUBLIC ${ITK_LIBRARIES})
  endif()
  target_link_libraries(${module} PUBLIC ${ARG_PUBLIC_LIBRARIES} PRIVATE ${ARG_PRIVATE_LIBRARIES})
  set_target_properties(${module} PROPERTIES VERSION ${SCoPSAM_VERSION} SOVERSION ${SCoPSAM_VERSION_MAJOR})
  install(TARGETS ${module} EXPORT SCoPSAMTargets
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  file(GLOB headers ${group_dir}/include/*.h ${group_dir}/include/*.hxx)
  install(FILES ${headers} ${CMAKE_CURRENT_BINARY_DIR}/${module}Export.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/SCoPSAM)
endfunction()

# scopsam_module_gtests(<module> <test source>... [LIBRARIES <lib>...] [LABELS <label>...])
# One GoogleTest driver per group; every TEST becomes a ctest test labelled with the group's name.
function(scopsam_module_gtests module)
  cmake_parse_arguments(ARG "" "" "LIBRARIES;LABELS" ${ARGN})
  if(SCoPSAM_INSIDE_ITK)
    # ITK adds test/ as the module's test module: its include path and libraries come from itk_module_test()
    # (the module, its DEPENDS and COMPILE_DEPENDS, and its TEST_DEPENDS).
    itk_module_test()
    creategoogletestdriver(${module} "${${module}-Test_LIBRARIES};${ARG_LIBRARIES}" "${ARG_UNPARSED_ARGUMENTS}")
    target_include_directories(${module}GTestDriver PRIVATE ${SCoPSAM_TEST_INCLUDE_DIR})
    target_compile_definitions(${module}GTestDriver PRIVATE
      SCoPSAM_SOURCE_DIR="${SCoPSAM_SOURCE_DIR}" SCoPSAM_BINARY_DIR="${SCoPSAM_BINARY_DIR}"
      SCoPSAM_SHARED_DATA_DIR="${SCoPSAM_SOURCE_DIR}/../shared/data")
    return()
  endif()
  add_executable(${module}GTestDriver ${ARG_UNPARSED_ARGUMENTS})
  target_link_libraries(${module}GTestDriver PRIVATE ${module} ${ARG_LIBRARIES} GTest::gtest GTest::gtest_main)
  target_include_directories(${module}GTestDriver PRIVATE ${SCoPSAM_TEST_INCLUDE_DIR})
  target_compile_definitions(${module}GTestDriver PRIVATE
    SCoPSAM_SOURCE_DIR="${SCoPSAM_SOURCE_DIR}" SCoPSAM_BINARY_DIR="${SCoPSAM_BINARY_DIR}"
    SCoPSAM_SHARED_DATA_DIR="${SCoPSAM_SOURCE_DIR}/../shared/data")
  set_target_properties(${module}GTestDriver PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${SCoPSAM_BINARY_DIR}/tests)
  gtest_discover_tests(${module}GTestDriver
    WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}
    PROPERTIES LABELS "${module};${ARG_LABELS}"
    DISCOVERY_TIMEOUT 60)
endfunction()

# scopsam_regression_test(NAME <name> BASELINE <file> OUTPUT <file> COMMAND <cmd>...)
# Runs a command that writes an image and compares it with a committed baseline through ITK's test driver.
function(scopsam_regression_test)
  cmake_parse_arguments(ARG "" "NAME;BASELINE;OUTPUT;TOLERANCE" "COMMAND" ${ARGN})
  if(NOT ARG_TOLERANCE)
    set(ARG_TOLERANCE 0)
  endif()
  set(driver_args --compare ${ARG_BASELINE} ${ARG_OUTPUT} --compareIntensityTolerance ${ARG_TOLERANCE}
    --compareNumberOfPixelsTolerance 0)
  if(SCoPSAM_INSIDE_ITK)
    itk_add_test(NAME ${ARG_NAME} COMMAND itkTestDriver ${driver_args} ${ARG_COMMAND})
  else()
    add_test(NAME ${ARG_NAME} COMMAND itkTestDriver ${driver_args} ${ARG_COMMAND})
  endif()
endfunction()
