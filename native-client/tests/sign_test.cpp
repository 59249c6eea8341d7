// Signed manifests (docs/protocol.md 5.10) in the C++ client: the golden
// signatures checked with OpenSSL, then --trust-key against a real server
// signing with key a (sign_server_start), and through the proxy as a man in
// the middle. (e2e_test.cpp: an unsigned server is refused.) Keys are made by
// openssl at run time (the sign_keys fixture).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>

#include "proxy.h"
#include "test_util.h"
#include "torchfeed/client.h"

namespace tf = torchfeed;
namespace proto = torchfeed::protocol;
using json = nlohmann::json;
using tf::testing::Proxy;

namespace {

const std::string kCli = TORCHFEED_CLIENT_BIN;
const std::string kKeys = TORCHFEED_SIGN_KEYS;
const std::string kFrames = TORCHFEED_FIXTURES "/protocol/";

const tf::testing::ServerState kSigned(TORCHFEED_SIGN_STATE);

uint16_t signed_port() { return kSigned.port(); }

std::shared_ptr<const tf::TrustKey> key(const std::string& name) {
  return std::make_shared<const tf::TrustKey>(
      tf::TrustKey::load(kKeys + "/" + name + ".pub.pem"));
}

tf::Options trusting(const std::string& name) {
  tf::Options options;
  options.retry_backoff = std::chrono::milliseconds(20);
  options.fetch_attempts = 1;
  options.trust_key = key(name);
  return options;
}

struct CliRun {
  int status;
  std::string out;
  std::string err;
};

CliRun cli(const std::string& args) {
  std::string dir = ::testing::TempDir();
  std::string out = dir + "/sign-cli.out", err = dir + "/sign-cli.err";
  int rc = std::system((kCli + " " + args + " >" + out + " 2>" + err).c_str());
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, tf::testing::read_text(out),
          tf::testing::read_text(err)};
}

proto::Bytes payload_of(const std::string& file) {
  std::string bytes = tf::testing::read_text(kFrames + file);
  proto::FrameHeader h = proto::decode_frame_header(
      reinterpret_cast<const uint8_t*>(bytes.data()), 1 << 20);
  return proto::Bytes(bytes.begin() + proto::kFrameHeaderSize,
                      bytes.begin() + proto::kFrameHeaderSize + h.length);
}

}  // namespace

// --- no server ---------------------------------------------------------------

TEST(Golden, SignaturesVerifyWithTheGoldenKeyOverExactlyTheBytesSent) {
  tf::TrustKey golden = tf::TrustKey::load(kFrames + "signing-test-key.pub.pem");
  EXPECT_EQ(golden.key_id_hex(), "9c91f2df37384405");
  proto::SignedManifest result = proto::decode_signed_manifest_result(
      payload_of("88-signed-manifest-result.bin"));
  EXPECT_TRUE(golden.verifies(result.manifest, result.signature));
  proto::FetchHeader header =
      proto::decode_fetch_header(payload_of("89-signed-fetch-header.bin"),
                                 proto::FrameType::kSignedFetchHeader);
  EXPECT_TRUE(golden.verifies(header.manifest, *header.signature));
  EXPECT_EQ(tf::check_signed_header(golden, "toynet", 1, header).sha256,
            proto::to_hex(header.sha256));

  std::string tampered = result.manifest;
  tampered[tampered.find("\"size\":17") + 7] = '8';
  EXPECT_FALSE(golden.verifies(tampered, result.signature));
  proto::Signature flipped = result.signature;
  flipped.signature[0] ^= 1;
  EXPECT_FALSE(golden.verifies(result.manifest, flipped));
  EXPECT_THROW(tf::check_signed_manifest(golden, "toynet", 2, result.manifest,
                                         result.signature),
               tf::SignatureError);  // version 1 was signed, 2 was asked
  EXPECT_THROW(tf::check_signed_manifest(golden, "bnnet", 0, result.manifest,
                                         result.signature),
               tf::SignatureError);
  EXPECT_THROW(
      tf::check_signed_manifest(golden, "toynet", 1, result.manifest, {}),
      tf::SignatureError);
  header.sha256[0] ^= 1;  // the unsigned binary field no longer matches
  EXPECT_THROW(tf::check_signed_header(golden, "toynet", 1, header),
               tf::SignatureError);
}

TEST(Golden, AnotherKeyIsRefusedNamingBothKeys) {
  proto::SignedManifest result = proto::decode_signed_manifest_result(
      payload_of("88-signed-manifest-result.bin"));
  try {
    tf::check_signed_manifest(*key("a"), "toynet", 0, result.manifest,
                              result.signature);
    FAIL() << "accepted";
  } catch (const tf::SignatureError& e) {
    EXPECT_EQ(std::string(e.what()),
              "refusing toynet: its manifest is signed by key "
              "9c91f2df37384405, not by the trusted key " +
                  key("a")->key_id_hex());
  }
}

TEST(Golden, UnusableKeyFilesAreOneLineErrors) {
  EXPECT_THROW(tf::TrustKey::load(kKeys + "/missing.pem"), tf::Error);
  try {
    tf::TrustKey::load(kKeys + "/a.pem");  // the private key
    FAIL() << "accepted";
  } catch (const tf::Error& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("is not a PEM public key"),
              std::string::npos)
        << e.what();
  }
}

// --- against the servers -----------------------------------------------------

TEST(Server, TheRightKeyFetchesVerifiesAndLoads) {
  tf::Client client("127.0.0.1", signed_port(), trusting("a"));
  // Version 3: signed manifests, with their chunk digests.
  EXPECT_EQ(client.server_hello().protocol, proto::kChunksVersion);
  tf::Download download = client.fetch("toynet");
  EXPECT_EQ(tf::testing::sha256_hex(download.bytes.data(),
                                    download.bytes.size()),
            download.manifest.sha256);
  client.load("toynet");
  CliRun run = cli("verify toynet --server 127.0.0.1:" +
                   std::to_string(signed_port()) + " --trust-key " + kKeys +
                   "/a.pub.pem");
  EXPECT_EQ(run.status, 0) << run.err;
}

TEST(Server, AnotherKeyIsRefusedAndNothingIsWritten) {
  std::string target = ::testing::TempDir() + "/sign-refused.pt";
  std::remove(target.c_str());
  CliRun run = cli("fetch toynet -o " + target + " --server 127.0.0.1:" +
                   std::to_string(signed_port()) + " --trust-key " + kKeys +
                   "/b.pub.pem");
  EXPECT_EQ(run.status, 1);
  EXPECT_EQ(run.err, "torchfeed-client: refusing toynet: its manifest is "
                     "signed by key " + key("a")->key_id_hex() +
                         ", not by the trusted key " + key("b")->key_id_hex() +
                         "\n");
  EXPECT_FALSE(tf::testing::exists(target));
}

TEST(Server, AManInTheMiddleChangingOneByteIsRefused) {
  // A byte of the MANIFEST answer's signature.
  Proxy::Rules manifest_rules;
  manifest_rules.tamper = [](uint8_t type, proto::Bytes& payload) {
    if (type == 0x88) payload[payload.size() - 1] ^= 1;
  };
  Proxy manifest_proxy(signed_port(), manifest_rules);
  tf::Client a("127.0.0.1", manifest_proxy.port(), trusting("a"));
  EXPECT_THROW(a.manifest("toynet"), tf::SignatureError);

  // A byte of the FETCH_HEADER's signature: refused before any byte is kept.
  Proxy::Rules header_rules;
  header_rules.tamper = [](uint8_t type, proto::Bytes& payload) {
    if (type == 0x89) payload[payload.size() - 30] ^= 0x10;
  };
  Proxy header_proxy(signed_port(), header_rules);
  tf::Client b("127.0.0.1", header_proxy.port(), trusting("a"));
  std::string target = ::testing::TempDir() + "/sign-mitm.pt";
  std::remove(target.c_str());
  EXPECT_THROW(b.fetch_to_file("toynet", 0, target), tf::SignatureError);
  EXPECT_FALSE(tf::testing::exists(target));

  // A byte of the model: its sha256 is not the signed one.
  Proxy::Rules model_rules;
  model_rules.flip_at = 1000;
  Proxy model_proxy(signed_port(), model_rules);
  tf::Client c("127.0.0.1", model_proxy.port(), trusting("a"));
  EXPECT_THROW(c.fetch("toynet"), tf::ChecksumError);
}

namespace {

// Listener lines: "loaded toynet:1", "failed toynet:2: reason".
class Lines final : public tf::WatchListener {
 public:
  void loaded(const tf::Manifest& m) override {
    add("loaded " + m.name + ":" + std::to_string(m.version));
  }
  void failed(const std::string& name, uint32_t version,
              const std::string& reason, bool receipt_sent) override {
    add("failed " + name + ":" + std::to_string(version) + ": " + reason +
        (receipt_sent ? "" : " (no receipt)"));
  }
  bool wait_for(const std::string& prefix) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(90), [&] {
      for (const auto& l : lines_)
        if (l.rfind(prefix, 0) == 0) return true;
      return false;
    });
  }
  std::string text() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string out;
    for (const auto& l : lines_) out += l + "\n";
    return out;
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

TEST(Server, WatchSendsAFailedReceiptForABadSignatureAndKeepsThePreviousModel) {
  auto tampering = std::make_shared<std::atomic<bool>>(false);
  Proxy::Rules rules;
  rules.tamper = [tampering](uint8_t type, proto::Bytes& payload) {
    if (*tampering && (type == 0x88 || type == 0x89)) {
      payload[payload.size() - 1] ^= 1;
    }
  };
  Proxy proxy(signed_port(), rules);
  auto lines = std::make_shared<Lines>();
  tf::WatchOptions watch;
  watch.load_current = true;
  watch.listener = lines;
  tf::Watcher watcher("127.0.0.1", proxy.port(), {"toynet"},
                      [](torch::jit::Module, const tf::Manifest&) {}, watch,
                      trusting("a"));
  watcher.start();
  ASSERT_TRUE(lines->wait_for("loaded toynet:")) << lines->text();
  uint32_t before = watcher.loaded().at("toynet").version;

  *tampering = true;  // from now on every signature arrives altered
  std::string command = "curl -sS -o /dev/null -w '%{http_code}' -X POST -H "
                        "'Authorization: Bearer " + kSigned.text("token") +
                        "' --data-binary @" +
                        tf::testing::model_file("toynet") + " 'http://" +
                        kSigned.text("http_address") +
                        "/v1/models/toynet/versions'";
  FILE* pipe = ::popen(command.c_str(), "r");
  char status[8] = {};
  ASSERT_NE(std::fgets(status, sizeof status, pipe), nullptr);
  ::pclose(pipe);
  ASSERT_STREQ(status, "201");
  const std::string next = "failed toynet:" + std::to_string(before + 1) +
                           ": refusing toynet:" + std::to_string(before + 1) +
                           ": the signature of its manifest does not verify";
  ASSERT_TRUE(lines->wait_for(next)) << lines->text();
  EXPECT_EQ(lines->text().find(next + " (no receipt)"), std::string::npos)
      << "a receipt was sent:\n" << lines->text();
  EXPECT_EQ(watcher.loaded().at("toynet").version, before);  // kept
}
