// list, manifest and fetch: the commands of torchfeed-client that need no
// LibTorch (cli.h).
#include <chrono>
#include <cstdio>
#include <exception>
#include <string>
#include <thread>
#include <vector>

#include "cli.h"
#include "torchfeed/fetch_client.h"

namespace torchfeed::cli {
namespace {

int list(torchfeed::FetchClient& client, const Args& args) {
  torchfeed::Listing listing = client.list();
  if (args.json) {
    std::printf("%s\n", listing.json.c_str());
    return 0;
  }
  size_t width = 5;
  for (const auto& m : listing.models) width = std::max(width, m.name.size());
  std::printf("%-*s  %-6s  %s\n", static_cast<int>(width), "MODEL", "LATEST",
              "VERSIONS");
  for (const auto& m : listing.models) {
    std::string versions;
    for (uint32_t v : m.versions) {
      versions += (versions.empty() ? "" : ",") + std::to_string(v);
    }
    std::printf("%-*s  %-6u  %s\n", static_cast<int>(width), m.name.c_str(),
                m.latest, versions.c_str());
  }
  if (!listing.rejected.empty()) {
    std::printf("\nREJECTED (%zu)\n", listing.rejected.size());
    for (const auto& r : listing.rejected) {
      std::printf("  %s: %s\n", r.path.c_str(), r.reason.c_str());
    }
  }
  return 0;
}

int manifest(torchfeed::FetchClient& client, const Args& args) {
  auto [name, version] = parse_model(args.model);
  torchfeed::Manifest m = client.manifest(name, version);
  if (args.json) {
    std::printf("%s\n", m.json.c_str());
    return 0;
  }
  std::printf("%s  %llu bytes  sha256 %s  format version %llu\n",
              id_of(m).c_str(), static_cast<unsigned long long>(m.size),
              m.sha256.c_str(),
              static_cast<unsigned long long>(m.format_version));
  print_tensors("PARAMETERS", m.parameters);
  print_tensors("BUFFERS", m.buffers);
  return 0;
}

int fetch(torchfeed::FetchClient& client, const Args& args, ProgressBar& bar) {
  auto [name, version] = parse_model(args.model);
  torchfeed::FetchResult r = client.fetch_to_file(name, version, args.output);
  bar.finish();
  std::string resumed;
  if (r.offsets.size() > 1) {
    resumed = ", resumed at " + std::to_string(r.offsets.back());
    if (r.servers.back() != r.servers.front()) {
      resumed += " on " + r.servers.back().to_string();
    }
  }
  std::printf("%s -> %s (%llu bytes%s, sha256 %s)\n", id_of(r.manifest).c_str(),
              args.output.c_str(),
              static_cast<unsigned long long>(r.manifest.size), resumed.c_str(),
              r.manifest.sha256.c_str());
  return 0;
}

// fetch --to-memory: the file in one buffer, hashed as it arrives and
// checked (ChecksumError otherwise), then dropped; with --parallel N, N
// clients at once, each on its own connection and thread. The time runs from
// before the connections are opened to the last sha256 checked, so it holds
// the handshakes, the MANIFEST and FETCH round trips, the transfers and the
// hashes: what a program loading a model from memory waits.
int fetch_to_memory(const std::vector<Endpoint>& servers,
                    const torchfeed::Options& options, const Args& args) {
  auto [name, version] = parse_model(args.model);
  // Held until the time is taken: freeing 512 MiB is no part of receiving it.
  std::vector<torchfeed::Download> downloads(args.parallel);
  std::vector<std::exception_ptr> errors(args.parallel);
  std::vector<std::thread> threads;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < args.parallel; ++i) {
    threads.emplace_back([&, i, name = name, version = version] {
      try {
        torchfeed::FetchClient client(servers, options);
        downloads[i] = client.fetch(name, version);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  for (const std::exception_ptr& error : errors) {
    if (error) std::rethrow_exception(error);
  }
  uint64_t bytes = 0;
  for (const torchfeed::Download& d : downloads) bytes += d.bytes.size();
  std::string clients = args.parallel > 1
                            ? ", " + std::to_string(args.parallel) + " clients"
                            : "";
  std::printf("%s -> memory%s (%llu bytes%s, sha256 %s, %.6f s, %.1f MB/s)\n",
              id_of(downloads[0].manifest).c_str(), clients.c_str(),
              static_cast<unsigned long long>(bytes),
              args.parallel > 1 ? " in all" : "",
              downloads[0].manifest.sha256.c_str(), seconds,
              seconds > 0 ? static_cast<double>(bytes) / seconds / 1e6 : 0.0);
  return 0;
}

}  // namespace

int run_fetch_command(const Args& args) {
  std::vector<Endpoint> servers = parse_servers(args.server);
  ProgressBar bar;
  Options options = options_of(args, bar);
  if (args.to_memory) {
    options.progress = nullptr;  // nothing but the transfer
    options.hash_on_thread = !args.hash_in_line;
    return fetch_to_memory(servers, options, args);
  }
  FetchClient client(servers, options);
  if (args.command == "list") return list(client, args);
  if (args.command == "manifest") return manifest(client, args);
  if (args.command == "fetch") return fetch(client, args, bar);
  throw UsageError("'" + args.command + "' loads models: run it with " +
                   kLibTorchProgram);
}

}  // namespace torchfeed::cli
