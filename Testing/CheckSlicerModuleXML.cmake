# Runs a 3D Slicer CLI module as Slicer does to discover it (`EXE --xml`) and checks the answer: exit status 0,
# nothing on stderr (Slicer logs it as an error), standard output beginning with <?xml, and a description valid
# against Slicer's ModuleDescription.xsd.
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
  message(FATAL_ERROR "${MODULE} --xml is not a valid module description:\n${report}")
endif()
