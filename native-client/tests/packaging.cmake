# Included by CMakeLists.txt: the command line's split and version, against
# the real server of torchfeed_server.

# torchfeed-client links and loads no LibTorch but for verify and watch;
# --version on both executables.
add_executable(cli_test cli_test.cpp)
# Torch's headers only, for TORCH_VERSION and the archive format version
# the output must name: nothing here links LibTorch.
target_include_directories(cli_test
  PRIVATE $<TARGET_PROPERTY:torch,INTERFACE_INCLUDE_DIRECTORIES>)
target_compile_definitions(cli_test PRIVATE
  TORCHFEED_CLIENT_VERSION="${PROJECT_VERSION}"
  TORCHFEED_SERVER_STATE="${TORCHFEED_SERVER_STATE}"
  TORCHFEED_CLIENT_BIN="$<TARGET_FILE:torchfeed-client>"
  TORCHFEED_LIBTORCH_CLIENT_BIN="$<TARGET_FILE:torchfeed-client-libtorch>")
target_link_libraries(cli_test PRIVATE GTest::gtest_main)
add_dependencies(cli_test torchfeed-client torchfeed-client-libtorch)
gtest_discover_tests(cli_test TEST_PREFIX "cli."
  PROPERTIES FIXTURES_REQUIRED torchfeed_server TIMEOUT 120)
