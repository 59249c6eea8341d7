// Following models end to end: the Watcher (client.subscribe) and
// `torchfeed-client watch` against a real torchfeed server of their own (the
// CTest fixture "watch_server": server.sh over toynet and bnnet, with an
// admin token), to which the tests publish new versions over the HTTP API,
// and which they read receipts back from (GET /v1/clients) and restart.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "blocked.h"
#include "proxy.h"
#include "test_util.h"
#include "torchfeed/client.h"

namespace tf = torchfeed;
namespace proto = torchfeed::protocol;
using nlohmann::json;
using std::chrono::milliseconds;
using tf::testing::Proxy;

namespace {

const std::string kState = TORCHFEED_WATCH_STATE;
const std::string kServerSh = TORCHFEED_SERVER_SH;
const std::string kCli = TORCHFEED_CLIENT_BIN;
constexpr milliseconds kPatience{60000};

const tf::testing::ServerState kServer(kState);  // watch_server_start

uint16_t server_port() { return kServer.port(); }

std::string server_arg(uint16_t port = server_port()) {
  return "127.0.0.1:" + std::to_string(port);
}

tf::Options quick() {
  tf::Options options;
  options.retry_backoff = milliseconds(20);
  options.read_timeout = milliseconds(30000);
  return options;
}

// --- the HTTP API, through curl ---------------------------------------------

struct HttpAnswer {
  int status = 0;
  std::string body;
};

// curl with these arguments (a shell word list) and the server's URL + path.
HttpAnswer http(const std::string& args, const std::string& path) {
  std::string command = "curl -sS -w '\\n%{http_code}' " + args + " 'http://" +
                        kServer.text("http_address") + path + "' 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  std::string out;
  char chunk[4096];
  size_t n;
  while ((n = std::fread(chunk, 1, sizeof chunk, pipe)) > 0) {
    out.append(chunk, n);
  }
  ::pclose(pipe);
  HttpAnswer answer;
  size_t last = out.rfind('\n');
  if (last == std::string::npos) return {0, out};
  answer.status = std::atoi(out.c_str() + last + 1);
  answer.body = out.substr(0, last);
  return answer;
}

std::string bearer() {
  return "-H 'Authorization: Bearer " + kServer.text("token") + "' ";
}

// Uploads `file` as a new version of `name`: its manifest.
tf::Manifest publish_file(const std::string& name, const std::string& file) {
  HttpAnswer answer = http("-X POST " + bearer() + "--data-binary @" + file,
                           "/v1/models/" + name + "/versions");
  EXPECT_EQ(answer.status, 201) << answer.body;
  return tf::parse_manifest(answer.body);
}

// Uploads the fixture's model.pt as a new version of `name`: its manifest.
tf::Manifest publish(const std::string& name) {
  return publish_file(name, tf::testing::model_file(name));
}

// Uploads toynet padded to three chunks (test_util.h) as a new version of
// `name`.
tf::Manifest publish_padded(const std::string& name) {
  std::string file = kState + "/padded-" +
                     std::to_string(::getpid()) + ".pt";
  EXPECT_TRUE(tf::testing::write_padded_toynet(file));
  tf::Manifest published = publish_file(name, file);
  std::remove(file.c_str());
  return published;
}

void remove_version(const std::string& name, uint32_t version) {
  HttpAnswer answer =
      http("-X DELETE " + bearer(),
           "/v1/models/" + name + "/versions/" + std::to_string(version));
  EXPECT_EQ(answer.status, 204) << answer.body;
}

// The connection of GET /v1/clients that holds a receipt for name:version,
// and that receipt; null when there is none.
std::pair<json, json> receipt_of(const std::string& name, uint32_t version) {
  HttpAnswer answer = http("", "/v1/clients");
  EXPECT_EQ(answer.status, 200) << answer.body;
  for (const json& client : json::parse(answer.body)) {
    for (const json& r : client.at("receipts")) {
      if (r.at("name") == name && r.at("version") == version) {
        return {client, r};
      }
    }
  }
  return {nullptr, nullptr};
}

std::string file_sha256(const std::string& name) {
  tf::Buffer bytes = tf::testing::read_buffer(tf::testing::model_file(name));
  return tf::testing::sha256_hex(bytes.data(), bytes.size());
}

// --- what a watcher does -----------------------------------------------------

// Every listener call as one line: "watching toynet", "notice {json}",
// "loaded toynet:2", "failed toynet:2: reason",
// "disconnected reason (retry in 100 ms)".
class Recorder final : public tf::WatchListener {
 public:
  void watching(const std::vector<std::string>& names) override {
    std::string line = "watching";
    for (const std::string& n : names) line += " " + n;
    add(names.empty() ? "watching every model" : line);
  }
  void notice(const tf::Event& event) override { add("notice " + event.json); }
  void loaded(const tf::Manifest& m) override {
    add("loaded " + m.name + ":" + std::to_string(m.version));
  }
  void failed(const std::string& name, uint32_t version,
              const std::string& reason, bool receipt_sent) override {
    add("failed " + name + ":" + std::to_string(version) + ": " + reason +
        (receipt_sent ? "" : " (no receipt)"));
  }
  void disconnected(const std::string& reason, milliseconds retry_in) override {
    add("disconnected " + reason + " (retry in " +
        std::to_string(retry_in.count()) + " ms)");
  }

  // Waits until `count` lines start with prefix.
  bool wait_for(const std::string& prefix, size_t count = 1) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, kPatience,
                             [&] { return count_locked(prefix) >= count; });
  }

  size_t count(const std::string& prefix) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return count_locked(prefix);
  }

  // The thread the listener was last called on: the watcher's.
  pid_t thread() const { return thread_; }

  std::vector<std::string> lines() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return lines_;
  }

  std::string text() const {
    std::string out;
    for (const std::string& line : lines()) out += line + "\n";
    return out;
  }

 private:
  void add(std::string line) {
    thread_ = tf::testing::this_thread_id();
    std::lock_guard<std::mutex> lock(mutex_);
    lines_.push_back(std::move(line));
    changed_.notify_all();
  }

  size_t count_locked(const std::string& prefix) const {
    size_t n = 0;
    for (const std::string& line : lines_) n += line.rfind(prefix, 0) == 0;
    return n;
  }

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> lines_;
  std::atomic<pid_t> thread_{0};
};

// What the callback was given: the manifest and the module as LibTorch
// describes it.
class Loads {
 public:
  tf::LoadCallback callback() {
    return [this](torch::jit::Module module, const tf::Manifest& manifest) {
      std::lock_guard<std::mutex> lock(mutex_);
      got_.push_back({manifest, tf::describe(module)});
    };
  }

  std::vector<std::pair<tf::Manifest, tf::ModuleInfo>> got() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return got_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::pair<tf::Manifest, tf::ModuleInfo>> got_;
};

tf::WatchOptions watch_options(std::shared_ptr<Recorder> recorder) {
  tf::WatchOptions options;
  options.listener = std::move(recorder);
  options.reconnect_delay = milliseconds(100);
  options.max_reconnect_delay = milliseconds(1000);
  return options;
}

std::string loaded_line(const tf::Manifest& m) {
  return "loaded " + m.name + ":" + std::to_string(m.version);
}

// --- torchfeed-client in a process of its own
// ----------------------------------

class Process {
 public:
  // Runs torchfeed-client with these arguments, stdout and stderr to files.
  explicit Process(const std::vector<std::string>& args) {
    char dir[] = "/tmp/torchfeed-watch-XXXXXX";
    dir_ = ::mkdtemp(dir);
    std::vector<char*> argv{const_cast<char*>(kCli.c_str())};
    for (const std::string& a : args) {
      argv.push_back(const_cast<char*>(a.c_str()));
    }
    argv.push_back(nullptr);
    std::string out = dir_ + "/out";
    std::string err = dir_ + "/err";
    pid_ = ::fork();
    if (pid_ == 0) {  // only async-signal-safe calls until execv
      ::dup2(::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644), 1);
      ::dup2(::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644), 2);
      ::execv(kCli.c_str(), argv.data());
      std::_Exit(127);
    }
  }

  ~Process() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    std::system(("rm -rf " + dir_).c_str());
  }

  std::string out() const { return tf::testing::read_text(dir_ + "/out"); }
  std::string err() const { return tf::testing::read_text(dir_ + "/err"); }

  // Waits until stdout holds `text`.
  bool wait_for_output(const std::string& text) const {
    auto deadline = std::chrono::steady_clock::now() + kPatience;
    while (std::chrono::steady_clock::now() < deadline) {
      if (out().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(milliseconds(50));
    }
    return false;
  }

  void signal(int sig) { ::kill(pid_, sig); }

  // Its exit status; -1 when it has not exited within the timeout.
  int wait(milliseconds timeout = kPatience) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
    return -1;
  }

 private:
  std::string dir_;
  pid_t pid_ = -1;
};

}  // namespace

// --- the library
// --------------------------------------------------------------

TEST(Watch, APublishedVersionIsLoadedAndItsReceiptShows) {
  auto recorder = std::make_shared<Recorder>();
  Loads loads;
  tf::Client client("127.0.0.1", server_port(), quick());
  tf::Watcher watcher =
      client.subscribe("toynet", loads.callback(), watch_options(recorder));
  ASSERT_TRUE(recorder->wait_for("watching toynet")) << recorder->text();
  EXPECT_TRUE(loads.got().empty()) << "loaded at start without load_current";

  tf::Manifest published = publish("toynet");
  ASSERT_TRUE(recorder->wait_for(loaded_line(published))) << recorder->text();
  EXPECT_EQ(
      recorder->count("notice {\"event\":\"published\",\"name\":\"toynet\","
                      "\"version\":" +
                      std::to_string(published.version) + ","),
      1u)
      << recorder->text();

  // The callback had the module of that version, as the manifest says.
  auto got = loads.got();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].first.version, published.version);
  EXPECT_EQ(got[0].first.sha256, file_sha256("toynet"));
  // The client speaks version 3: the very document the upload answered,
  // chunk digests included.
  EXPECT_EQ(got[0].first.json, published.json);
  EXPECT_EQ(got[0].second.parameters, published.parameters);
  EXPECT_EQ(got[0].second.buffers, published.buffers);
  EXPECT_TRUE(tf::compare(tf::testing::golden_manifest("toynet"), got[0].second)
                  .empty());
  EXPECT_EQ(watcher.loaded().at("toynet").version, published.version);

  // The server shows the receipt on the subscribed connection.
  auto [connection, receipt] = receipt_of("toynet", published.version);
  ASSERT_FALSE(receipt.is_null());
  EXPECT_EQ(connection.at("software"), tf::kSoftware);
  EXPECT_EQ(connection.at("libtorch"), tf::kLibTorchVersion);
  EXPECT_EQ(connection.at("subscriptions"), json::array({"toynet"}));
  EXPECT_EQ(receipt.at("sha256"), published.sha256);
  EXPECT_EQ(receipt.at("status"), "loaded");
  EXPECT_EQ(receipt.at("reason"), "");
  EXPECT_EQ(receipt.at("libtorch"), tf::kLibTorchVersion);
}

// LibTorch starts on a version of several chunks while it arrives: the
// watcher fetches the last chunk first (Client::fetch_and_load).
TEST(Watch, AVersionOfSeveralChunksIsLoadedWhileItArrivesLastChunkFirst) {
  constexpr uint64_t kChunk = 8u << 20;
  auto recorder = std::make_shared<Recorder>();
  Loads loads;
  Proxy proxy(server_port(), {});
  tf::Client client("127.0.0.1", proxy.port(), quick());
  tf::Watcher watcher =
      client.subscribe("padded", loads.callback(), watch_options(recorder));
  ASSERT_TRUE(recorder->wait_for("watching padded")) << recorder->text();
  tf::Manifest published = publish_padded("padded");
  ASSERT_EQ(published.chunks.size(), 3u);
  ASSERT_TRUE(recorder->wait_for(loaded_line(published))) << recorder->text();
  std::vector<uint64_t> offsets;
  for (const auto& f : proxy.fetches()) offsets.push_back(f.offset);
  EXPECT_EQ(offsets, (std::vector<uint64_t>{2 * kChunk, 0}));
  auto got = loads.got();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].first.sha256, published.sha256);
  EXPECT_EQ(got[0].second.parameters,
            tf::testing::golden_manifest("toynet").parameters);
  auto [connection, receipt] = receipt_of("padded", published.version);
  ASSERT_FALSE(receipt.is_null());
  EXPECT_EQ(receipt.at("status"), "loaded");
}

// A bad byte in a chunk LibTorch never reads: the module it loaded is not
// handed over, and the receipt names the chunk.
TEST(Watch, ABadChunkOfAVersionLoadedWhileItArrivesSendsAFailedReceipt) {
  constexpr uint64_t kChunk = 8u << 20;
  auto recorder = std::make_shared<Recorder>();
  Loads loads;
  Proxy proxy(server_port(), {Proxy::kNever, 0, kChunk + 100, nullptr});
  tf::Client client("127.0.0.1", proxy.port(), quick());
  tf::Watcher watcher =
      client.subscribe("padded-bad", loads.callback(), watch_options(recorder));
  ASSERT_TRUE(recorder->wait_for("watching padded-bad")) << recorder->text();
  tf::Manifest published = publish_padded("padded-bad");
  std::string id = "padded-bad:" + std::to_string(published.version);
  ASSERT_TRUE(recorder->wait_for("failed " + id)) << recorder->text();
  EXPECT_TRUE(loads.got().empty());
  EXPECT_TRUE(watcher.loaded().empty());
  auto [connection, receipt] = receipt_of("padded-bad", published.version);
  ASSERT_FALSE(receipt.is_null());
  EXPECT_EQ(receipt.at("status"), "failed");
  const std::string reason = receipt.at("reason");
  EXPECT_EQ(reason.rfind("chunk 1 of " + id + " (offset 8388608) hashes to ", 0),
            0u)
      << reason;
}

TEST(Watch, ACallbackThatThrowsSendsAFailedReceiptWithTheReason) {
  auto recorder = std::make_shared<Recorder>();
  tf::Client client("127.0.0.1", server_port(), quick());
  tf::Watcher watcher = client.subscribe(
      "toynet",
      [](torch::jit::Module, const tf::Manifest& m) {
        throw std::runtime_error(
            "this program takes no toynet:" + std::to_string(m.version) +
            " today\nsecond line");
      },
      watch_options(recorder));
  ASSERT_TRUE(recorder->wait_for("watching toynet")) << recorder->text();
  tf::Manifest published = publish("toynet");
  std::string id = "toynet:" + std::to_string(published.version);
  std::string reason = "this program takes no " + id + " today";
  ASSERT_TRUE(recorder->wait_for("failed " + id)) << recorder->text();
  EXPECT_EQ(recorder->count("failed " + id + ": " + reason), 1u)
      << recorder->text();
  EXPECT_TRUE(watcher.loaded().empty());

  auto [connection, receipt] = receipt_of("toynet", published.version);
  ASSERT_FALSE(receipt.is_null());
  EXPECT_EQ(receipt.at("status"), "failed");
  EXPECT_EQ(receipt.at("reason"), reason);
  EXPECT_EQ(receipt.at("sha256"), published.sha256);
  EXPECT_EQ(receipt.at("libtorch"), tf::kLibTorchVersion);
}

TEST(Watch, NoticesOfOtherModelsAreIgnored) {
  // The server sends only what was subscribed; the proxy slips in notices
  // of another model (one that exists) and of an unknown event, as if queued
  // under an earlier subscription.
  tf::Manifest bnnet = tf::Client("127.0.0.1", server_port()).manifest("bnnet");
  Proxy proxy(
      server_port(),
      {Proxy::kNever, 0, Proxy::kNever, nullptr, [&](uint8_t type) {
         if (type != static_cast<uint8_t>(proto::FrameType::kSubscribed))
           return proto::Bytes{};
         proto::Bytes out = proto::encode_json(
             proto::FrameType::kNotice,
             R"({"event":"published","name":"bnnet","version":)" +
                 std::to_string(bnnet.version + 1) + R"(,"sha256":")" +
                 bnnet.sha256 + R"(","size":1})");
         proto::Bytes other = proto::encode_json(
             proto::FrameType::kNotice,
             R"({"event":"renamed","name":"toynet","to":"x"})");
         out.insert(out.end(), other.begin(), other.end());
         return out;
       }});
  auto recorder = std::make_shared<Recorder>();
  Loads loads;
  tf::Watcher watcher("127.0.0.1", proxy.port(), {"toynet"}, loads.callback(),
                      watch_options(recorder), quick());
  watcher.start();
  ASSERT_TRUE(recorder->wait_for("watching toynet")) << recorder->text();
  publish("bnnet");
  tf::Manifest published = publish("toynet");
  ASSERT_TRUE(recorder->wait_for(loaded_line(published))) << recorder->text();
  watcher.stop();
  watcher.wait();

  auto got = loads.got();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].first.name, "toynet");
  for (const std::string& line : recorder->lines()) {
    EXPECT_EQ(line.find("bnnet"), std::string::npos) << line;
  }
  EXPECT_EQ(recorder->count("notice {\"event\":\"renamed\""), 1u);
  for (const auto& fetch : proxy.fetches()) EXPECT_EQ(fetch.name, "toynet");
  EXPECT_EQ(proxy.subscriptions(),
            std::vector<std::vector<std::string>>{{"toynet"}});
  ASSERT_EQ(proxy.receipts().size(), 1u);
  EXPECT_EQ(proxy.receipts()[0].libtorch, tf::kLibTorchVersion);
}

TEST(Watch, NoticesThatComeBeforeAnAnswerAreHandledAfterIt) {
  // Before the first RECEIPT_OK the proxy slips in notices: an older
  // version (ignored), the removal of a version not loaded (ignored) and the
  // very version just loaded (ignored: the same bytes).
  std::atomic<uint32_t> expected{0};
  std::atomic<bool> injected{false};
  const std::string sha256 = file_sha256("toynet");
  Proxy proxy(
      server_port(),
      {Proxy::kNever, 0, Proxy::kNever, nullptr, [&](uint8_t type) {
         if (type != static_cast<uint8_t>(proto::FrameType::kReceiptOk) ||
             injected.exchange(true))
           return proto::Bytes{};
         proto::Bytes out;
         for (
             const std::string& doc :
             {R"({"event":"published","name":"toynet","version":1,"sha256":")" +
                  sha256 + R"(","size":5})",
              std::string(R"({"event":"removed","name":"toynet","version":1})"),
              R"({"event":"published","name":"toynet","version":)" +
                  std::to_string(expected) + R"(,"sha256":")" + sha256 +
                  R"(","size":5})"}) {
           proto::Bytes f = proto::encode_json(proto::FrameType::kNotice, doc);
           out.insert(out.end(), f.begin(), f.end());
         }
         return out;
       }});
  auto recorder = std::make_shared<Recorder>();
  Loads loads;
  tf::Watcher watcher("127.0.0.1", proxy.port(), {"toynet"}, loads.callback(),
                      watch_options(recorder), quick());
  watcher.start();
  ASSERT_TRUE(recorder->wait_for("watching toynet")) << recorder->text();
  expected =
      tf::Client("127.0.0.1", server_port()).manifest("toynet").version + 1;
  tf::Manifest first = publish("toynet");
  ASSERT_EQ(first.version, expected.load());
  ASSERT_TRUE(recorder->wait_for(loaded_line(first))) << recorder->text();
  tf::Manifest second = publish("toynet");
  ASSERT_TRUE(recorder->wait_for(loaded_line(second))) << recorder->text();

  std::vector<std::string> lines = recorder->lines();
  auto at = std::find(lines.begin(), lines.end(), loaded_line(first));
  ASSERT_LE(at + 4, lines.end()) << recorder->text();
  EXPECT_EQ(at[1].rfind("notice {\"event\":\"published\",\"name\":\"toynet\","
                        "\"version\":1,",
                        0),
            0u)
      << recorder->text();
  EXPECT_EQ(at[2],
            "notice {\"event\":\"removed\",\"name\":\"toynet\",\"version\":1}");
  EXPECT_EQ(at[3].rfind("notice {\"event\":\"published\",\"name\":\"toynet\","
                        "\"version\":" +
                            std::to_string(first.version) + ",",
                        0),
            0u)
      << recorder->text();
  auto got = loads.got();
  ASSERT_EQ(got.size(), 2u) << recorder->text();
  EXPECT_EQ(got[0].first.version, first.version);
  EXPECT_EQ(got[1].first.version, second.version);
}

// Every model the server lists, whichever other tests published to it.
TEST(Watch, EveryModelWithLoadCurrent) {
  tf::Client client("127.0.0.1", server_port(), quick());
  uint32_t toynet = client.manifest("toynet").version;
  uint32_t bnnet = client.manifest("bnnet").version;
  const size_t models = client.list().models.size();
  ASSERT_GE(models, 2u);
  auto recorder = std::make_shared<Recorder>();
  Loads loads;
  tf::WatchOptions options = watch_options(recorder);
  options.load_current = true;
  tf::Watcher watcher = client.subscribe({}, loads.callback(), options);
  ASSERT_TRUE(recorder->wait_for("watching every model")) << recorder->text();
  EXPECT_EQ(watcher.loaded().at("toynet").version, toynet);
  EXPECT_EQ(watcher.loaded().at("bnnet").version, bnnet);
  EXPECT_EQ(loads.got().size(), models);
  EXPECT_EQ(watcher.loaded().size(), models);

  tf::Manifest published = publish("bnnet");
  ASSERT_TRUE(recorder->wait_for(loaded_line(published))) << recorder->text();
  auto got = loads.got();
  ASSERT_EQ(got.size(), models + 1);
  EXPECT_EQ(got[models].first.version, published.version);
  EXPECT_EQ(got[models].second.buffers,
            tf::testing::golden_manifest("bnnet").buffers);
}

TEST(Watch, RemovingTheLoadedVersionLoadsTheLatest) {
  auto recorder = std::make_shared<Recorder>();
  Loads loads;
  tf::Client client("127.0.0.1", server_port(), quick());
  tf::Watcher watcher =
      client.subscribe({"toynet"}, loads.callback(), watch_options(recorder));
  ASSERT_TRUE(recorder->wait_for("watching toynet")) << recorder->text();
  uint32_t before = client.manifest("toynet").version;
  tf::Manifest published = publish("toynet");
  ASSERT_TRUE(recorder->wait_for(loaded_line(published))) << recorder->text();
  remove_version("toynet", published.version);
  ASSERT_TRUE(recorder->wait_for("loaded toynet:" + std::to_string(before)))
      << recorder->text();
  EXPECT_EQ(watcher.loaded().at("toynet").version, before);
}

TEST(Watch, ReconnectsAfterTheServerRestartsAndCatchesUp) {
  auto recorder = std::make_shared<Recorder>();
  Loads loads;
  tf::Client client("127.0.0.1", server_port(), quick());
  tf::Watcher watcher =
      client.subscribe("toynet", loads.callback(), watch_options(recorder));
  ASSERT_TRUE(recorder->wait_for("watching toynet")) << recorder->text();

  // A version that appears while the server is down is loaded on
  // reconnecting, with no notice.
  uint32_t next = client.manifest("toynet").version + 1;
  ASSERT_EQ(std::system((kServerSh + " stop " + kState).c_str()), 0);
  ASSERT_TRUE(recorder->wait_for("disconnected")) << recorder->text();
  std::string dir = kState + "/repo/toynet/" + std::to_string(next);
  ASSERT_EQ(std::system(("mkdir -p " + dir + " && cp " +
                         tf::testing::model_file("toynet") + " " + dir)
                            .c_str()),
            0);
  ASSERT_EQ(
      std::system((kServerSh + " restart " + kState + " >/dev/null").c_str()),
      0);
  ASSERT_TRUE(recorder->wait_for("watching toynet", 2)) << recorder->text();
  EXPECT_EQ(recorder->count("loaded toynet:" + std::to_string(next)), 1u)
      << recorder->text();

  // And it follows again.
  tf::Manifest published = publish("toynet");
  ASSERT_TRUE(recorder->wait_for(loaded_line(published))) << recorder->text();
  auto [connection, receipt] = receipt_of("toynet", published.version);
  ASSERT_FALSE(receipt.is_null());
  EXPECT_EQ(receipt.at("status"), "loaded");
}

// A server stopped by SIGTERM (server.sh stop) tells its subscribers to go
// to another replica with a fatal ERROR UNAVAILABLE: the watcher tries again
// at once, not after its reconnect delay; it follows again once the server
// is back.
TEST(Watch, AServerThatStopsIsReconnectedAtOnce) {
  auto recorder = std::make_shared<Recorder>();
  Loads loads;
  tf::Client client("127.0.0.1", server_port(), quick());
  tf::Watcher watcher =
      client.subscribe("toynet", loads.callback(), watch_options(recorder));
  ASSERT_TRUE(recorder->wait_for("watching toynet")) << recorder->text();

  ASSERT_EQ(std::system((kServerSh + " stop " + kState).c_str()), 0);
  ASSERT_TRUE(recorder->wait_for("disconnected")) << recorder->text();
  std::vector<std::string> lines = recorder->lines();
  auto first = std::find_if(lines.begin(), lines.end(), [](const auto& l) {
    return l.rfind("disconnected", 0) == 0;
  });
  EXPECT_EQ(*first,
            "disconnected server shutting down: reconnect to another replica "
            "(retry in 0 ms)")
      << recorder->text();

  ASSERT_EQ(
      std::system((kServerSh + " restart " + kState + " >/dev/null").c_str()),
      0);
  ASSERT_TRUE(recorder->wait_for("watching toynet", 2)) << recorder->text();
}

// Each wait would last longer than any test may run (no notice comes, no
// ping is due, no reconnect): a stop() that did not end it would leave
// wait() hanging until CTest's TIMEOUT fails the test.
TEST(Watch, StopEndsAWaitForNoticesOrToReconnect) {
  auto recorder = std::make_shared<Recorder>();
  tf::WatchOptions options = watch_options(recorder);
  options.ping_interval = tf::testing::kLongerThanAnyTest;
  tf::Watcher watcher(
      "127.0.0.1", server_port(), {"toynet"},
      [](torch::jit::Module, const tf::Manifest&) {}, options, quick());
  watcher.start();
  ASSERT_TRUE(recorder->wait_for("watching toynet"));
  // Waiting for a notice (poll on the subscribed connection).
  ASSERT_TRUE(tf::testing::wait_until_blocked(recorder->thread(),
                                              tf::testing::kPollCalls));
  watcher.stop();
  watcher.wait();

  // Nothing listens on the proxy's port once it is gone.
  uint16_t closed;
  {
    Proxy proxy(server_port(), {});
    closed = proxy.port();
  }
  auto waiting = std::make_shared<Recorder>();
  options = watch_options(waiting);
  options.reconnect_delay = tf::testing::kLongerThanAnyTest;
  options.max_reconnect_delay = tf::testing::kLongerThanAnyTest;
  tf::Watcher retrying(
      "127.0.0.1", closed, {"toynet"},
      [](torch::jit::Module, const tf::Manifest&) {}, options, quick());
  retrying.start();
  ASSERT_TRUE(waiting->wait_for("disconnected cannot connect"))
      << waiting->text();
  // Waiting to reconnect (Cancellation::sleep_for, a condition variable).
  ASSERT_TRUE(tf::testing::wait_until_blocked(waiting->thread(),
                                              tf::testing::kFutexCalls));
  retrying.stop();
  retrying.wait();
}

TEST(Watch, AnInvalidNameIsRefused) {
  Proxy proxy(server_port(), {});
  tf::Watcher watcher(
      "127.0.0.1", proxy.port(), {"toynet", "no such/name"},
      [](torch::jit::Module, const tf::Manifest&) {}, {}, quick());
  try {
    watcher.run();
    FAIL() << "no error";
  } catch (const tf::RemoteError& e) {
    EXPECT_EQ(e.code(), 1) << e.what();
    EXPECT_FALSE(e.fatal());
    EXPECT_NE(std::string(e.what()).find("no such/name"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(
      proxy.subscriptions(),
      (std::vector<std::vector<std::string>>{{"toynet", "no such/name"}}));
}

// --- the command line
// ---------------------------------------------------------

TEST(WatchCli, OnceExitsAfterTheFirstNewVersionIsLoaded) {
  Process watch({"watch", "--server", server_arg(), "toynet", "--once"});
  ASSERT_TRUE(watch.wait_for_output("watching toynet\n"))
      << watch.out() << watch.err();
  tf::Manifest published = publish("toynet");
  ASSERT_EQ(watch.wait(), 0) << watch.out() << watch.err();
  std::string id = "toynet:" + std::to_string(published.version);
  EXPECT_NE(watch.out().find("\npublished " + id + " (257596 bytes, sha256 " +
                             published.sha256 + ")\n"),
            std::string::npos)
      << watch.out();
  EXPECT_NE(watch.out().find("\nloaded " + id + " sha256 " + published.sha256 +
                             " with LibTorch " + tf::kLibTorchVersion +
                             ": 10 parameters and 0 buffers match the "
                             "manifest\n"),
            std::string::npos)
      << watch.out();
  EXPECT_EQ(watch.err(), "");
}

TEST(WatchCli, LoadCurrentThenSigintOrSigtermExitsZero) {
  uint32_t latest =
      tf::Client("127.0.0.1", server_port()).manifest("toynet").version;
  for (int sig : {SIGINT, SIGTERM}) {
    Process watch(
        {"watch", "--server", server_arg(), "toynet", "--load-current"});
    ASSERT_TRUE(watch.wait_for_output("watching toynet\n"))
        << watch.out() << watch.err();
    EXPECT_EQ(watch.out().rfind(
                  "loaded toynet:" + std::to_string(latest) + " sha256 ", 0),
              0u)
        << watch.out();
    watch.signal(sig);
    EXPECT_EQ(watch.wait(), 0) << watch.err();
  }
}

TEST(WatchCli, UsageErrors) {
  for (std::vector<std::string> args :
       {std::vector<std::string>{"watch", "toynet:1"},
        {"watch", "toynet@stable"},
        {"watch", "--json", "toynet"},
        {"list", "--once"},
        {"verify", "toynet", "--load-current"}}) {
    Process p(args);
    EXPECT_EQ(p.wait(), 1) << args[1];
    EXPECT_EQ(p.out(), "");
    EXPECT_EQ(p.err().rfind("torchfeed-client: ", 0), 0u) << p.err();
  }
}
