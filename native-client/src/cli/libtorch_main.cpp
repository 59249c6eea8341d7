// torchfeed-client-libtorch: torchfeed-client with LibTorch linked in, which
// torchfeed-client becomes for verify and watch (cli.h). It takes the same
// arguments and runs every command; LibTorch's errors are one line too.
#include <c10/util/Exception.h>

#include <cstdio>
#include <string>

#include "cli.h"

int main(int argc, char** argv) {
  namespace cli = torchfeed::cli;
  try {
    cli::Args args = cli::parse_args(argc, argv);
    if (cli::answered_help_or_version(args)) return 0;
    int status = cli::loads_models(args) ? cli::run_load_command(args)
                                         : cli::run_fetch_command(args);
    std::fflush(stdout);
    return status;
  } catch (const c10::Error& e) {
    std::string message = e.what_without_backtrace();
    std::fprintf(stderr, "%s: LibTorch: %s\n", cli::kProgram,
                 message.substr(0, message.find('\n')).c_str());
  } catch (...) {
    return cli::report_failure();
  }
  return 1;
}
