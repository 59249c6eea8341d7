// The command line, in two executables so that only the commands that load
// models pay LibTorch's start-up (linking it, registering its operators):
//
//   torchfeed-client            (main.cpp) links torchfeed::transport only:
//                               --help, --version, list, manifest, fetch;
//                               for verify and watch it execv()s
//   torchfeed-client-libtorch   (libtorch_main.cpp) links torchfeed::client
//                               (LibTorch): every command, verify and watch
//                               included. Found beside torchfeed-client (the
//                               build tree) or in its install's libexec
//                               directory (../libexec/torchfeed from bin).
//
// Both parse the same arguments and print the same lines; this header is
// what they share (cli.cpp), plus the commands each runs.
#pragma once

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "torchfeed/fetch_client.h"

namespace torchfeed::cli {

constexpr const char* kProgram = "torchfeed-client";
constexpr const char* kLibTorchProgram = "torchfeed-client-libtorch";

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Args {
  std::string command;
  std::string server = "localhost:7070";
  std::string model;
  std::vector<std::string> models;  // watch
  std::string output;
  std::string tls_ca;
  std::string tls_server_name;
  bool json = false;
  bool help = false;
  bool version = false;
  bool once = false;
  bool load_current = false;
  bool in_order = false;      // --server A,B: try A first, then B
  bool to_memory = false;     // fetch
  int parallel = 1;           // fetch --to-memory
  bool hash_in_line = false;  // fetch --to-memory
  double connect_timeout = 10;
  double read_timeout = 60;
  std::string trust_key;
};

// UsageError when the arguments make no command.
Args parse_args(int argc, char** argv);
// HOST:PORT, [V6]:PORT or HOST (port 7070), or several of them separated
// by commas (replicas); UsageError otherwise.
std::vector<Endpoint> parse_servers(const std::string& text);
// NAME or NAME:VERSION (a positive version).
std::pair<std::string, uint32_t> parse_model(const std::string& text);

// verify and watch: the commands that load models with LibTorch.
bool loads_models(const Args& args);

// --help.
const char* usage();
// --version: this client's version, the protocol versions it speaks and the
// LibTorch verify and watch load with (a constant: nothing is loaded).
std::string version();
// Prints usage() for --help or version() for --version on stdout; false when
// the command line asks for neither.
bool answered_help_or_version(const Args& args);

// A progress bar on stderr, drawn only when stderr is a terminal and the
// transfer has run for more than a second; redrawn ten times a second.
class ProgressBar {
 public:
  using Clock = std::chrono::steady_clock;

  ProgressBar();
  ~ProgressBar() { finish(); }

  void operator()(uint64_t done, uint64_t total);
  void finish();

 private:
  bool enabled_;
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_;
  bool drawn_ = false;
};

// The Options the arguments ask for, drawing progress on `bar`.
Options options_of(const Args& args, ProgressBar& bar);

void print_tensors(const char* title, const std::vector<TensorInfo>& tensors);
// "toynet:1"
std::string id_of(const Manifest& m);

// For the exception being handled: one line on stderr, "torchfeed-client:
// ..." (a UsageError also points to --help); returns the exit status, 1.
int report_failure();

// list, manifest and fetch (fetch_commands.cpp): the exit status.
int run_fetch_command(const Args& args);
// verify and watch (load_commands.cpp, LibTorch): the exit status.
int run_load_command(const Args& args);

}  // namespace torchfeed::cli
