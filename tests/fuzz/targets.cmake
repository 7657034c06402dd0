# The libFuzzer targets, each linked with -fsanitize=fuzzer against xtgrad. Included by this
# folder's standalone project (CMakeLists.txt, which builds xtgrad itself with the fuzzer
# instrumentation) and by the main project configured with XTGRAD_BUILD_FUZZERS=ON (CI's
# sanitizer build, whose CMAKE_CXX_FLAGS carry -fsanitize=fuzzer-no-link): the targets land in
# the including project's top build folder either way, where run_fuzzers.sh looks for them.
foreach(target fuzz_weights fuzz_model fuzz_csv fuzz_checkpoint)
  add_executable(${target} ${CMAKE_CURRENT_LIST_DIR}/${target}.cpp)
  target_link_libraries(${target} PRIVATE xtgrad::xtgrad xtgrad_predict)
  target_compile_options(${target} PRIVATE -fsanitize=fuzzer)
  target_link_options(${target} PRIVATE -fsanitize=fuzzer)
endforeach()
