// End to end against a real torchfeed server (the Java one, started by
// server.sh as the CTest fixture "torchfeed_server" over every fixture model):
// the library, and the torchfeed-client executable in its own process. The
// faults (a cut connection, a flipped byte, a too new archive, a manifest
// that does not match) come from the test proxy between the two.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <torch/version.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>
#include <thread>

#include "proxy.h"
#include "test_util.h"
#include "torchfeed/client.h"

namespace tf = torchfeed;
namespace fs = std::filesystem;
using tf::testing::fixture_models;
using tf::testing::golden_json;
using tf::testing::golden_json_v3;
using tf::testing::golden_manifest;
using tf::testing::Proxy;

namespace {

const std::string kCli = TORCHFEED_CLIENT_BIN;
const std::string kState = TORCHFEED_SERVER_STATE;

const tf::testing::ServerState kServer(kState);  // server_start

uint16_t server_port() { return kServer.port(); }

tf::Options quick() {
  tf::Options options;
  options.retry_backoff = std::chrono::milliseconds(20);
  options.read_timeout = std::chrono::milliseconds(30000);
  return options;
}

tf::Client client(uint16_t port = server_port()) {
  return tf::Client("127.0.0.1", port, quick());
}

std::string sha256_of(const tf::Buffer& bytes) {
  return tf::testing::sha256_hex(bytes.data(), bytes.size());
}

std::vector<uint64_t> offsets_of(const Proxy& proxy) {
  std::vector<uint64_t> out;
  for (const auto& f : proxy.fetches()) out.push_back(f.offset);
  return out;
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

// Replaces the first `from` in every document.
std::function<std::string(const std::string&)> replace(std::string from,
                                                       std::string to) {
  return [from, to](const std::string& doc) {
    std::string out = doc;
    size_t at = out.find(from);
    if (at != std::string::npos) out.replace(at, from.size(), to);
    return out;
  };
}

// A proxy rule: the documents without their chunk digests, as a server of
// version 1 or 2 sends them; the client then hashes the whole file and
// resumes at the bytes held.
std::string without_chunks(const std::string& doc) {
  size_t at = doc.find(R"(,"chunkSize":)");
  return at == std::string::npos ? doc : doc.substr(0, at) + "}";
}

class TempDir {
 public:
  TempDir() {
    char name[] = "/tmp/torchfeed-test-XXXXXX";
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

// Runs torchfeed-client with the arguments (a shell word list).
CliRun cli(const std::string& args) {
  TempDir dir;
  std::string out = dir.path() + "/out";
  std::string err = dir.path() + "/err";
  int rc = std::system((kCli + " " + args + " >" + out + " 2>" + err).c_str());
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, tf::testing::read_text(out),
          tf::testing::read_text(err)};
}

std::string server_arg(uint16_t port = server_port()) {
  return "--server 127.0.0.1:" + std::to_string(port);
}

}  // namespace

// --- every fixture model ----------------------------------------------------

class Model : public ::testing::TestWithParam<std::string> {};

TEST_P(Model, ManifestIsTheGoldenOne) {
  tf::Client c = client();
  EXPECT_EQ(c.manifest(GetParam()).json, golden_json_v3(GetParam()));
  EXPECT_EQ(c.manifest(GetParam(), 1).json, golden_json_v3(GetParam()));
}

TEST_P(Model, FetchLoadAndCompareWithTheGoldenManifest) {
  tf::Manifest golden = golden_manifest(GetParam());
  tf::Download download = client().fetch(GetParam());
  EXPECT_EQ(download.offsets, std::vector<uint64_t>{0});
  EXPECT_EQ(download.manifest.json, golden_json_v3(GetParam()));
  ASSERT_EQ(download.bytes.size(), golden.size);
  EXPECT_EQ(sha256_of(download.bytes), golden.sha256);
  tf::ModuleInfo loaded =
      tf::describe(tf::load_from_memory(std::move(download.bytes)));
  EXPECT_EQ(loaded.parameters, golden.parameters);
  EXPECT_EQ(loaded.buffers, golden.buffers);
}

TEST_P(Model, LoadTheLatest) {
  tf::Manifest golden = golden_manifest(GetParam());
  tf::ModuleInfo loaded = tf::describe(client().load(GetParam()));
  EXPECT_TRUE(tf::compare(golden, loaded).empty());
}

TEST_P(Model, CliVerifyPasses) {
  CliRun run = cli("verify " + GetParam() + " " + server_arg());
  EXPECT_EQ(run.status, 0) << run.out << run.err;
  EXPECT_NE(run.out.find(GetParam() + ":1 verified: sha256 " +
                         golden_manifest(GetParam()).sha256),
            std::string::npos)
      << run.out;
}

TEST_P(Model, CliVerifyJsonIsTheGoldenManifest) {
  CliRun run = cli("verify --json " + GetParam() + " " + server_arg());
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.out, golden_json(GetParam()) + "\n");
}

TEST_P(Model, CliManifestJsonIsTheGoldenManifest) {
  CliRun run = cli("manifest " + GetParam() + ":1 --json " + server_arg());
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.out, golden_json_v3(GetParam()) + "\n");
}

INSTANTIATE_TEST_SUITE_P(Fixtures, Model,
                         ::testing::ValuesIn(fixture_models()));

// --- the library ------------------------------------------------------------

TEST(Library, ListHasEveryFixtureModel) {
  tf::Client c = client();
  tf::Listing listing = c.list();
  std::vector<std::string> names;
  for (const auto& m : listing.models) {
    names.push_back(m.name);
    EXPECT_EQ(m.versions, std::vector<uint32_t>{1}) << m.name;
    EXPECT_EQ(m.latest, 1u) << m.name;
  }
  for (const std::string& name : fixture_models()) {
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
  }
  EXPECT_TRUE(listing.rejected.empty());
  EXPECT_EQ(c.server_hello().protocol, 3);
  EXPECT_EQ(c.server_hello().software.rfind("torchfeed/", 0), 0u);
}

TEST(Library, HelloSendsThisLibTorchVersion) {
  Proxy proxy(server_port(), {});
  client(proxy.port()).list();
  ASSERT_EQ(proxy.hellos().size(), 1u);
  EXPECT_EQ(proxy.hellos()[0].protocol, 3);  // chunk digests
  EXPECT_EQ(proxy.hellos()[0].software, "torchfeed-cpp/0.1.0");
  EXPECT_EQ(proxy.hellos()[0].libtorch, TORCH_VERSION);
}

TEST(Library, ForwardOfToynetMatchesForwardJson) {
  torch::jit::Module module = client().load("toynet");
  module.eval();
  tf::testing::ForwardCase c = tf::testing::forward_case();
  at::Tensor output = module.forward({c.input}).toTensor();
  ASSERT_EQ(output.sizes(), c.output.sizes());
  EXPECT_TRUE(torch::allclose(output, c.output, /*rtol=*/0, /*atol=*/1e-4))
      << output << c.output;
}

TEST(Library, NotFoundKeepsTheConnection) {
  tf::Client c = client();
  try {
    c.manifest("resnet");
    FAIL() << "no error";
  } catch (const tf::NotFoundError& e) {
    EXPECT_EQ(e.code(), 2);
    EXPECT_FALSE(e.fatal());
    EXPECT_NE(std::string(e.what()).find("resnet"), std::string::npos);
  }
  EXPECT_THROW(c.load("toynet", 99), tf::NotFoundError);
  EXPECT_EQ(c.manifest("toynet").name, "toynet");
}

TEST(Library, ConnectionRefused) {
  tf::Client c("127.0.0.1", closed_port(), quick());
  try {
    c.list();
    FAIL() << "no error";
  } catch (const tf::ConnectionError& e) {
    EXPECT_NE(std::string(e.what()).find("connection refused"),
              std::string::npos)
        << e.what();
  }
}

TEST(Library, ReadTimeout) {
  // A listener that never accepts: the connection completes in its backlog
  // and HELLO gets no answer.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), len), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  tf::Options options = quick();
  options.read_timeout = std::chrono::milliseconds(300);
  tf::Client c("127.0.0.1", ntohs(addr.sin_port), options);
  try {
    c.list();
    ADD_FAILURE() << "no error";
  } catch (const tf::ConnectionError& e) {
    EXPECT_NE(std::string(e.what()).find("sent nothing for 300 ms"),
              std::string::npos)
        << e.what();
  }
  ::close(fd);
}

// --- resume after a cut connection -----------------------------------------
// (without chunk digests: at the bytes held; with them, Chunks.* below)

TEST(Resume, CutTransferResumesFromTheBytesHeld) {
  constexpr uint64_t kCut = 100000;  // of toynet's 257596 bytes
  Proxy proxy(server_port(), {kCut, 1, Proxy::kNever, without_chunks});
  tf::Manifest golden = golden_manifest("toynet");
  tf::Download download = client(proxy.port()).fetch("toynet");
  EXPECT_EQ(offsets_of(proxy), (std::vector<uint64_t>{0, kCut}));
  EXPECT_EQ(download.offsets, (std::vector<uint64_t>{0, kCut}));
  EXPECT_EQ(proxy.connections(), 2);
  EXPECT_EQ(sha256_of(download.bytes), golden.sha256);
  tf::ModuleInfo loaded =
      tf::describe(tf::load_from_memory(std::move(download.bytes)));
  EXPECT_EQ(loaded.parameters, golden.parameters);
}

TEST(Resume, EveryAttemptKeepsItsBytesAndTheRetriesAreBounded) {
  Proxy proxy(server_port(), {1000, 100, Proxy::kNever, without_chunks});
  tf::Options options = quick();
  options.fetch_attempts = 3;
  tf::Client c("127.0.0.1", proxy.port(), options);
  try {
    c.fetch("toynet");
    FAIL() << "no error";
  } catch (const tf::ConnectionError& e) {
    EXPECT_NE(std::string(e.what()).find("gave up after 3 attempts"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(offsets_of(proxy), (std::vector<uint64_t>{0, 1000, 2000}));
}

TEST(Resume, FetchToFileResumesAndRenamesIntoPlace) {
  Proxy proxy(server_port(), {50000, 1, Proxy::kNever, without_chunks});
  TempDir dir;
  std::string target = dir.path() + "/toynet.pt";
  tf::FetchResult result =
      client(proxy.port()).fetch_to_file("toynet", tf::kLatest, target);
  EXPECT_EQ(result.offsets, (std::vector<uint64_t>{0, 50000}));
  EXPECT_EQ(tf::testing::read_text(target),
            tf::testing::read_text(tf::testing::model_file("toynet")));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()),
                          fs::directory_iterator()),
            1);  // no temporary file left
}

// --- chunk digests (protocol version 3) --------------------------------------
//
// The server cuts files into chunks of 8 MiB; every fixture model is one. So
// each test publishes (over the HTTP API, once per server) a model of three
// chunks of its own: toynet with 20 MiB of random bytes stored in its archive
// (LibTorch loads it; the extra record is never read).

constexpr uint64_t kChunk = 8u << 20;

// name:1, a padded toynet, published unless the server has it already.
tf::Manifest chunked_model(const std::string& name) {
  try {
    return client().manifest(name, 1);
  } catch (const tf::NotFoundError&) {
  }
  TempDir dir;
  std::string file = dir.path() + "/model.pt";
  EXPECT_TRUE(tf::testing::write_padded_toynet(file));
  std::string upload =
      "curl -sS -f -o /dev/null -X POST -H 'Authorization: Bearer " +
      kServer.text("token") + "' --data-binary @" + file + " http://" +
      kServer.text("http_address") + "/v1/models/" + name + "/versions";
  EXPECT_EQ(std::system(upload.c_str()), 0) << upload;
  return client().manifest(name, 1);
}

// The digests of the chunks of `bytes`, computed here.
std::vector<std::string> chunk_digests(const uint8_t* bytes, uint64_t size) {
  std::vector<std::string> out;
  for (uint64_t at = 0; at < size; at += kChunk) {
    out.push_back(tf::testing::sha256_hex(bytes + at,
                                          std::min(kChunk, size - at)));
  }
  return out;
}

TEST(Chunks, AModelOfThreeChunksIsCheckedByItsChunksAndLoads) {
  tf::Manifest published = chunked_model("chunks-three");
  ASSERT_EQ(published.chunk_size, kChunk);
  ASSERT_EQ(published.chunks.size(), 3u);
  ASSERT_GT(published.size, 2 * kChunk);
  tf::Download download = client().fetch("chunks-three");
  EXPECT_EQ(download.offsets, std::vector<uint64_t>{0});
  EXPECT_EQ(download.manifest.chunks, published.chunks);
  EXPECT_EQ(chunk_digests(download.bytes.data(), download.bytes.size()),
            published.chunks);
  EXPECT_EQ(sha256_of(download.bytes), published.sha256);
  tf::ModuleInfo loaded =
      tf::describe(tf::load_from_memory(std::move(download.bytes)));
  EXPECT_EQ(loaded.parameters, golden_manifest("toynet").parameters);

  TempDir dir;
  std::string target = dir.path() + "/model.pt";
  client().fetch_to_file("chunks-three", 1, target);
  tf::Buffer file = tf::testing::read_buffer(target);
  EXPECT_EQ(sha256_of(file), published.sha256);
}

TEST(Chunks, ACutTransferResumesAtTheStartOfTheChunkItWasIn) {
  tf::Manifest published = chunked_model("chunks-resume");
  ASSERT_EQ(published.chunks.size(), 3u);
  {  // into memory: cut 12345 bytes into chunk 1
    Proxy proxy(server_port(), {kChunk + 12345, 1, Proxy::kNever, nullptr});
    tf::Download download = client(proxy.port()).fetch("chunks-resume");
    EXPECT_EQ(offsets_of(proxy), (std::vector<uint64_t>{0, kChunk}));
    EXPECT_EQ(download.offsets, (std::vector<uint64_t>{0, kChunk}));
    EXPECT_EQ(sha256_of(download.bytes), published.sha256);
  }
  {  // to a file: cut one byte before the end of chunk 1
    Proxy proxy(server_port(), {2 * kChunk - 1, 1, Proxy::kNever, nullptr});
    TempDir dir;
    std::string target = dir.path() + "/model.pt";
    tf::FetchResult result =
        client(proxy.port()).fetch_to_file("chunks-resume", 1, target);
    EXPECT_EQ(result.offsets, (std::vector<uint64_t>{0, kChunk}));
    EXPECT_EQ(sha256_of(tf::testing::read_buffer(target)), published.sha256);
  }
  {  // cut exactly at a chunk boundary: nothing is sent again
    Proxy proxy(server_port(), {2 * kChunk, 1, Proxy::kNever, nullptr});
    tf::Download download = client(proxy.port()).fetch("chunks-resume");
    EXPECT_EQ(offsets_of(proxy), (std::vector<uint64_t>{0, 2 * kChunk}));
    EXPECT_EQ(sha256_of(download.bytes), published.sha256);
  }
}

TEST(Chunks, AFlippedByteIsNamedByItsChunkAndNothingIsLoadedOrWritten) {
  tf::Manifest published = chunked_model("chunks-flip");
  ASSERT_EQ(published.chunks.size(), 3u);
  const uint64_t flip = kChunk + 100;  // in chunk 1
  const std::string named = "chunk 1 of chunks-flip:1 (offset 8388608) ";
  {
    Proxy proxy(server_port(), {Proxy::kNever, 0, flip, nullptr});
    try {
      client(proxy.port()).load("chunks-flip");
      FAIL() << "a corrupted model was loaded";
    } catch (const tf::ChecksumError& e) {
      EXPECT_EQ(std::string(e.what()).rfind(named + "hashes to ", 0), 0u)
          << e.what();
      EXPECT_NE(std::string(e.what()).find(", the manifest says " +
                                           published.chunks[1] + ";"),
                std::string::npos)
          << e.what();
    }
    // Loaded while it arrives: the last chunk first, then from byte 0; not
    // retried. LibTorch never reads chunk 1 (the padding): the module it
    // loaded is not returned, since chunk 1 is bad.
    EXPECT_EQ(offsets_of(proxy), (std::vector<uint64_t>{2 * kChunk, 0}));
  }
  Proxy proxy(server_port(), {Proxy::kNever, 0, flip, nullptr});
  TempDir dir;
  CliRun run = cli("fetch chunks-flip -o " + dir.path() + "/model.pt " +
                   server_arg(proxy.port()));
  EXPECT_EQ(run.status, 1);
  EXPECT_EQ(run.err.rfind("torchfeed-client: " + named, 0), 0u) << run.err;
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

// --- loading while receiving (Client::load, ArrivingFile) -------------------
//
// The padded toynet's archive: toynet's records (its tensors, then the
// records LibTorch reads first), the 20 MiB padding, the central directory.
// So LibTorch reads chunk 2 (the end records) and chunk 0, never chunk 1.

tf::Options arriving_options() {
  tf::Options options = quick();
  options.load_while_receiving = true;
  return options;
}

TEST(LoadWhileReceiving, LibTorchLoadsTheModelBeforeTheLastChunkArrives) {
  tf::Manifest published = chunked_model("arriving-held");
  ASSERT_EQ(published.chunks.size(), 3u);
  // The proxy holds the transfer at the start of chunk 1 until released.
  Proxy::Rules rules{Proxy::kNever, 0, Proxy::kNever, nullptr};
  rules.hold_at = kChunk;
  Proxy proxy(server_port(), rules);
  tf::Client client("127.0.0.1", proxy.port(), arriving_options());
  auto file = std::make_shared<tf::ArrivingFile>(published);
  std::thread receiver([&] {
    try {
      client.fetch_arriving(*file);
    } catch (const tf::Error&) {  // handed to file->fail()
    }
  });
  struct Ending {  // should the load throw: the transfer let go and joined
    tf::ArrivingFile& file;
    Proxy& proxy;
    std::thread& receiver;
    ~Ending() {
      file.abandon();
      proxy.release();
      if (receiver.joinable()) receiver.join();
    }
  } ending{*file, proxy, receiver};
  torch::jit::Module module =
      tf::load_module(std::make_shared<tf::ArrivingReadAdapter>(file));
  // Loaded while chunk 1 has not arrived: chunks 2 and 0 alone are checked.
  EXPECT_EQ(file->checked(), published.size - kChunk);
  EXPECT_EQ(tf::describe(module).parameters,
            golden_manifest("toynet").parameters);
  proxy.release();
  receiver.join();
  EXPECT_EQ(file->failure(), nullptr);
  EXPECT_EQ(file->checked(), published.size);
  EXPECT_EQ(offsets_of(proxy), (std::vector<uint64_t>{2 * kChunk, 0}));
  std::vector<uint64_t> lengths;
  for (const auto& f : proxy.fetches()) lengths.push_back(f.length);
  EXPECT_EQ(lengths, (std::vector<uint64_t>{0, 2 * kChunk}));
}

// Two tensors of 16 and 8 MiB: the 8 MiB one comes with the tail (the last
// two chunks, the last being short), the 16 MiB one from byte 64 of chunk 0
// on. The proxy holds the transfer at chunk 1 until LibTorch has asked for
// the 16 MiB tensor (its first 8 MiB, in chunk 0, copied): chunk 1 is then
// received straight into the tensor's storage, never copied.
TEST(LoadWhileReceiving, ALargeTensorIsReceivedStraightIntoItsStorage) {
  TempDir dir;
  const std::string file = dir.path() + "/two.pt";
  std::string make =
      "/usr/bin/python3 -c 'import sys, torch\n"
      "torch.manual_seed(5)\n"
      "m = torch.nn.Sequential(torch.nn.Linear(2048, 2048, bias=False), "
      "torch.nn.Linear(2048, 1024, bias=False))\n"
      "torch.jit.script(m).save(sys.argv[1])' " + file;
  ASSERT_EQ(std::system(make.c_str()), 0) << make;
  std::string upload =
      "curl -sS -f -o /dev/null -X POST -H 'Authorization: Bearer " +
      kServer.text("token") + "' --data-binary @" + file + " http://" +
      kServer.text("http_address") + "/v1/models/arriving-direct/versions";
  ASSERT_EQ(std::system(upload.c_str()), 0) << upload;
  tf::Manifest published = client().manifest("arriving-direct");
  ASSERT_EQ(published.chunks.size(), 4u);

  Proxy::Rules rules{Proxy::kNever, 0, Proxy::kNever, nullptr};
  rules.hold_at = kChunk;
  Proxy proxy(server_port(), rules);
  tf::Client client("127.0.0.1", proxy.port(), arriving_options());
  auto arriving = std::make_shared<tf::ArrivingFile>(published);
  std::thread receiver([&] {
    try {
      client.fetch_arriving(*arriving);
    } catch (const tf::Error&) {  // handed to arriving->fail()
    }
  });
  std::atomic<bool> loaded{false};
  std::thread release([&] {  // once LibTorch waits for the 16 MiB tensor
    auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
    while (arriving->landings() == 0 && !loaded.load() &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
    proxy.release();  // at the deadline too: the bounds below then fail
  });
  torch::jit::Module module;
  try {
    module =
        tf::load_module(std::make_shared<tf::ArrivingReadAdapter>(arriving));
  } catch (...) {
    loaded = true;
    arriving->abandon();
    proxy.release();
    release.join();
    receiver.join();
    throw;
  }
  loaded = true;
  release.join();
  receiver.join();
  ASSERT_EQ(arriving->failure(), nullptr);
  EXPECT_EQ(arriving->checked(), published.size);
  // Copied: the 8 MiB tensor (it came with the tail), at most chunk 0's
  // part of the 16 MiB one, a few KiB of other records, and what the
  // receiving thread was already waiting for when LibTorch asked (at most
  // one space() into the buffer: 1 MiB); not the rest of chunk 1.
  EXPECT_GT(arriving->copied(), kChunk);
  EXPECT_LT(arriving->copied(), 2 * kChunk + (1 << 20) + 65536);
  torch::jit::Module from_disk = torch::jit::load(file);
  auto got = module.named_parameters();
  auto want = from_disk.named_parameters();
  ASSERT_EQ(got.size(), want.size());
  for (auto g = got.begin(), w = want.begin(); g != got.end(); ++g, ++w) {
    EXPECT_EQ((*g).name, (*w).name);
    EXPECT_TRUE(torch::equal((*g).value, (*w).value)) << (*g).name;
  }
}

TEST(LoadWhileReceiving, ABadChunkLibTorchReadsEndsTheLoadWithTheChunkNamed) {
  tf::Manifest published = chunked_model("arriving-flip");
  Proxy proxy(server_port(), {Proxy::kNever, 0, 100, nullptr});  // chunk 0
  tf::Client client("127.0.0.1", proxy.port(), arriving_options());
  try {
    client.load("arriving-flip");
    FAIL() << "a corrupted model was loaded";
  } catch (const tf::ChecksumError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(
                  "chunk 0 of arriving-flip:1 (offset 0) hashes to ", 0),
              0u)
        << e.what();
  }
  EXPECT_EQ(offsets_of(proxy), (std::vector<uint64_t>{2 * kChunk, 0}));
}

TEST(LoadWhileReceiving, ATransferCutDuringTheLoadResumesAtItsChunk) {
  tf::Manifest published = chunked_model("arriving-cut");
  const uint64_t tail = published.size - 2 * kChunk;
  // Cut 12345 bytes into chunk 1, after the tail.
  Proxy proxy(server_port(),
              {tail + kChunk + 12345, 1, Proxy::kNever, nullptr});
  tf::Client client("127.0.0.1", proxy.port(), arriving_options());
  tf::Loaded loaded = client.fetch_and_load("arriving-cut");
  EXPECT_EQ(tf::describe(loaded.module).parameters,
            golden_manifest("toynet").parameters);
  EXPECT_EQ(loaded.offsets, (std::vector<uint64_t>{2 * kChunk, 0, kChunk}));
  EXPECT_EQ(offsets_of(proxy), (std::vector<uint64_t>{2 * kChunk, 0, kChunk}));
  EXPECT_EQ(loaded.manifest.sha256, published.sha256);
}

TEST(LoadWhileReceiving, FromAServerWithoutChunkDigestsTheFileComesWhole) {
  chunked_model("arriving-older");
  Proxy proxy(server_port(), {Proxy::kNever, 0, Proxy::kNever, without_chunks});
  tf::Client client("127.0.0.1", proxy.port(), arriving_options());
  tf::Loaded loaded = client.fetch_and_load("arriving-older");
  EXPECT_EQ(tf::describe(loaded.module).parameters,
            golden_manifest("toynet").parameters);
  EXPECT_EQ(loaded.manifest.chunk_size, 0u);
  EXPECT_EQ(offsets_of(proxy), std::vector<uint64_t>{0});
}

TEST(LoadWhileReceiving, WithoutItTheWholeFileIsFetchedThenLoaded) {
  tf::Manifest published = chunked_model("arriving-off");
  Proxy proxy(server_port(), {Proxy::kNever, 0, Proxy::kNever, nullptr});
  tf::Options options = quick();
  options.load_while_receiving = false;
  tf::Client client("127.0.0.1", proxy.port(), options);
  tf::Loaded loaded = client.fetch_and_load("arriving-off");
  EXPECT_EQ(tf::describe(loaded.module).parameters,
            golden_manifest("toynet").parameters);
  EXPECT_EQ(offsets_of(proxy), std::vector<uint64_t>{0});
}

// --- checksum mismatch ------------------------------------------------------

TEST(Checksum, FlippedByteIsRefusedAndNotLoaded) {
  Proxy proxy(server_port(), {Proxy::kNever, 0, 200000, without_chunks});
  try {
    client(proxy.port()).load("toynet");
    FAIL() << "a corrupted model was loaded";
  } catch (const tf::ChecksumError& e) {
    EXPECT_NE(std::string(e.what()).find("checksum mismatch for toynet:1"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(offsets_of(proxy), std::vector<uint64_t>{0});  // not retried
}

TEST(Checksum, WithoutChunkDigestsACutTransferResumesAtTheBytesHeld) {
  Proxy proxy(server_port(), {100000, 1, Proxy::kNever, without_chunks});
  tf::Download download = client(proxy.port()).fetch("toynet");
  EXPECT_TRUE(download.manifest.chunks.empty());
  EXPECT_EQ(download.offsets, (std::vector<uint64_t>{0, 100000}));
  EXPECT_EQ(sha256_of(download.bytes), golden_manifest("toynet").sha256);
}

TEST(Checksum, CliFetchWritesNothing) {
  Proxy proxy(server_port(), {Proxy::kNever, 0, 12345, nullptr});
  TempDir dir;
  CliRun run = cli("fetch toynet -o " + dir.path() + "/toynet.pt " +
                   server_arg(proxy.port()));
  EXPECT_EQ(run.status, 1);
  // toynet is one chunk: chunk 0.
  EXPECT_EQ(run.err.rfind("torchfeed-client: chunk 0 of toynet:1 (offset 0) "
                          "hashes to ",
                          0),
            0u)
      << run.err;
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

// --- archive too new for this LibTorch -------------------------------------

TEST(FormatVersion, TooNewIsRefusedBeforeDownloading) {
  std::string too_new = std::to_string(tf::kMaxFileFormatVersion + 1);
  Proxy proxy(server_port(),
              {Proxy::kNever, 0, Proxy::kNever,
               replace("\"formatVersion\":3", "\"formatVersion\":" + too_new)});
  tf::Client c = client(proxy.port());
  try {
    c.load("toynet");
    FAIL() << "no error";
  } catch (const tf::UnsupportedArchiveError& e) {
    EXPECT_NE(std::string(e.what()).find("file format version " + too_new +
                                         ", too new for LibTorch"),
              std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(proxy.fetches().empty()) << "a FETCH was sent";
  CliRun run = cli("verify toynet " + server_arg(proxy.port()));
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.err.find("too new for LibTorch"), std::string::npos) << run.err;
}

// --- the command line -------------------------------------------------------

TEST(Cli, List) {
  CliRun run = cli("list " + server_arg());
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.out.rfind("MODEL", 0), 0u) << run.out;
  for (const std::string& name : fixture_models()) {
    EXPECT_NE(run.out.find("\n" + name + " "), std::string::npos) << run.out;
  }
  CliRun json = cli("list --json " + server_arg());
  EXPECT_EQ(json.status, 0);
  EXPECT_EQ(tf::parse_listing(json.out).models.size(),
            tf::parse_listing(client().list().json).models.size());
}

TEST(Cli, ManifestTable) {
  CliRun run = cli("manifest toynet " + server_arg());
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("toynet:1  257596 bytes  sha256 " +
                         golden_manifest("toynet").sha256 +
                         "  format version 3\nPARAMETERS (10)\n"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("  conv0.weight    [6, 1, 5, 5]   float32\n"),
            std::string::npos)
      << run.out;
}

TEST(Cli, FetchWritesTheFile) {
  TempDir dir;
  std::string target = dir.path() + "/model.pt";
  CliRun run = cli("fetch controlflow:1 -o " + target + " " + server_arg());
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.err, "");  // no progress bar: stderr is not a terminal
  EXPECT_EQ(tf::testing::read_text(target),
            tf::testing::read_text(tf::testing::model_file("controlflow")));
  EXPECT_EQ(run.out.rfind("controlflow:1 -> " + target, 0), 0u) << run.out;
}

TEST(Cli, FetchToMemoryWritesNothing) {
  auto entries = [] {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(fs::current_path())) {
      names.insert(e.path().filename().string());
    }
    return names;
  };
  std::set<std::string> before = entries();
  CliRun run = cli("fetch toynet --to-memory --parallel 3 " + server_arg());
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.out.rfind("toynet:1 -> memory, 3 clients (772788 bytes in "
                          "all, sha256 " +
                              golden_manifest("toynet").sha256 + ", ",
                          0),
            0u)
      << run.out;
  EXPECT_NE(run.out.find(" MB/s)\n"), std::string::npos) << run.out;
  EXPECT_EQ(entries(), before);  // no file written
  CliRun one = cli("fetch toynet:1 --to-memory " + server_arg());
  EXPECT_EQ(one.status, 0) << one.err;
  EXPECT_EQ(one.out.rfind("toynet:1 -> memory (257596 bytes, sha256 ", 0), 0u)
      << one.out;
}

TEST(Cli, VerifyReportsDifferences) {
  Proxy proxy(server_port(),
              {Proxy::kNever, 0, Proxy::kNever,
               replace("\"dtype\":\"float32\"", "\"dtype\":\"float16\"")});
  CliRun run = cli("verify toynet " + server_arg(proxy.port()));
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.out.find("toynet:1: 1 difference(s) between the server's "
                         "manifest and what LibTorch"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("  parameter conv0.weight: expected "
                         "float16[6, 1, 5, 5], got float32[6, 1, 5, 5]\n"),
            std::string::npos)
      << run.out;
}

TEST(Cli, FailuresAreOneLineAndExitOne) {
  CliRun refused =
      cli("list --server 127.0.0.1:" + std::to_string(closed_port()));
  EXPECT_EQ(refused.status, 1);
  EXPECT_EQ(refused.err.rfind("torchfeed-client: cannot connect to ", 0), 0u);
  EXPECT_EQ(std::count(refused.err.begin(), refused.err.end(), '\n'), 1);

  CliRun missing = cli("manifest resnet " + server_arg());
  EXPECT_EQ(missing.status, 1);
  EXPECT_EQ(missing.err, "torchfeed-client: no model named 'resnet'\n");

  for (const char* args :
       {"", "frobnicate", "fetch toynet", "list --bogus", "manifest",
        "manifest toynet:0", "fetch toynet --to-memory -o x",
        "verify toynet --to-memory", "fetch toynet -o x --parallel 2",
        "fetch toynet --to-memory --parallel 0", "list --trust-key k.pem"}) {
    CliRun usage = cli(args);
    EXPECT_EQ(usage.status, 1) << args;
    EXPECT_EQ(usage.out, "") << args;
    EXPECT_EQ(std::count(usage.err.begin(), usage.err.end(), '\n'), 1)
        << args << ": " << usage.err;
  }
  CliRun help = cli("--help");
  EXPECT_EQ(help.status, 0);
  EXPECT_EQ(help.out.rfind("usage: torchfeed-client", 0), 0u);
}

// --- the raw port
// -------------------------------------------------------------

// The simplest receiver there is, written as someone would without torchfeed:
// read until the server closes, then torch::jit::load from a stringstream.
TEST(RawPort, AClientThatReadsUntilCloseLoadsTheModel) {
  uint16_t raw_port = kServer.port("raw_address");
  ASSERT_NE(raw_port, 0);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(raw_port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof(to)), 0);
  std::string bytes;
  char chunk[65536];
  for (ssize_t n; (n = ::read(fd, chunk, sizeof(chunk))) > 0;) {
    bytes.append(chunk, static_cast<size_t>(n));
  }
  ::close(fd);
  tf::Manifest golden = golden_manifest("toynet");
  ASSERT_EQ(bytes.size(), golden.size);
  EXPECT_EQ(tf::testing::sha256_hex(
                reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()),
            golden.sha256);
  std::istringstream in(bytes);
  torch::jit::Module module = torch::jit::load(in);
  size_t parameters = 0;
  for (const auto& p : module.named_parameters(/*recurse=*/true)) {
    (void)p;
    ++parameters;
  }
  EXPECT_EQ(parameters, golden.parameters.size());
}

// --- a model saved by LibTorch 2.10 ----------------------------------------

TEST(LibTorch210, ToynetSavedBy210LoadsHere) {
  ASSERT_TRUE(tf::testing::exists(tf::testing::kToynet210))
      << "missing fixture " << tf::testing::kToynet210
      << " (toynet re-saved by LibTorch 2.10, see test-fixtures/README.md)";
  tf::Client c = client();
  tf::Manifest manifest = c.manifest("toynet-2.10");
  tf::Manifest golden = golden_manifest("toynet");
  EXPECT_EQ(manifest.parameters, golden.parameters);
  torch::jit::Module module = c.load("toynet-2.10");
  tf::ModuleInfo loaded = tf::describe(module);
  EXPECT_EQ(loaded.parameters, golden.parameters);
  EXPECT_EQ(loaded.buffers, golden.buffers);
  module.eval();
  tf::testing::ForwardCase fc = tf::testing::forward_case();
  at::Tensor output = module.forward({fc.input}).toTensor();
  EXPECT_TRUE(torch::allclose(output, fc.output, /*rtol=*/0, /*atol=*/1e-4))
      << output;
  CliRun run = cli("verify toynet-2.10 " + server_arg());
  EXPECT_EQ(run.status, 0) << run.out << run.err;
}

// --- --trust-key against this server, which signs nothing (sign_test.cpp
// has the signing one) -----------------------------------------------------

TEST(signature, AnUnsignedServerIsRefusedByAClientWithATrustKey) {
  const std::string key =
      tf::testing::kFixtures + "/protocol/signing-test-key.pub.pem";
  CliRun run = cli("manifest toynet " + server_arg() + " --trust-key " + key);
  EXPECT_EQ(run.status, 1);
  EXPECT_EQ(run.err,
            "torchfeed-client: refusing toynet: the server sent its manifest "
            "unsigned and --trust-key requires a signature (start the server "
            "with --signing-key)\n");
  tf::Options options = quick();
  options.trust_key =
      std::make_shared<const tf::TrustKey>(tf::TrustKey::load(key));
  tf::Client client("127.0.0.1", server_port(), options);
  EXPECT_THROW(client.fetch("toynet"), tf::SignatureError);
  EXPECT_EQ(tf::Client("127.0.0.1", server_port(), quick())
                .manifest("toynet")
                .name,
            "toynet");  // without a key: served as before
}
