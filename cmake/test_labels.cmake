# relman_gtest_filter(OUT file...): a --gtest_filter pattern matching every
# test suite defined in the files (TEST, TEST_F, TEST_P; a parameterised
# suite runs as Prefix/Suite.Name/N), read from the sources at configure time,
# so a new suite in tests/core is labelled `unit` without a list to keep.
function(relman_gtest_filter out)
  set(patterns)
  foreach(file ${ARGN})
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${file})
    file(STRINGS ${file} lines REGEX "^(TEST|TEST_F|TEST_P)\\([A-Za-z0-9_]+,")
    foreach(line ${lines})
      string(REGEX REPLACE "^[A-Z_]+\\(([A-Za-z0-9_]+),.*" "\\1" suite "${line}")
      list(APPEND patterns "${suite}.*" "*/${suite}.*")
    endforeach()
  endforeach()
  list(REMOVE_DUPLICATES patterns)
  list(JOIN patterns ":" filter)
  set(${out} "${filter}" PARENT_SCOPE)
endfunction()
