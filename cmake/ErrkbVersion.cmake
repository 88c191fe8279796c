# Writes OUTPUT from TEMPLATE with ERRKB_VERSION and the git commit of SOURCE_DIR. Run at every build
# (the commit changes without CMake knowing); configure_file rewrites OUTPUT only when its text
# changes, so an unchanged commit recompiles and relinks nothing.
find_package(Git QUIET)
set(ERRKB_GIT_COMMIT unknown)
if(GIT_FOUND AND EXISTS "${SOURCE_DIR}/.git")
  execute_process(COMMAND "${GIT_EXECUTABLE}" rev-parse --short=12 HEAD
                  WORKING_DIRECTORY "${SOURCE_DIR}" OUTPUT_VARIABLE commit RESULT_VARIABLE failed
                  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(NOT failed)
    set(ERRKB_GIT_COMMIT "${commit}")
    execute_process(COMMAND "${GIT_EXECUTABLE}" diff --quiet HEAD -- WORKING_DIRECTORY "${SOURCE_DIR}"
                    RESULT_VARIABLE dirty ERROR_QUIET)
    if(dirty)
      string(APPEND ERRKB_GIT_COMMIT "-dirty")
    endif()
  endif()
endif()
configure_file("${TEMPLATE}" "${OUTPUT}" @ONLY)
