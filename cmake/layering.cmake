# The layers as a build property: each library, linked whole and alone with
# only the libraries its target_link_libraries names, must resolve every
# symbol. A core file that calls libgit2, an adapter or a step, an adapter
# that calls core, or a command that names a step kind's symbol fails the
# build here (an undefined reference), before any test runs. What the linker
# cannot see (a header included for an inline function or a type) is checked
# by scripts/check-layers.sh, the ctest `layering.includes`.
set(RELMAN_LAYERS durable core adapters steps cli)
file(WRITE ${CMAKE_BINARY_DIR}/layering/main.cpp "int main() { return 0; }\n")
foreach(layer ${RELMAN_LAYERS})
  add_executable(layering_${layer} ${CMAKE_BINARY_DIR}/layering/main.cpp)
  target_link_libraries(layering_${layer} PRIVATE "$<LINK_LIBRARY:WHOLE_ARCHIVE,relman_${layer}>")
  add_test(NAME layering.links.${layer} COMMAND layering_${layer})
  set_tests_properties(layering.links.${layer} PROPERTIES TIMEOUT ${RELMAN_TEST_TIMEOUT} LABELS unit)
endforeach()
add_test(NAME layering.includes COMMAND ${CMAKE_SOURCE_DIR}/scripts/check-layers.sh ${CMAKE_SOURCE_DIR}/src)
set_tests_properties(layering.includes PROPERTIES TIMEOUT ${RELMAN_TEST_TIMEOUT} LABELS unit)
