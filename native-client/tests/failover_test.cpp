// Failover between replicas: a FetchClient, Client, Watcher and
// torchfeed-client given several servers, against two real servers over
// copies of the same fixture models: the e2e server (CTest fixture
// "torchfeed_server") and a replica of it (fixture "replica_server", toynet
// only). The dying replica is the test proxy in front of a server: refused
// (a closed port), cut mid-transfer, answering UNAVAILABLE or, for the
// watcher, going away; another sha256 for the same version comes from a
// proxy that alters the FETCH_HEADER.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "proxy.h"
#include "test_util.h"
#include "torchfeed/client.h"

namespace tf = torchfeed;
namespace proto = torchfeed::protocol;
namespace fs = std::filesystem;
using std::chrono::milliseconds;
using tf::testing::golden_manifest;
using tf::testing::Proxy;

namespace {

const std::string kCli = TORCHFEED_CLIENT_BIN;
const tf::testing::ServerState kServer(TORCHFEED_SERVER_STATE);
const tf::testing::ServerState kReplica(TORCHFEED_REPLICA_STATE);
constexpr milliseconds kPatience{60000};

tf::Endpoint local(uint16_t port) { return {"127.0.0.1", port}; }

tf::Endpoint server() { return local(kServer.port()); }
tf::Endpoint replica() { return local(kReplica.port()); }

tf::Options in_order() {
  tf::Options options;
  options.in_order = true;
  options.retry_backoff = milliseconds(20);
  options.read_timeout = milliseconds(30000);
  return options;
}

// A port nothing listens on.
uint16_t closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), len);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

Proxy::Rules cut_after(uint64_t bytes, int connections = 1) {
  Proxy::Rules rules;
  rules.cut_after = bytes;
  rules.cut_connections = connections;
  return rules;
}

// The documents without their chunk digests, as a server of version 1 or 2
// sends them: the client then resumes at the bytes held.
Proxy::Rules without_chunks(Proxy::Rules rules = {}) {
  rules.rewrite_json = [](const std::string& doc) {
    size_t at = doc.find(R"(,"chunkSize":)");
    return at == std::string::npos ? doc : doc.substr(0, at) + "}";
  };
  return rules;
}

// A FETCH_HEADER announcing another sha256 for the same version: a replica
// that holds other bytes under that version.
Proxy::Rules another_sha256() {
  Proxy::Rules rules;
  rules.tamper = [](uint8_t type, proto::Bytes& payload) {
    if (type != static_cast<uint8_t>(proto::FrameType::kFetchHeader)) return;
    proto::FetchHeader header =
        proto::decode_fetch_header(payload, proto::FrameType::kFetchHeader);
    header.sha256[0] ^= 0xFF;
    proto::Bytes frame = proto::encode_fetch_header(header);
    payload.assign(frame.begin() + proto::kFrameHeaderSize, frame.end());
  };
  return rules;
}

// ERROR UNAVAILABLE in place of SERVER_HELLO: a replica shutting down.
Proxy::Rules unavailable() {
  Proxy::Rules rules;
  rules.inject_before = [](uint8_t type) {
    if (type != static_cast<uint8_t>(proto::FrameType::kServerHello)) {
      return proto::Bytes{};
    }
    return proto::encode_error({static_cast<uint16_t>(
                                    proto::ErrorCode::kUnavailable),
                                true, "the server is shutting down"});
  };
  return rules;
}

std::vector<uint64_t> offsets_of(const Proxy& proxy) {
  std::vector<uint64_t> out;
  for (const auto& f : proxy.fetches()) out.push_back(f.offset);
  return out;
}

std::string sha256_of(const tf::Buffer& bytes) {
  return tf::testing::sha256_hex(bytes.data(), bytes.size());
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class TempDir {
 public:
  TempDir() {
    char name[] = "/tmp/torchfeed-failover-XXXXXX";
    path_ = ::mkdtemp(name);
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct CliRun {
  int status;
  std::string out;
  std::string err;
};

// torchfeed-client with the arguments (a shell word list).
CliRun cli(const std::string& args) {
  TempDir dir;
  std::string out = dir.path() + "/out";
  std::string err = dir.path() + "/err";
  int rc = std::system((kCli + " " + args + " >" + out + " 2>" + err).c_str());
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, tf::testing::read_text(out),
          tf::testing::read_text(err)};
}

std::string servers_arg(const std::vector<tf::Endpoint>& servers) {
  std::string list;
  for (const tf::Endpoint& e : servers) {
    list += (list.empty() ? "" : ",") + e.to_string();
  }
  return "--server " + list;
}

}  // namespace

// --- the library ------------------------------------------------------------

TEST(Library, TheFirstServerRefusesAndTheNextServes) {
  tf::Endpoint down = local(closed_port());
  tf::Client client({down, server()}, in_order());
  EXPECT_EQ(client.manifest("toynet").sha256, golden_manifest("toynet").sha256);
  EXPECT_EQ(client.host(), "127.0.0.1");
  EXPECT_EQ(client.port(), server().port);  // it stays on the one that served
  tf::Download download = client.fetch("toynet");
  EXPECT_EQ(download.offsets, std::vector<uint64_t>{0});
  EXPECT_EQ(download.servers, std::vector<tf::Endpoint>{server()});
  EXPECT_EQ(sha256_of(download.bytes), golden_manifest("toynet").sha256);
  EXPECT_FALSE(client.list().models.empty());
}

TEST(Library, AnyStartingServerReachesTheOneUp) {
  // Random starts (no in_order): whichever comes first, the call succeeds.
  tf::Options options = in_order();
  options.in_order = false;
  for (int i = 0; i < 8; ++i) {
    tf::FetchClient client({local(closed_port()), replica()}, options);
    EXPECT_EQ(client.manifest("toynet").version, 1u);
  }
}

TEST(Library, UnavailableMovesOnToTheNextServerAtOnce) {
  Proxy shutting_down(kServer.port(), unavailable());
  tf::Endpoint first = local(shutting_down.port());
  tf::FetchClient client({first, replica()}, in_order());
  EXPECT_EQ(client.manifest("toynet").name, "toynet");
  EXPECT_EQ(client.port(), replica().port);
  EXPECT_EQ(shutting_down.connections(), 1);
}

// With chunk digests (toynet is one chunk of 8 MiB): at the start of the
// chunk the cut was in.
TEST(Library, ACutTransferResumesOnTheNextServerAtAChunkBoundary) {
  Proxy dying(kServer.port(), cut_after(100000));
  Proxy other(kReplica.port(), {});
  tf::Endpoint first = local(dying.port());
  tf::Endpoint second = local(other.port());
  tf::Download download =
      tf::Client({first, second}, in_order()).fetch("toynet");
  EXPECT_EQ(download.offsets, (std::vector<uint64_t>{0, 0}));
  EXPECT_EQ(download.servers, (std::vector<tf::Endpoint>{first, second}));
  EXPECT_EQ(offsets_of(other), std::vector<uint64_t>{0});
  EXPECT_EQ(download.manifest.chunks.size(), 1u);
  EXPECT_EQ(sha256_of(download.bytes), golden_manifest("toynet").sha256);
}

// Without chunk digests (servers of version 1 or 2): at the bytes held.
TEST(Library, ACutTransferResumesOnTheNextServerAtTheBytesHeld) {
  constexpr uint64_t kCut = 100000;  // of toynet's 257596 bytes
  Proxy dying(kServer.port(), without_chunks(cut_after(kCut)));
  Proxy other(kReplica.port(), without_chunks());  // records what it is asked
  tf::Endpoint first = local(dying.port());
  tf::Endpoint second = local(other.port());
  tf::Client client({first, second}, in_order());
  tf::Manifest golden = golden_manifest("toynet");
  tf::Download download = client.fetch("toynet");
  EXPECT_EQ(download.offsets, (std::vector<uint64_t>{0, kCut}));
  EXPECT_EQ(download.servers, (std::vector<tf::Endpoint>{first, second}));
  EXPECT_EQ(offsets_of(dying), std::vector<uint64_t>{0});
  ASSERT_EQ(other.fetches().size(), 1u);  // not from 0: resumed
  EXPECT_EQ(other.fetches()[0].offset, kCut);
  EXPECT_EQ(other.fetches()[0].version, 1u);  // the version pinned, not latest
  EXPECT_EQ(sha256_of(download.bytes), golden.sha256);
  tf::ModuleInfo loaded =
      tf::describe(tf::load_from_memory(std::move(download.bytes)));
  EXPECT_EQ(loaded.parameters, golden.parameters);
}

TEST(Library, FetchToFileResumesOnTheNextServer) {
  Proxy dying(kReplica.port(), cut_after(50000));
  tf::Endpoint first = local(dying.port());
  TempDir dir;
  std::string target = dir.path() + "/toynet.pt";
  tf::FetchResult result = tf::FetchClient({first, server()}, in_order())
                               .fetch_to_file("toynet", tf::kLatest, target);
  EXPECT_EQ(result.offsets, (std::vector<uint64_t>{0, 0}));  // chunk 0
  EXPECT_EQ(result.servers, (std::vector<tf::Endpoint>{first, server()}));
  EXPECT_EQ(tf::testing::read_text(target),
            tf::testing::read_text(tf::testing::model_file("toynet")));
}

TEST(Library, AnotherSha256OnTheNextServerIsAReplicaMismatch) {
  Proxy dying(kServer.port(), cut_after(100000));
  Proxy other(kReplica.port(), another_sha256());
  tf::Endpoint first = local(dying.port());
  tf::Endpoint second = local(other.port());
  TempDir dir;
  std::string target = dir.path() + "/toynet.pt";
  tf::FetchClient client({first, second}, in_order());
  try {
    client.fetch_to_file("toynet", tf::kLatest, target);
    FAIL() << "no error";
  } catch (const tf::ReplicaMismatchError& e) {
    std::string what = e.what();
    EXPECT_EQ(what.rfind("replica mismatch for toynet:1: " + first.to_string() +
                             " serves it with sha256 " +
                             golden_manifest("toynet").sha256 + ", " +
                             second.to_string() + " with sha256 ",
                         0),
              0u)
        << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
  EXPECT_EQ(offsets_of(other), std::vector<uint64_t>{0});  // not retried
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(Library, EveryServerDownGivesUpInOneLineNamingThem) {
  tf::Endpoint a = local(closed_port());
  tf::Endpoint b = local(closed_port());
  tf::Client client({a, b}, in_order());
  try {
    client.list();
    FAIL() << "no error";
  } catch (const tf::ConnectionError& e) {
    EXPECT_EQ(std::string(e.what()),
              "every server failed (" + a.to_string() + ", " + b.to_string() +
                  "); the last error: cannot connect to " + b.to_string() +
                  ": connection refused");
  }
  EXPECT_THROW(client.fetch("toynet"), tf::ConnectionError);
}

TEST(Library, AFetchGivesUpAfterItsRoundsOverEveryServer) {
  Proxy a(kServer.port(), cut_after(1000, 100));
  Proxy b(kReplica.port(), cut_after(1000, 100));
  tf::Options options = in_order();
  options.fetch_attempts = 2;
  tf::FetchClient client({local(a.port()), local(b.port())}, options);
  try {
    client.fetch("toynet");
    FAIL() << "no error";
  } catch (const tf::ConnectionError& e) {
    std::string what = e.what();
    EXPECT_EQ(what.rfind("fetch of toynet:1 gave up after 2 rounds over every "
                         "server (" +
                             local(a.port()).to_string() + ", " +
                             local(b.port()).to_string() +
                             "); the last error: ",
                         0),
              0u)
        << what;
  }
  // Each server twice, each FETCH from the start of chunk 0 (1000 bytes
  // are not a whole chunk).
  EXPECT_EQ(offsets_of(a), (std::vector<uint64_t>{0, 0}));
  EXPECT_EQ(offsets_of(b), (std::vector<uint64_t>{0, 0}));
}

// --- the watcher ------------------------------------------------------------

namespace {

// What the watcher's listener heard, one line per call.
class Heard final : public tf::WatchListener {
 public:
  void watching(const std::vector<std::string>&) override { add("watching"); }
  void notice(const tf::Event& e) override {
    add("notice " + e.name + ":" + std::to_string(e.version));
  }
  void loaded(const tf::Manifest& m) override {
    add("loaded " + m.name + ":" + std::to_string(m.version));
  }
  void failed(const std::string& name, uint32_t version,
              const std::string& reason, bool) override {
    add("failed " + name + ":" + std::to_string(version) + ": " + reason);
  }
  void disconnected(const std::string& reason, milliseconds) override {
    add("disconnected " + reason);
  }

  bool wait_for(const std::string& line, size_t count = 1) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, kPatience, [&] {
      return static_cast<size_t>(
                 std::count(lines_.begin(), lines_.end(), line)) >= count;
    });
  }

  std::string text() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string out;
    for (const std::string& line : lines_) out += line + "\n";
    return out;
  }

 private:
  void add(std::string line) {
    std::lock_guard<std::mutex> lock(mutex_);
    lines_.push_back(std::move(line));
    changed_.notify_all();
  }

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> lines_;
};

// Publishes toynet's bytes as a new version of `name` on the replica
// (curl, its admin token); true on 201.
bool publish_on_replica(const std::string& name) {
  std::string command =
      "curl -sS -o /dev/null -w '%{http_code}' -X POST -H 'Authorization: "
      "Bearer " +
      kReplica.text("token") + "' --data-binary @" +
      tf::testing::model_file("toynet") + " 'http://" +
      kReplica.text("http_address") + "/v1/models/" + name + "/versions'";
  FILE* pipe = ::popen(command.c_str(), "r");
  char status[16] = {0};
  size_t n = std::fread(status, 1, sizeof status - 1, pipe);
  ::pclose(pipe);
  return std::string(status, n) == "201";
}

}  // namespace

TEST(Watcher, ResubscribesToTheNextServerWhenItsServerGoesAndGetsItsNotices) {
  // A model neither server has yet, so that only the replica's notice of it
  // can bring it.
  const std::string kModel = "failover-watch-" + std::to_string(::getpid());
  auto heard = std::make_shared<Heard>();
  tf::WatchOptions watch;
  watch.listener = heard;
  watch.reconnect_delay = milliseconds(100);
  auto first = std::make_unique<Proxy>(kServer.port(), Proxy::Rules{});
  tf::Watcher watcher({local(first->port()), replica()}, {kModel},
                      [](torch::jit::Module, const tf::Manifest&) {}, watch,
                      in_order());
  watcher.start();
  ASSERT_TRUE(heard->wait_for("watching")) << heard->text();
  ASSERT_EQ(first->subscriptions().size(), 1u);
  first.reset();  // its server goes away: connections closed, port refused
  ASSERT_TRUE(heard->wait_for("watching", 2)) << heard->text();
  ASSERT_TRUE(publish_on_replica(kModel));
  ASSERT_TRUE(heard->wait_for("loaded " + kModel + ":1")) << heard->text();
  EXPECT_NE(heard->text().find("notice " + kModel + ":1\n"), std::string::npos)
      << heard->text();
  EXPECT_EQ(watcher.loaded().at(kModel).sha256,
            golden_manifest("toynet").sha256);
  watcher.stop();
  watcher.wait();
}

// --- the command line -------------------------------------------------------

TEST(Cli, AServerListFetchesAndVerifiesWhenTheFirstIsDown) {
  TempDir dir;
  std::string target = dir.path() + "/toynet.pt";
  std::string servers = servers_arg({local(closed_port()), server()});
  CliRun fetch = cli("fetch toynet -o " + target + " --in-order " + servers);
  EXPECT_EQ(fetch.status, 0) << fetch.err;
  EXPECT_EQ(tf::testing::read_text(target),
            tf::testing::read_text(tf::testing::model_file("toynet")));
  CliRun verify = cli("verify toynet --in-order " + servers);  // LibTorch's
  EXPECT_EQ(verify.status, 0) << verify.out << verify.err;
  EXPECT_TRUE(contains(verify.out, "toynet:1 verified")) << verify.out;
}

TEST(Cli, ACutTransferResumesOnTheNextServer) {
  Proxy dying(kServer.port(), cut_after(100000));
  TempDir dir;
  std::string target = dir.path() + "/toynet.pt";
  CliRun run = cli("fetch toynet -o " + target + " --in-order " +
                   servers_arg({local(dying.port()), replica()}));
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.out, "toynet:1 -> " + target +
                         " (257596 bytes, resumed at 0 on " +
                         replica().to_string() + ", sha256 " +
                         golden_manifest("toynet").sha256 + ")\n");
}

TEST(Cli, EveryServerDownIsOneLine) {
  tf::Endpoint a = local(closed_port());
  tf::Endpoint b = local(closed_port());
  CliRun run = cli("list --in-order " + servers_arg({a, b}));
  EXPECT_EQ(run.status, 1);
  EXPECT_EQ(run.err, "torchfeed-client: every server failed (" +
                         a.to_string() + ", " + b.to_string() +
                         "); the last error: cannot connect to " +
                         b.to_string() + ": connection refused\n");
}
