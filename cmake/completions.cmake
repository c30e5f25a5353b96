# Writes trk's completion scripts for bash, zsh and fish into OUTPUT_DIR by running the
# built trk (`trk completion SHELL`): they come from the command tree, never by hand.
#   cmake -DTRK=path/to/trk -DOUTPUT_DIR=... -P completions.cmake
foreach(shell_and_file IN ITEMS "bash|trk" "zsh|_trk" "fish|trk.fish")
  string(REPLACE "|" ";" shell_and_file "${shell_and_file}")
  list(GET shell_and_file 0 shell)
  list(GET shell_and_file 1 file)
  execute_process(COMMAND ${TRK} completion ${shell} OUTPUT_FILE ${OUTPUT_DIR}/${file}.new RESULT_VARIABLE failed)
  if(failed)
    message(FATAL_ERROR "trk completion ${shell} failed: ${failed}")
  endif()
  file(RENAME ${OUTPUT_DIR}/${file}.new ${OUTPUT_DIR}/${file})
endforeach()
