// torchfeed-client: list, manifest, fetch, verify and watch against a
// torchfeed server. Exit 0 on success, 1 with a one-line message on stderr
// otherwise.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "torchfeed/client.h"

namespace {

constexpr const char* kProgram = "torchfeed-client";
constexpr const char* kUsage =
    "usage: torchfeed-client COMMAND [--server HOST:PORT] [OPTIONS] "
    "[NAME[:VERSION]]\n"
    "\n"
    "commands:\n"
    "  list                      models the server serves, files it "
    "rejected\n"
    "  manifest NAME[:VERSION]   a model version's size, sha256, format "
    "version,\n"
    "                            parameters and buffers (default: latest)\n"
    "  fetch NAME[:VERSION] -o FILE\n"
    "                            download a model; sha256 checked, FILE "
    "written\n"
    "                            atomically (temporary file + rename)\n"
    "  fetch NAME[:VERSION] --to-memory [--parallel N]\n"
    "                            download into memory only, check the "
    "sha256,\n"
    "                            write nothing; print the time from "
    "connecting\n"
    "                            to the sha256 checked and the rate (MB/s, "
    "10^6\n"
    "                            bytes a second): a benchmark of the "
    "transfer;\n"
    "                            N clients at once, each on its own "
    "connection\n"
    "  verify NAME[:VERSION]     load the model with this client's LibTorch "
    "and\n"
    "                            compare its parameters and buffers with the\n"
    "                            server's manifest; exit 0 only if identical\n"
    "  watch [NAME...]           follow the models (none: every model): load\n"
    "                            each version published as verify does, tell\n"
    "                            the server (a receipt: loaded or failed) and\n"
    "                            print one line per event and per load;\n"
    "                            reconnects when the connection drops; runs\n"
    "                            until SIGINT or SIGTERM (exit 0)\n"
    "\n"
    "options:\n"
    "  --server HOST:PORT        the server (default localhost:7070)\n"
    "  --json                    list, manifest: the server's JSON document;\n"
    "                            verify: the manifest as this LibTorch sees "
    "it\n"
    "  -o, --output FILE         fetch: where to write the model\n"
    "  --to-memory               fetch: keep the model in memory, write "
    "nothing\n"
    "  --parallel N              fetch --to-memory: N clients at once "
    "(default 1)\n"
    "  --hash-in-line            fetch --to-memory: hash on the receiving "
    "thread\n"
    "                            (default: on a thread of its own)\n"
    "  --load-current            watch: also load the current versions at "
    "start\n"
    "  --once                    watch: exit 0 after the first new version "
    "is\n"
    "                            loaded\n"
    "  --tls-ca FILE             connect over TLS; accept only a server\n"
    "                            certificate issued by a CA in this PEM file\n"
    "                            and naming the server (default: plaintext)\n"
    "  --tls-server-name NAME    with --tls-ca: the name the certificate must\n"
    "                            have (and SNI), instead of the --server host\n"
    "  --trust-key FILE          refuse any model whose manifest is not "
    "signed\n"
    "                            by this Ed25519 public key (PEM, as "
    "written\n"
    "                            by openssl pkey -pubout)\n"
    "  --connect-timeout SECONDS default 10\n"
    "  --read-timeout SECONDS    give up when the server sends nothing for "
    "this\n"
    "                            long (default 60)\n"
    "  -h, --help                this text\n";

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
  bool once = false;
  bool load_current = false;
  bool to_memory = false;     // fetch
  int parallel = 1;           // fetch --to-memory
  bool hash_in_line = false;  // fetch --to-memory
  double connect_timeout = 10;
  double read_timeout = 60;
  std::string trust_key;
};

// A decimal number in [min, max], or UsageError(message).
uint32_t parse_number(const std::string& text, uint32_t min, uint32_t max,
                      const std::string& message) {
  if (!text.empty() && text.size() <= 10 &&
      text.find_first_not_of("0123456789") == std::string::npos) {
    unsigned long long v = std::stoull(text);
    if (v >= min && v <= max) return static_cast<uint32_t>(v);
  }
  throw UsageError(message);
}

double parse_seconds(const std::string& option, const std::string& text) {
  try {
    size_t end = 0;
    double value = std::stod(text, &end);
    if (end == text.size() && value > 0 && value < 1e6) return value;
  } catch (const std::exception&) {
  }
  throw UsageError("invalid " + option + " '" + text +
                   "': expected a positive number of seconds");
}

Args parse_args(int argc, char** argv) {
  Args args;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    bool has_value = false;
    if (arg.rfind("--", 0) == 0 && arg.find('=') != std::string::npos) {
      value = arg.substr(arg.find('=') + 1);
      arg = arg.substr(0, arg.find('='));
      has_value = true;
    }
    auto next = [&]() -> std::string {
      if (has_value) return value;
      if (i + 1 >= argc) throw UsageError(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "-h" || arg == "--help") {
      args.help = true;
    } else if (arg == "--json") {
      args.json = true;
    } else if (arg == "--once") {
      args.once = true;
    } else if (arg == "--load-current") {
      args.load_current = true;
    } else if (arg == "--to-memory") {
      args.to_memory = true;
    } else if (arg == "--hash-in-line") {
      args.hash_in_line = true;
    } else if (arg == "--server") {
      args.server = next();
    } else if (arg == "--tls-ca") {
      args.tls_ca = next();
    } else if (arg == "--tls-server-name") {
      args.tls_server_name = next();
    } else if (arg == "-o" || arg == "--output") {
      args.output = next();
    } else if (arg == "--trust-key") {
      args.trust_key = next();
    } else if (arg == "--parallel") {
      args.parallel = static_cast<int>(parse_number(
          next(), 1, 1024, "invalid --parallel: expected 1-1024 clients"));
    } else if (arg == "--connect-timeout") {
      args.connect_timeout = parse_seconds(arg, next());
    } else if (arg == "--read-timeout") {
      args.read_timeout = parse_seconds(arg, next());
    } else if (arg.size() > 1 && arg[0] == '-') {
      throw UsageError("unknown option '" + arg + "'");
    } else {
      positional.push_back(arg);
    }
  }
  if (args.help) return args;
  if (positional.empty()) throw UsageError("missing COMMAND");
  if (!args.tls_server_name.empty() && args.tls_ca.empty()) {
    throw UsageError("--tls-server-name needs --tls-ca");
  }
  args.command = positional[0];
  bool watch = args.command == "watch";
  bool wants_model = args.command != "list" && !watch;
  if (args.command != "list" && args.command != "manifest" &&
      args.command != "fetch" && args.command != "verify" && !watch) {
    throw UsageError("unknown command '" + args.command + "'");
  }
  if ((args.once || args.load_current) && !watch) {
    throw UsageError(std::string(args.once ? "--once" : "--load-current") +
                     " is for watch only");
  }
  if (watch) {
    static const std::regex kName("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    for (size_t i = 1; i < positional.size(); ++i) {
      if (!std::regex_match(positional[i], kName)) {
        throw UsageError("invalid model name '" + positional[i] +
                         "': watch follows models by name, not NAME:VERSION "
                         "or NAME@ALIAS");
      }
      args.models.push_back(positional[i]);
    }
  } else if (positional.size() > (wants_model ? 2u : 1u)) {
    throw UsageError("unexpected argument '" + positional.back() + "'");
  }
  if (wants_model) {
    if (positional.size() < 2) {
      throw UsageError(args.command + " needs NAME[:VERSION]");
    }
    args.model = positional[1];
  }
  if (args.to_memory && args.command != "fetch") {
    throw UsageError("--to-memory is for fetch only");
  }
  if ((args.parallel > 1 || args.hash_in_line) && !args.to_memory) {
    throw UsageError(
        std::string(args.hash_in_line ? "--hash-in-line" : "--parallel") +
        " is for fetch --to-memory only");
  }
  if (args.to_memory && !args.output.empty()) {
    throw UsageError("fetch takes either -o FILE or --to-memory");
  }
  if (args.command == "fetch" && args.output.empty() && !args.to_memory) {
    throw UsageError("fetch needs -o FILE or --to-memory");
  }
  if (args.command != "fetch" && !args.output.empty()) {
    throw UsageError("-o is for fetch only");
  }
  if (args.json && (args.command == "fetch" || watch)) {
    throw UsageError("--json is for list, manifest and verify");
  }
  if (args.command == "list" && !args.trust_key.empty()) {
    throw UsageError("--trust-key is for manifest, fetch, verify and watch");
  }
  return args;
}

// HOST:PORT, [V6]:PORT or HOST (port 7070).
std::pair<std::string, uint16_t> parse_server(const std::string& text) {
  std::string host = text;
  uint16_t port = torchfeed::kDefaultPort;
  size_t colon = text.rfind(':');
  bool bracketed = !text.empty() && text[0] == '[';
  if (colon != std::string::npos &&
      (bracketed ? text[colon - 1] == ']' : text.find(':') == colon)) {
    host = text.substr(0, colon);
    port = static_cast<uint16_t>(
        parse_number(text.substr(colon + 1), 1, 65535,
                     "invalid port in '" + text + "': expected 1-65535"));
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) throw UsageError("missing host in '" + text + "'");
  return {host, port};
}

// NAME or NAME:VERSION (a positive version).
std::pair<std::string, uint32_t> parse_model(const std::string& text) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos) return {text, torchfeed::kLatest};
  return {
      text.substr(0, colon),
      parse_number(
          text.substr(colon + 1), 1, std::numeric_limits<uint32_t>::max(),
          "invalid version in '" + text + "': expected a positive integer")};
}

std::string human(uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " B";
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = -1;
  while (value >= 1024 && unit < 3) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.1f %s", value, units[unit]);
  return text;
}

// A progress bar on stderr, drawn only when stderr is a terminal and the
// transfer has run for more than a second; redrawn ten times a second.
class ProgressBar {
 public:
  using Clock = std::chrono::steady_clock;

  ProgressBar() : enabled_(::isatty(STDERR_FILENO) == 1) {}
  ~ProgressBar() { finish(); }

  void operator()(uint64_t done, uint64_t total) {
    if (!enabled_) return;
    auto now = Clock::now();
    bool complete = done >= total;
    if (now - start_ < std::chrono::seconds(1) ||
        (now - last_ < std::chrono::milliseconds(100) && !complete)) {
      return;
    }
    last_ = now;
    constexpr int kWidth = 30;
    int filled = total == 0 ? kWidth : static_cast<int>(kWidth * done / total);
    double seconds = std::chrono::duration<double>(now - start_).count();
    std::fprintf(stderr, "\r[%s%s] %3d%% %s / %s  %s/s ",
                 std::string(filled, '#').c_str(),
                 std::string(kWidth - filled, ' ').c_str(),
                 total == 0 ? 100 : static_cast<int>(done * 100 / total),
                 human(done).c_str(), human(total).c_str(),
                 human(static_cast<uint64_t>(done / seconds)).c_str());
    drawn_ = true;
  }

  void finish() {
    if (drawn_) std::fputc('\n', stderr);
    drawn_ = false;
  }

 private:
  bool enabled_;
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_;
  bool drawn_ = false;
};

void print_tensors(const char* title,
                   const std::vector<torchfeed::TensorInfo>& tensors) {
  std::printf("%s (%zu)\n", title, tensors.size());
  if (tensors.empty()) return;
  size_t name_width = 4;
  size_t shape_width = 5;
  for (const auto& t : tensors) {
    name_width = std::max(name_width, t.name.size());
    shape_width = std::max(shape_width, torchfeed::shape_text(t.shape).size());
  }
  auto row = [&](const std::string& a, const std::string& b,
                 const std::string& c) {
    std::printf("  %-*s  %-*s  %s\n", static_cast<int>(name_width), a.c_str(),
                static_cast<int>(shape_width), b.c_str(), c.c_str());
  };
  row("NAME", "SHAPE", "DTYPE");
  for (const auto& t : tensors) {
    row(t.name, torchfeed::shape_text(t.shape), t.dtype);
  }
}

std::string id_of(const torchfeed::Manifest& m) {
  return m.name + ":" + std::to_string(m.version);
}

int list(torchfeed::Client& client, const Args& args) {
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

int manifest(torchfeed::Client& client, const Args& args) {
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

int fetch(torchfeed::Client& client, const Args& args, ProgressBar& bar) {
  auto [name, version] = parse_model(args.model);
  torchfeed::FetchResult r = client.fetch_to_file(name, version, args.output);
  bar.finish();
  std::string resumed;
  if (r.offsets.size() > 1) {
    resumed = ", resumed at " + std::to_string(r.offsets.back());
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
int fetch_to_memory(const std::string& host, uint16_t port,
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
        torchfeed::Client client(host, port, options);
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
int watch(const std::string& host, uint16_t port, const Args& args,
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
  torchfeed::Watcher watcher(host, port, args.models, check, watch_options,
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

int run(const Args& args) {
  auto [host, port] = parse_server(args.server);
  ProgressBar bar;
  torchfeed::Options options;
  options.connect_timeout = std::chrono::milliseconds(
      static_cast<int64_t>(args.connect_timeout * 1000));
  options.read_timeout =
      std::chrono::milliseconds(static_cast<int64_t>(args.read_timeout * 1000));
  options.progress = [&bar](uint64_t done, uint64_t total) {
    bar(done, total);
  };
  options.tls.ca_file = args.tls_ca;
  options.tls.server_name = args.tls_server_name;
  if (!args.trust_key.empty()) {
    options.trust_key = std::make_shared<const torchfeed::TrustKey>(
        torchfeed::TrustKey::load(args.trust_key));
  }
  if (args.command == "watch") return watch(host, port, args, options);
  if (args.to_memory) {
    options.progress = nullptr;  // nothing but the transfer
    options.hash_on_thread = !args.hash_in_line;
    return fetch_to_memory(host, port, options, args);
  }
  torchfeed::Client client(host, port, options);
  if (args.command == "list") return list(client, args);
  if (args.command == "manifest") return manifest(client, args);
  if (args.command == "fetch") return fetch(client, args, bar);
  return verify(client, args, bar);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    Args args = parse_args(argc, argv);
    if (args.help) {
      std::fputs(kUsage, stdout);
      return 0;
    }
    int status = run(args);
    std::fflush(stdout);
    return status;
  } catch (const UsageError& e) {
    std::fprintf(stderr, "%s: %s (see %s --help)\n", kProgram, e.what(),
                 kProgram);
  } catch (const torchfeed::Error& e) {
    std::fprintf(stderr, "%s: %s\n", kProgram, e.what());
  } catch (const c10::Error& e) {
    std::string message = e.what_without_backtrace();
    std::fprintf(stderr, "%s: LibTorch: %s\n", kProgram,
                 message.substr(0, message.find('\n')).c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", kProgram, e.what());
  }
  return 1;
}
