# Installs the build tree into a scratch prefix, then configures, builds and runs
# tests/install_consumer (the core library) and examples/ (the library API,
# ratenet::app) against it.
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(rc)
  message(FATAL_ERROR "cmake --install failed: ${rc}")
endif()
foreach(project IN ITEMS "${SOURCE_DIR}|consumer" "${EXAMPLE_DIR}|library_api")
  string(REPLACE "|" ";" parts "${project}")
  list(GET parts 0 src)
  list(GET parts 1 program)
  set(bin ${WORK_DIR}/${program})
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${src} -B ${bin}
                          -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_BUILD_TYPE=Release
                  RESULT_VARIABLE rc)
  if(rc)
    message(FATAL_ERROR "configuring ${src} failed: ${rc}")
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} --build ${bin} RESULT_VARIABLE rc)
  if(rc)
    message(FATAL_ERROR "building ${src} failed: ${rc}")
  endif()
  execute_process(COMMAND ${bin}/${program} RESULT_VARIABLE rc)
  if(rc)
    message(FATAL_ERROR "${program} (${src}) ran but failed: ${rc}")
  endif()
endforeach()
