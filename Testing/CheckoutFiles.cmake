# scopsam_checkout_files(<out> <source dir>)
# The repository's files as a fetch (git clone) has them, relative to <source dir>: tracked files and files not yet
# added that git does not ignore (a group being created). Without git, every file outside the build folders.
# Used by the remote-module checks, which lay the tree out as ITK would find it.
function(scopsam_checkout_files out source_dir)
  find_program(GIT git)
  set(files "")
  if(GIT)
    execute_process(COMMAND ${GIT} ls-files --cached --others --exclude-standard WORKING_DIRECTORY ${source_dir}
      RESULT_VARIABLE rc OUTPUT_VARIABLE listing ERROR_QUIET)
    if(rc EQUAL 0)
      string(REGEX REPLACE "\n$" "" listing "${listing}")
      string(REPLACE "\n" ";" files "${listing}")
    endif()
  endif()
  if(NOT files)
    file(GLOB_RECURSE files RELATIVE ${source_dir} ${source_dir}/*)
    list(FILTER files EXCLUDE REGEX "^(build[^/]*|install|\\.git)/")
  endif()
  set(${out} ${files} PARENT_SCOPE)
endfunction()
