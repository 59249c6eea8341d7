// torchfeed-client: list, manifest, fetch, verify and watch against a
// torchfeed server. Exit 0 on success, 1 with a one-line message on stderr
// otherwise.
//
// This executable links no LibTorch (torchfeed::transport), so --help,
// --version, list, manifest and fetch start at once. verify and watch load
// models: for them it becomes torchfeed-client-libtorch (execv: the same
// process id, arguments and standard streams), see cli.h.
#include <limits.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "cli.h"
#include "torchfeed/errors.h"

namespace {

using torchfeed::cli::kLibTorchProgram;

// torchfeed-client-libtorch: beside this executable (the build tree), else
// where its install puts it relative to bin/ (TORCHFEED_LIBEXEC_FROM_BIN,
// e.g. ../libexec/torchfeed). Error when it is in neither place.
std::string libtorch_program() {
  char self[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n < 0) {
    throw torchfeed::Error(std::string("cannot read /proc/self/exe: ") +
                           std::strerror(errno));
  }
  self[n] = '\0';
  std::string dir(self);
  dir = dir.substr(0, dir.rfind('/'));
  std::string beside = dir + "/" + kLibTorchProgram;
  std::string installed =
      dir + "/" TORCHFEED_LIBEXEC_FROM_BIN "/" + kLibTorchProgram;
  for (const std::string& path : {beside, installed}) {
    if (::access(path.c_str(), X_OK) == 0) return path;
  }
  throw torchfeed::Error(std::string("verify and watch load models with ") +
                         kLibTorchProgram + ", which is neither at " + beside +
                         " nor at " + installed);
}

// Runs the command line in torchfeed-client-libtorch; returns only by an
// exception.
[[noreturn]] void become_libtorch_program(char** argv) {
  std::string path = libtorch_program();
  argv[0] = path.data();
  std::fflush(nullptr);
  ::execv(path.c_str(), argv);
  throw torchfeed::Error("cannot run " + path + ": " + std::strerror(errno));
}

}  // namespace

int main(int argc, char** argv) {
  namespace cli = torchfeed::cli;
  try {
    cli::Args args = cli::parse_args(argc, argv);
    if (cli::answered_help_or_version(args)) return 0;
    if (cli::loads_models(args)) become_libtorch_program(argv);
    int status = cli::run_fetch_command(args);
    std::fflush(stdout);
    return status;
  } catch (...) {
    return cli::report_failure();
  }
}
