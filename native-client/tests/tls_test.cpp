// TLS end to end (docs/protocol.md 8): the library and the torchfeed-client
// executable against a real torchfeed server with TLS on every port (the
// CTest fixture "tls_server": server.sh start-tls, which makes a test CA and
// a server certificate for 127.0.0.1 and localhost at run time).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <mutex>
#include <thread>

#include "test_util.h"
#include "torchfeed/client.h"

namespace tf = torchfeed;
using std::chrono::milliseconds;

namespace {

const std::string kState = TORCHFEED_TLS_STATE;
const std::string kServerSh = TORCHFEED_SERVER_SH;
const std::string kCli = TORCHFEED_CLIENT_BIN;
constexpr milliseconds kPatience{60000};

const tf::testing::ServerState kServer(kState);  // tls_server_start

uint16_t server_port() { return kServer.port(); }

std::string server_arg() {
  return "127.0.0.1:" + std::to_string(server_port());
}

std::string pki(const std::string& file) { return kState + "/pki/" + file; }

tf::Options tls_options(const std::string& ca = pki("ca.pem")) {
  tf::Options options;
  options.retry_backoff = milliseconds(20);
  options.read_timeout = milliseconds(30000);
  options.tls.ca_file = ca;
  return options;
}

std::string shell_word(const std::string& word) { return "'" + word + "'"; }

struct CliResult {
  int exit = -1;
  std::string out;
  std::string err;
};

// torchfeed-client with these arguments, in its own process (at most 120 s);
// stdout and stderr go to files named after `tag`.
CliResult cli(const std::vector<std::string>& args, const std::string& tag) {
  std::string out = kState + "/cli-" + tag + ".out";
  std::string err = kState + "/cli-" + tag + ".err";
  std::string command = "timeout 120 " + shell_word(kCli);
  for (const std::string& a : args) command += " " + shell_word(a);
  command += " >" + shell_word(out) + " 2>" + shell_word(err) + " </dev/null";
  int status = std::system(command.c_str());
  CliResult run;
  run.exit = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.out = tf::testing::read_text(out);
  run.err = tf::testing::read_text(err);
  return run;
}

// Uploads the toynet fixture as a new version over HTTPS (curl, verifying the
// server against the test CA); the new version's number.
uint32_t publish_toynet() {
  std::string command =
      "curl -sS --fail --cacert " + shell_word(pki("ca.pem")) +
      " -X POST -H 'Authorization: Bearer " + kServer.text("token") +
      "' --data-binary @" + shell_word(tf::testing::model_file("toynet")) +
      " 'https://" + kServer.text("http_address") + "/v1/models/toynet/versions'";
  FILE* pipe = ::popen(command.c_str(), "r");
  std::string body;
  char chunk[4096];
  size_t n;
  while ((n = std::fread(chunk, 1, sizeof chunk, pipe)) > 0)
    body.append(chunk, n);
  EXPECT_EQ(::pclose(pipe), 0) << body;
  return tf::parse_manifest(body).version;
}

// Waits until `file` contains `text`, at most kPatience.
bool wait_for_text(const std::string& file, const std::string& text) {
  auto deadline = std::chrono::steady_clock::now() + kPatience;
  while (std::chrono::steady_clock::now() < deadline) {
    if (tf::testing::read_text(file).find(text) != std::string::npos) {
      return true;
    }
    std::this_thread::sleep_for(milliseconds(100));
  }
  return false;
}

// Listener lines: "watching", "loaded toynet:N", "disconnected".
class Lines final : public tf::WatchListener {
 public:
  void watching(const std::vector<std::string>&) override { add("watching"); }
  void loaded(const tf::Manifest& m) override {
    add("loaded " + m.name + ":" + std::to_string(m.version));
  }
  void disconnected(const std::string&, milliseconds) override {
    add("disconnected");
  }
  // Waits until `line` was added `times` times, at most kPatience.
  bool wait_for(const std::string& line, size_t times = 1) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, kPatience, [&] {
      return std::count(lines_.begin(), lines_.end(), line) >=
             static_cast<std::ptrdiff_t>(times);
    });
  }

 private:
  void add(const std::string& line) {
    std::lock_guard<std::mutex> lock(mutex_);
    lines_.push_back(line);
    changed_.notify_all();
  }
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> lines_;
};

}  // namespace

TEST(TlsClient, FetchesChecksAndLoadsOverTls) {
  tf::Client client("127.0.0.1", server_port(), tls_options());
  tf::Download download = client.fetch("toynet", 1);
  tf::Buffer file = tf::testing::read_buffer(tf::testing::model_file("toynet"));
  ASSERT_EQ(download.bytes.size(), file.size());
  EXPECT_EQ(
      tf::testing::sha256_hex(download.bytes.data(), download.bytes.size()),
      tf::testing::golden_manifest("toynet").sha256);
  torch::jit::Module module = client.load("toynet", 1);
  tf::testing::ForwardCase expected = tf::testing::forward_case();
  at::Tensor output = module.forward({expected.input}).toTensor();
  EXPECT_TRUE(torch::allclose(output, expected.output, 1e-4, 1e-5));
}

TEST(TlsClient, ADnsNameIsVerifiedAndSentAsSni) {
  tf::Client client("localhost", server_port(), tls_options());
  tf::Listing listing = client.list();
  ASSERT_FALSE(listing.models.empty());
  EXPECT_EQ(listing.models[0].name, "toynet");
}

TEST(TlsClient, AWrongCaIsATlsError) {
  tf::Client client("127.0.0.1", server_port(),
                    tls_options(pki("other-ca.pem")));
  EXPECT_THROW(client.list(), tf::TlsError);
}

TEST(TlsClient, APlaintextClientOnATlsPortIsATlsError) {
  tf::Client client("127.0.0.1", server_port());  // no TlsOptions
  try {
    client.list();
    FAIL() << "a plaintext client was answered on a TLS port";
  } catch (const tf::TlsError& e) {  // not a ConnectionError: no retrying
    EXPECT_NE(std::string(e.what()).find("answered with TLS"),
              std::string::npos)
        << e.what();
  }
}

TEST(TlsCli, VerifyOverTls) {
  CliResult run = cli({"verify", "--server", server_arg(), "--tls-ca",
                       pki("ca.pem"), "toynet:1"},
                      "verify");
  EXPECT_EQ(run.exit, 0) << run.err;
  EXPECT_NE(run.out.find("toynet:1 verified: sha256 "), std::string::npos)
      << run.out;
}

TEST(TlsCli, FetchOverTls) {
  std::string output = kState + "/fetched.pt";
  CliResult run =
      cli({"fetch", "--server", "localhost:" + std::to_string(server_port()),
           "--tls-ca", pki("ca.pem"), "toynet:1", "-o", output},
          "fetch");
  ASSERT_EQ(run.exit, 0) << run.err;
  tf::Buffer bytes = tf::testing::read_buffer(output);
  EXPECT_EQ(tf::testing::sha256_hex(bytes.data(), bytes.size()),
            tf::testing::golden_manifest("toynet").sha256);
}

TEST(TlsCli, AWrongCaIsRefusedInOneLine) {
  CliResult run =
      cli({"list", "--server", server_arg(), "--tls-ca", pki("other-ca.pem")},
          "wrong-ca");
  EXPECT_EQ(run.exit, 1);
  EXPECT_EQ(run.err, "torchfeed-client: TLS handshake with " + server_arg() +
                         " failed: certificate verify failed (unable to get "
                         "local issuer certificate)\n");
  EXPECT_EQ(run.out, "");
}

TEST(TlsCli, ANameMismatchIsRefusedInOneLine) {
  CliResult run =
      cli({"manifest", "--server", server_arg(), "--tls-ca", pki("ca.pem"),
           "--tls-server-name", "elsewhere.example", "toynet"},
          "mismatch");
  EXPECT_EQ(run.exit, 1);
  EXPECT_EQ(run.err, "torchfeed-client: TLS handshake with " + server_arg() +
                         " failed: certificate verify failed (hostname "
                         "mismatch)\n");
}

TEST(TlsCli, APlaintextClientOnTheTlsPortFailsInOneLine) {
  // A read timeout longer than cli()'s `timeout 120`: a client that waited
  // for it instead of reading the alert would be killed and fail below.
  CliResult run = cli(
      {"list", "--server", server_arg(), "--read-timeout", "300"}, "plaintext");
  EXPECT_EQ(run.exit, 1);
  EXPECT_EQ(run.err.rfind("torchfeed-client: ", 0), 0u) << run.err;
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  EXPECT_NE(run.err.find(" answered with TLS: connect with --tls-ca"),
            std::string::npos)
      << "refused by the server's TLS alert, not timed out: " << run.err;
}

TEST(TlsWatch, WatchOnceLoadsAVersionPublishedOverHttps) {
  std::string out = kState + "/cli-watch.out";
  std::remove(out.c_str());
  auto watch = std::async(std::launch::async, [] {
    return cli({"watch", "--server", server_arg(), "--tls-ca", pki("ca.pem"),
                "--once", "toynet"},
               "watch");
  });
  ASSERT_TRUE(wait_for_text(out, "watching toynet\n"))
      << tf::testing::read_text(kState + "/cli-watch.err");
  uint32_t version = publish_toynet();
  CliResult run = watch.get();
  EXPECT_EQ(run.exit, 0) << run.err;
  EXPECT_NE(
      run.out.find("\nloaded toynet:" + std::to_string(version) + " sha256 "),
      std::string::npos)
      << run.out;
}

TEST(TlsWatch, AWatcherReconnectsOverTlsAfterARestart) {
  auto lines = std::make_shared<Lines>();
  tf::WatchOptions watch;
  watch.listener = lines;
  watch.reconnect_delay = milliseconds(200);
  watch.max_reconnect_delay = milliseconds(2000);
  tf::Client client("127.0.0.1", server_port(), tls_options());
  tf::Watcher watcher = client.subscribe(
      "toynet", [](torch::jit::Module, const tf::Manifest&) {}, watch);
  ASSERT_TRUE(lines->wait_for("watching"));
  ASSERT_EQ(
      std::system((kServerSh + " restart " + kState + " >/dev/null").c_str()),
      0);
  ASSERT_TRUE(lines->wait_for("disconnected"));
  ASSERT_TRUE(lines->wait_for("watching", 2));
  uint32_t version = publish_toynet();
  EXPECT_TRUE(lines->wait_for("loaded toynet:" + std::to_string(version)));
}
