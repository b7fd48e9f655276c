# Runs a 3D Slicer CLI module as Slicer does to discover it (`EXE --xml`) and checks the answer: exit status 0,
# nothing on stderr (Slicer logs it as an error), standard output beginning with <?xml, and a description valid
# against Slicer's ModuleDescription.xsd (the shared copy).
#
# That schema is narrower than what Slicer's own parser (ModuleDescriptionParser) and CTK's schema
# (ctkCmdLineModule.xsd: "either flag or longflag or index") accept in two places, both of which a module needs to
# run for a Slicer user: it makes every image, file, table and geometry indexed, where Slicer refuses to start a
# module while an indexed input is unset (so an optional input must be a long flag), and it gives numbers and
# strings no <channel>, which marks Slicer's return parameters. Those two errors, and only those, are accepted
# here, each on the kind of element it concerns; any other error fails the test.
# Usage: cmake -DMODULE=<exe> -DSCHEMA=<xsd> -DXMLLINT=<xmllint> -DOUTPUT=<file.xml> -P CheckSlicerModuleXML.cmake
execute_process(COMMAND ${MODULE} --xml RESULT_VARIABLE status OUTPUT_VARIABLE xml ERROR_VARIABLE errors)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${MODULE} --xml exited with ${status}")
endif()
if(NOT errors STREQUAL "")
  message(FATAL_ERROR "${MODULE} --xml wrote on stderr: ${errors}")
endif()
string(FIND "${xml}" "<?xml" position)
if(NOT position EQUAL 0)
  message(FATAL_ERROR "${MODULE} --xml does not begin with <?xml")
endif()
file(WRITE ${OUTPUT} "${xml}")
execute_process(COMMAND ${XMLLINT} --noout --schema ${SCHEMA} ${OUTPUT} RESULT_VARIABLE valid ERROR_VARIABLE report)
if(NOT valid EQUAL 0)
  file(STRINGS ${OUTPUT} lines)
  string(REPLACE "\n" ";" errors "${report}")
  set(unexpected "")
  foreach(error IN LISTS errors)
    if(error MATCHES "fails to validate$" OR error STREQUAL "")
      continue()
    endif()
    # file.xml:LINE: element NAME: Schemas validity error : Element 'NAME': This element is not expected...
    if(error MATCHES ":([0-9]+): element ([a-z-]+): Schemas validity error : Element '[a-z-]+': This element is not expected")
      set(line ${CMAKE_MATCH_1})
      set(element ${CMAKE_MATCH_2})
      # The parameter it belongs to: the nearest line above at the parameters' indentation.
      set(parameter "")
      math(EXPR at "${line} - 1")
      while(at GREATER 0 AND parameter STREQUAL "")
        math(EXPR at "${at} - 1")
        list(GET lines ${at} text)
        if(text MATCHES "^    <([a-z-]+)[ >]")
          set(parameter ${CMAKE_MATCH_1})
        endif()
      endwhile()
      if(element STREQUAL "longflag" AND parameter MATCHES "^(image|file|table|geometry)$")
        continue() # an optional file: a flag (CTK's schema and Slicer's parser allow it)
      endif()
      if(element STREQUAL "channel" AND parameter MATCHES "^(integer|float|double|string|boolean)$")
        continue() # a return parameter (channel output)
      endif()
    endif()
    string(APPEND unexpected "${error}\n")
  endforeach()
  if(NOT unexpected STREQUAL "")
    message(FATAL_ERROR "${MODULE} --xml is not a valid module description:\n${unexpected}")
  endif()
endif()
