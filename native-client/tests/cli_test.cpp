// The command line's two executables (src/cli/cli.h): torchfeed-client links
// no LibTorch and loads none for --help, --version, list, manifest and fetch;
// verify becomes torchfeed-client-libtorch, which does. Checked on the
// binaries (readelf -d: the libraries they need) and on runs (LD_DEBUG=libs:
// every library the dynamic loader loads, also by dlopen or after execv).
// Against the real server of the fixture torchfeed_server.
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
#include <string>

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
         "\nprotocol versions 1, 2 (2 with --trust-key: signed manifests)\n"
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
