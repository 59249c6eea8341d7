#include "cli.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <limits>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "torchfeed/errors.h"
#include "torchfeed/protocol.h"
#include "torchfeed/signing.h"
#include "torchfeed/version.h"

namespace torchfeed::cli {
namespace {

constexpr const char* kUsage =
    "usage: torchfeed-client COMMAND [--server HOST:PORT[,HOST:PORT...]] "
    "[OPTIONS]\n"
    "                        [NAME[:VERSION]]\n"
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
    "  --server HOST:PORT[,HOST:PORT...]\n"
    "                            the server (default localhost:7070), or "
    "several\n"
    "                            replicas serving the same models: one is "
    "picked\n"
    "                            at random, the next is tried when it "
    "refuses,\n"
    "                            drops the connection or is unavailable, and "
    "a\n"
    "                            transfer cut short resumes on the next\n"
    "  --in-order                with several servers: try them in the order\n"
    "                            given instead of starting at a random one\n"
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
    "  -h, --help                this text\n"
    "  --version                 this client's version, the protocol\n"
    "                            versions it speaks, the LibTorch verify and\n"
    "                            watch load with\n";

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

}  // namespace

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
    } else if (arg == "--version") {
      args.version = true;
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
    } else if (arg == "--in-order") {
      args.in_order = true;
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
  if (args.help || args.version) return args;
  if (positional.empty()) throw UsageError("missing COMMAND");
  parse_servers(args.server);  // a bad --server is a usage error
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

std::vector<Endpoint> parse_servers(const std::string& text) {
  try {
    return parse_endpoints(text);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--server: ") + e.what());
  }
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

bool loads_models(const Args& args) {
  return args.command == "verify" || args.command == "watch";
}

const char* usage() { return kUsage; }

std::string version() {
  return std::string(kProgram) + " " + kClientVersion + "\nprotocol versions " +
         std::to_string(protocol::kChunksVersion) +
         " (chunk digests), else " + std::to_string(protocol::kSignedVersion) +
         " with --trust-key (signed manifests), else " +
         std::to_string(protocol::kVersion) + "\nLibTorch " +
         kLibTorchVersion + " (verify and watch load models with it, in " +
         kLibTorchProgram + "; archive format versions up to " +
         std::to_string(kMaxFileFormatVersion) + ")\n";
}

bool answered_help_or_version(const Args& args) {
  if (!args.help && !args.version) return false;
  std::fputs(args.help ? usage() : version().c_str(), stdout);
  return true;
}

ProgressBar::ProgressBar() : enabled_(::isatty(STDERR_FILENO) == 1) {}

void ProgressBar::operator()(uint64_t done, uint64_t total) {
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

void ProgressBar::finish() {
  if (drawn_) std::fputc('\n', stderr);
  drawn_ = false;
}

Options options_of(const Args& args, ProgressBar& bar) {
  Options options;
  options.connect_timeout = std::chrono::milliseconds(
      static_cast<int64_t>(args.connect_timeout * 1000));
  options.read_timeout =
      std::chrono::milliseconds(static_cast<int64_t>(args.read_timeout * 1000));
  options.progress = [&bar](uint64_t done, uint64_t total) {
    bar(done, total);
  };
  options.in_order = args.in_order;
  options.tls.ca_file = args.tls_ca;
  options.tls.server_name = args.tls_server_name;
  if (!args.trust_key.empty()) {
    options.trust_key =
        std::make_shared<const TrustKey>(TrustKey::load(args.trust_key));
  }
  return options;
}

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

int report_failure() {
  try {
    throw;
  } catch (const UsageError& e) {
    std::fprintf(stderr, "%s: %s (see %s --help)\n", kProgram, e.what(),
                 kProgram);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", kProgram, e.what());
  } catch (...) {
    std::fprintf(stderr, "%s: an exception that is not a std::exception\n",
                 kProgram);
  }
  return 1;
}

}  // namespace torchfeed::cli
