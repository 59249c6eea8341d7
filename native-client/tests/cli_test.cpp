// The command line's two executables (src/cli/cli.h): torchfeed-client links
// no LibTorch and loads none for --help, --version, list, manifest and fetch;
// verify becomes torchfeed-client-libtorch, which does. Checked on the
// binaries (readelf -d: the libraries they need) and on runs (LD_DEBUG=libs:
// every library the dynamic loader loads, also by dlopen or after execv).
// Against the real server of the fixture torchfeed_server. And --server's
// list of replicas (torchfeed::parse_endpoints, endpoint.h).
#include <caffe2/serialize/versions.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <torch/version.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "torchfeed/endpoint.h"

namespace fs = std::filesystem;

namespace {

const std::string kCli = TORCHFEED_CLIENT_BIN;
const std::string kLibTorchCli = TORCHFEED_LIBTORCH_CLIENT_BIN;
const std::string kState = TORCHFEED_SERVER_STATE;

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

struct Outcome {
  int status;
  std::string out;
  std::string err;
};

// Runs a shell command line, its output in a directory of its own.
Outcome run(const std::string& command) {
  char name[] = "/tmp/torchfeed-cli-test-XXXXXX";
  std::string dir = ::mkdtemp(name);
  std::string out = dir + "/out";
  std::string err = dir + "/err";
  int rc = std::system(
      ("cd " + dir + " && " + command + " >" + out + " 2>" + err).c_str());
  Outcome result{WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, read_text(out),
                 read_text(err)};
  fs::remove_all(dir);
  return result;
}

std::string server() {
  std::string address = read_text(kState + "/address");
  while (!address.empty() && address.back() == '\n') address.pop_back();
  if (address.empty()) {
    ADD_FAILURE() << "no " << kState << "/address: server_start did not run";
  }
  return "--server " + address;
}

// LibTorch's libraries: libtorch.so, libtorch_cpu.so, libc10.so...
bool names_libtorch(const std::string& text) {
  return text.find("libtorch") != std::string::npos ||
         text.find("libc10") != std::string::npos;
}

// torchfeed-client with these arguments under LD_DEBUG=libs: the loader's
// report is on stderr, with the command's own.
Outcome traced(const std::string& args) {
  return run("LD_DEBUG=libs " + kCli + " " + args);
}

std::string expected_version() {
  return std::string("torchfeed-client ") + TORCHFEED_CLIENT_VERSION +
         "\nprotocol versions 3 (chunk digests), else 2 with --trust-key "
         "(signed manifests), else 1\n"
         "LibTorch " TORCH_VERSION
         " (verify and watch load models with it, in "
         "torchfeed-client-libtorch; archive format versions up to " +
         std::to_string(caffe2::serialize::kMaxSupportedFileFormatVersion) +
         ")\n";
}

}  // namespace

TEST(Version, NamesTheClientTheProtocolsAndTheLibTorchItLoadsWith) {
  Outcome r = run(kCli + " --version");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, expected_version());
  EXPECT_EQ(r.err, "");
}

TEST(Version, IsTheSameInTheLibTorchProgram) {
  Outcome r = run(kLibTorchCli + " --version");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, expected_version());
}

TEST(Linkage, TheClientNeedsNoLibTorchLibrary) {
  Outcome r = run("readelf -d " + kCli);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("(NEEDED)"), std::string::npos) << r.out;
  EXPECT_FALSE(names_libtorch(r.out)) << r.out;
}

TEST(Linkage, TheLibTorchProgramNeedsLibTorch) {  // what the check above sees
  Outcome r = run("readelf -d " + kLibTorchCli);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("Shared library: [libtorch_cpu.so"), std::string::npos)
      << r.out;
}

TEST(Loaded, HelpAndVersionLoadNoLibTorch) {
  for (const char* args : {"--help", "--version"}) {
    Outcome r = traced(args);
    EXPECT_EQ(r.status, 0) << args << ": " << r.err;
    EXPECT_NE(r.err.find("libssl"), std::string::npos)  // LD_DEBUG reported
        << args << ": " << r.err;
    EXPECT_FALSE(names_libtorch(r.err)) << args << ": " << r.err;
  }
}

TEST(Loaded, ListManifestAndFetchLoadNoLibTorch) {
  for (const std::string& args :
       {"list " + server(), "manifest toynet " + server(),
        "fetch toynet -o toynet.pt " + server(),
        "fetch toynet --to-memory " + server()}) {
    Outcome r = traced(args);
    EXPECT_EQ(r.status, 0) << args << ": " << r.err;
    EXPECT_NE(r.err.find("libssl"), std::string::npos) << args << ": " << r.err;
    EXPECT_FALSE(names_libtorch(r.err)) << args << ": " << r.err;
  }
}

TEST(Loaded, VerifyRunsInTheLibTorchProgram) {
  Outcome r = traced("verify toynet " + server());
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("toynet:1 verified: sha256 "), std::string::npos)
      << r.out;
  EXPECT_NE(r.err.find("libtorch_cpu.so"), std::string::npos) << r.err;
}

TEST(Loaded, AnUnknownCommandIsAUsageErrorWithoutLibTorch) {
  Outcome r = traced("load toynet");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("torchfeed-client: unknown command 'load' (see "
                       "torchfeed-client --help)"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(names_libtorch(r.err)) << r.err;
}

// --- --server: one server or a list of replicas -----------------------------

TEST(Servers, AListOfReplicasIsParsedInOrder) {
  std::vector<torchfeed::Endpoint> servers =
      torchfeed::parse_endpoints("a.example:7070,10.0.0.2:7071,[::1]:7072,b");
  ASSERT_EQ(servers.size(), 4u);
  EXPECT_EQ(servers[0], (torchfeed::Endpoint{"a.example", 7070}));
  EXPECT_EQ(servers[1], (torchfeed::Endpoint{"10.0.0.2", 7071}));
  EXPECT_EQ(servers[2], (torchfeed::Endpoint{"::1", 7072}));
  EXPECT_EQ(servers[3], (torchfeed::Endpoint{"b", 7070}));
  EXPECT_EQ(torchfeed::to_string(servers),
            "a.example:7070, 10.0.0.2:7071, [::1]:7072, b:7070");
}

TEST(Servers, OneServerAsBefore) {
  EXPECT_EQ(torchfeed::parse_endpoints("localhost:7070"),
            (std::vector<torchfeed::Endpoint>{{"localhost", 7070}}));
  EXPECT_EQ(torchfeed::parse_endpoint("[::1]:9"),
            (torchfeed::Endpoint{"::1", 9}));
  EXPECT_EQ(torchfeed::parse_endpoint("[::1]"),
            (torchfeed::Endpoint{"::1", 7070}));
  EXPECT_EQ(torchfeed::parse_endpoint("fe80::1"),  // bare IPv6: no port
            (torchfeed::Endpoint{"fe80::1", 7070}));
  EXPECT_EQ(torchfeed::Endpoint({"::1", 9}).to_string(), "[::1]:9");
}

TEST(Servers, BadListsAreRefusedInOneLine) {
  for (const char* text : {"", "a:7070,", ",a:7070", "a:7070,,b:7070",
                           "a:0", "a:65536", "a:x", "a:", ":7070",
                           "[::1", "[::1]7070", "[]:7070", "a:7070,b:y"}) {
    try {
      torchfeed::parse_endpoints(text);
      ADD_FAILURE() << "accepted '" << text << "'";
    } catch (const std::invalid_argument& e) {
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << text;
    }
  }
}

TEST(Servers, TheCommandLineTakesAListAndInOrder) {
  Outcome bad = run(kCli + " list --server a:7070,,b:7070");
  EXPECT_EQ(bad.status, 1);
  EXPECT_EQ(bad.err,
            "torchfeed-client: --server: empty server in 'a:7070,,b:7070': "
            "expected HOST:PORT[,HOST:PORT...] (see torchfeed-client "
            "--help)\n");
  // [::1]:1 refuses (or there is no IPv6 at all): the next one serves.
  Outcome ok = run(kCli + " list --in-order --server [::1]:1," +
                   server().substr(std::string("--server ").size()));
  EXPECT_EQ(ok.status, 0) << ok.err;
  EXPECT_EQ(ok.out.rfind("MODEL", 0), 0u) << ok.out;
}
