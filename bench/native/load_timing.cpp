// load_timing: one sample of rows 6 and 7 of the benchmark, as one JSON line
// on stdout.
//
//   load_timing remote HOST:PORT NAME   connect, then Client::load: LibTorch
//                                       loading while the bytes arrive and
//                                       their chunks are checked
//   load_timing remote-sequential HOST:PORT NAME
//                                       connect, fetch and check the whole
//                                       file, then load it from memory (what
//                                       Client::load did before, and does
//                                       without chunk digests)
//   load_timing fetch  HOST:PORT NAME   connect, fetch, check: the transfer
//                                       alone, no LibTorch load
//   load_timing disk   PATH             torch::jit::load(PATH)
//
// Times are seconds on the steady clock, from before the connect (or the
// disk load) to the loaded module (or the checked buffer), inside this
// process: LibTorch's own start-up (dynamic loading, static initialisers) is
// before the clock starts in every mode. "maxrss_mib" is the process's peak
// resident set (getrusage ru_maxrss), "base_rss_mib" the resident set before
// the clock started.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "torchfeed/client.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double maxrss_mib() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

double rss_mib() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") {
      double kib = 0;
      status >> kib;
      return kib / 1024.0;
    }
  }
  return 0;
}

std::pair<std::string, uint16_t> parse_server(const std::string& text) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos) return {text, torchfeed::kDefaultPort};
  return {text.substr(0, colon),
          static_cast<uint16_t>(std::stoul(text.substr(colon + 1)))};
}

int usage() {
  std::fputs(
      "usage: load_timing remote|remote-sequential|fetch HOST:PORT NAME | "
      "load_timing disk "
      "PATH\n",
      stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return usage();
  const std::string mode = argv[1];
  const double base_rss = rss_mib();
  try {
    if (mode == "disk" && argc == 3) {
      auto start = Clock::now();
      torch::jit::Module module = torch::jit::load(argv[2]);
      double load = seconds_since(start);
      std::printf(
          "{\"mode\":\"disk\",\"seconds\":%.6f,\"load\":%.6f,"
          "\"parameters\":%zu,\"base_rss_mib\":%.1f,\"maxrss_mib\":%.1f}\n",
          load, load, module.parameters().size(), base_rss, maxrss_mib());
      return 0;
    }
    if ((mode != "remote" && mode != "remote-sequential" && mode != "fetch") ||
        argc != 4) {
      return usage();
    }
    auto [host, port] = parse_server(argv[2]);
    const std::string name = argv[3];
    auto start = Clock::now();
    torchfeed::Client client(host, port);
    client.server_hello();  // connect and HELLO
    double connect = seconds_since(start);
    if (mode == "remote") {
      torchfeed::Loaded loaded = client.fetch_and_load(name);
      double total = seconds_since(start);
      std::printf(
          "{\"mode\":\"remote\",\"seconds\":%.6f,\"connect\":%.6f,"
          "\"bytes\":%llu,\"parameters\":%zu,\"fetches\":%zu,"
          "\"base_rss_mib\":%.1f,\"maxrss_mib\":%.1f}\n",
          total, connect,
          static_cast<unsigned long long>(loaded.manifest.size),
          loaded.module.parameters().size(), loaded.offsets.size(), base_rss,
          maxrss_mib());
      return 0;
    }
    torchfeed::Download download = client.fetch_loadable(name);
    double transfer = seconds_since(start) - connect;
    size_t size = download.bytes.size();
    if (mode == "fetch") {
      double total = seconds_since(start);
      std::printf(
          "{\"mode\":\"fetch\",\"seconds\":%.6f,\"connect\":%.6f,"
          "\"transfer\":%.6f,\"bytes\":%zu,\"base_rss_mib\":%.1f,"
          "\"maxrss_mib\":%.1f}\n",
          total, connect, transfer, size, base_rss, maxrss_mib());
      return 0;
    }
    torch::jit::Module module =
        torchfeed::load_from_memory(std::move(download.bytes));
    double total = seconds_since(start);
    std::printf(
        "{\"mode\":\"remote-sequential\",\"seconds\":%.6f,"
        "\"connect\":%.6f,"
        "\"transfer\":%.6f,\"load\":%.6f,\"bytes\":%zu,\"parameters\":%zu,"
        "\"base_rss_mib\":%.1f,\"maxrss_mib\":%.1f}\n",
        total, connect, transfer, total - connect - transfer, size,
        module.parameters().size(), base_rss, maxrss_mib());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "load_timing: %s\n", e.what());
    return 1;
  }
}
