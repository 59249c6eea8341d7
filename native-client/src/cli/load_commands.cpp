// verify and watch: the commands that load models with LibTorch, run by
// torchfeed-client-libtorch (cli.h).
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "cli.h"
#include "torchfeed/client.h"

namespace torchfeed::cli {
namespace {

int verify(torchfeed::Client& client, const Args& args, ProgressBar& bar) {
  auto [name, version] = parse_model(args.model);
  torchfeed::Download download = client.fetch_loadable(name, version);
  bar.finish();
  const torchfeed::Manifest& expected = download.manifest;
  torchfeed::Manifest seen;  // the manifest as this LibTorch sees the bytes
  seen.name = expected.name;
  seen.version = expected.version;
  seen.size = download.bytes.size();
  seen.sha256 = expected.sha256;  // checked by fetch_loadable
  auto archive =
      std::make_shared<torchfeed::MemoryReadAdapter>(std::move(download.bytes));
  seen.format_version = torchfeed::archive_format_version(archive);
  torchfeed::ModuleInfo loaded =
      torchfeed::describe(torchfeed::load_module(std::move(archive)));
  seen.parameters = loaded.parameters;
  seen.buffers = loaded.buffers;
  std::vector<torchfeed::Difference> differences =
      torchfeed::compare(expected, loaded);
  std::string summary = id_of(expected) + ": " +
                        std::to_string(differences.size()) +
                        " difference(s) between the server's manifest and "
                        "what LibTorch " +
                        torchfeed::kLibTorchVersion + " loaded:";
  if (args.json) {
    std::printf("%s\n", torchfeed::to_json(seen).c_str());
    if (differences.empty()) return 0;
    std::fprintf(stderr, "%s: %s\n", kProgram, summary.c_str());
    for (const auto& d : differences) {
      std::fprintf(stderr, "  %s\n", d.to_string().c_str());
    }
    return 1;
  }
  print_tensors("PARAMETERS", loaded.parameters);
  print_tensors("BUFFERS", loaded.buffers);
  if (!differences.empty()) {
    std::printf("%s\n", summary.c_str());
    for (const auto& d : differences) {
      std::printf("  %s\n", d.to_string().c_str());
    }
    return 1;
  }
  std::printf(
      "%s verified: sha256 %s, %zu parameters and %zu buffers match the "
      "server's manifest (loaded with LibTorch %s)\n",
      id_of(expected).c_str(), expected.sha256.c_str(),
      loaded.parameters.size(), loaded.buffers.size(),
      torchfeed::kLibTorchVersion);
  return 0;
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

std::string describe(const torchfeed::Event& e) {
  using Kind = torchfeed::Event::Kind;
  switch (e.kind) {
    case Kind::kPublished:
      return "published " + e.name + ":" + std::to_string(e.version) + " (" +
             std::to_string(e.size) + " bytes, sha256 " + e.sha256 + ")";
    case Kind::kRemoved:
      return "removed " + e.name + ":" + std::to_string(e.version);
    case Kind::kAlias:
      return "alias " + e.name + "@" + e.alias +
             (e.version == 0 ? " removed" : " -> " + std::to_string(e.version));
    case Kind::kOther:
      break;
  }
  return "event " + e.json;
}

// watch's output: one line per notice and per load on stdout, connection
// trouble on stderr. With --once it stops the watcher after the first load
// of a new version: any load without --load-current (the watcher then loads
// only versions newer than those current at start), else any load after the
// first catch-up.
class WatchPrinter final : public torchfeed::WatchListener {
 public:
  WatchPrinter(const Args& args, torchfeed::Watcher*& watcher)
      : args_(args), watcher_(watcher) {}

  void watching(const std::vector<std::string>& names) override {
    print(stdout, "watching " + (names.empty() ? "every model" : join(names)));
    caught_up_ = true;
  }

  void notice(const torchfeed::Event& event) override {
    print(stdout, describe(event));
  }

  void loaded(const torchfeed::Manifest& m) override {
    print(stdout, "loaded " + id_of(m) + " sha256 " + m.sha256 +
                      " with LibTorch " + torchfeed::kLibTorchVersion + ": " +
                      std::to_string(m.parameters.size()) + " parameters and " +
                      std::to_string(m.buffers.size()) +
                      " buffers match the manifest");
    if (args_.once && (caught_up_ || !args_.load_current)) watcher_->stop();
  }

  void failed(const std::string& name, uint32_t version,
              const std::string& reason, bool /*receipt_sent*/) override {
    std::string id = version == 0 ? name : name + ":" + std::to_string(version);
    print(stdout, "failed " + id + ": " + reason);
  }

  void disconnected(const std::string& reason,
                    std::chrono::milliseconds retry_in) override {
    char delay[32];
    std::snprintf(delay, sizeof delay, "%g s", retry_in.count() / 1000.0);
    print(stderr,
          std::string(kProgram) + ": " + reason + "; reconnecting in " + delay);
  }

 private:
  static void print(FILE* to, const std::string& line) {
    std::fprintf(to, "%s\n", line.c_str());
    std::fflush(to);
  }

  const Args& args_;
  torchfeed::Watcher*& watcher_;
  bool caught_up_ = false;
};

// Loads as verify does: throws unless the module's parameters and buffers
// match the server's manifest (the watcher then sends a failed receipt).
void check(torch::jit::Module module, const torchfeed::Manifest& manifest) {
  std::vector<torchfeed::Difference> differences =
      torchfeed::compare(manifest, torchfeed::describe(module));
  if (!differences.empty()) {
    throw std::runtime_error(
        std::to_string(differences.size()) +
        " difference(s) between the server's manifest and what LibTorch " +
        torchfeed::kLibTorchVersion +
        " loaded, first: " + differences[0].to_string());
  }
}

// Runs the watcher in this thread; SIGINT and SIGTERM, blocked in every
// thread, are taken by a thread of their own, which stops it. Exit 0 once
// stopped; 1 when the server refuses the subscription.
int watch(const std::vector<Endpoint>& servers, const Args& args,
          torchfeed::Options options) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  torchfeed::Watcher* self = nullptr;
  torchfeed::WatchOptions watch_options;
  watch_options.load_current = args.load_current;
  watch_options.listener = std::make_shared<WatchPrinter>(args, self);
  options.progress = nullptr;
  torchfeed::Watcher watcher(servers, args.models, check, watch_options,
                             options);
  self = &watcher;
  std::thread signal_thread([&watcher, signals] {
    int signal = 0;
    sigwait(&signals, &signal);
    watcher.stop();
  });
  auto stop_signal_thread = [&] {
    pthread_kill(signal_thread.native_handle(), SIGTERM);  // ends its wait
    signal_thread.join();
  };
  try {
    watcher.run();
  } catch (...) {
    stop_signal_thread();
    throw;
  }
  stop_signal_thread();
  return 0;
}

}  // namespace

int run_load_command(const Args& args) {
  std::vector<Endpoint> servers = parse_servers(args.server);
  ProgressBar bar;
  Options options = options_of(args, bar);
  if (args.command == "watch") return watch(servers, args, options);
  Client client(servers, options);
  return verify(client, args, bar);
}

}  // namespace torchfeed::cli
