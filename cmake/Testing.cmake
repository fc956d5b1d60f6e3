# labelloop_test(<name> SOURCES <files...> LIBS <targets...> [LABELS unit|slow|integration])
# One GoogleTest executable, registered with ctest. Unit tests stay under a minute in all:
# `ctest -L unit`.
function(labelloop_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest_main GTest::gmock)
  target_compile_definitions(${name} PRIVATE
    LABELLOOP_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    LABELLOOP_SHARED_DIR="${PROJECT_SOURCE_DIR}/../shared")
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  gtest_discover_tests(${name} PROPERTIES LABELS "${T_LABELS}" DISCOVERY_TIMEOUT 60)
endfunction()
