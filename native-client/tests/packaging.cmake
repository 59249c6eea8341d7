# Included by CMakeLists.txt: the command line's split and version, and the
# installed package, each against the real server of torchfeed_server.

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
# torchfeed_transport for parse_endpoints (no LibTorch either).
target_link_libraries(cli_test PRIVATE torchfeed_transport GTest::gtest_main)
add_dependencies(cli_test torchfeed-client torchfeed-client-libtorch)
gtest_discover_tests(cli_test TEST_PREFIX "cli."
  PROPERTIES FIXTURES_REQUIRED torchfeed_server TIMEOUT 120)

# cmake --install into a prefix under the build directory; the installed
# torchfeed-client; the example of ../examples built against that prefix
# alone through find_package(torchfeed), run against the server.
set(TORCHFEED_INSTALL_TEST ${CMAKE_CURRENT_SOURCE_DIR}/install_test.sh)
set(TORCHFEED_TEST_PREFIX ${CMAKE_CURRENT_BINARY_DIR}/install-prefix)
add_test(NAME install.Tree
  COMMAND ${TORCHFEED_INSTALL_TEST} install ${PROJECT_BINARY_DIR}
          ${TORCHFEED_TEST_PREFIX})
set_tests_properties(install.Tree PROPERTIES
  FIXTURES_SETUP torchfeed_install TIMEOUT 120)
add_test(NAME install.ClientRunsItsInstalledLibTorchProgram
  COMMAND ${TORCHFEED_INSTALL_TEST} cli ${TORCHFEED_TEST_PREFIX}
          ${TORCHFEED_SERVER_STATE})
set_tests_properties(install.ClientRunsItsInstalledLibTorchProgram PROPERTIES
  FIXTURES_REQUIRED "torchfeed_install;torchfeed_server" TIMEOUT 120)
add_test(NAME install.ExampleBuildsWithFindPackageAndRunsForward
  COMMAND ${TORCHFEED_INSTALL_TEST} example ${TORCHFEED_TEST_PREFIX}
          ${PROJECT_SOURCE_DIR}/examples ${CMAKE_CURRENT_BINARY_DIR}/example
          ${TORCHFEED_FIXTURES} ${TORCHFEED_SERVER_STATE}
          -DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER} -DTorch_DIR=${Torch_DIR})
set_tests_properties(install.ExampleBuildsWithFindPackageAndRunsForward
  PROPERTIES FIXTURES_REQUIRED "torchfeed_install;torchfeed_server"
             TIMEOUT 900)
