// The torchfeed client for LibTorch programs:
//
//   torchfeed::Client client("localhost", 7070);
//   torch::jit::Module model = client.load("toynet");  // the latest version
//   auto output = model.forward({torch::ones({1, 1, 28, 28})}).toTensor();
//
// A Client holds one connection, opened on first use (HELLO sends this
// LibTorch's version) and reopened after a failure. Not thread-safe: use one
// Client per thread. Every failure is a torchfeed::Error (errors.h).
//
// To follow a model as new versions are published:
//
//   torchfeed::Watcher watcher = client.subscribe("toynet",
//       [&](torch::jit::Module module, const torchfeed::Manifest& manifest) {
//         swap_in(std::move(module));
//       });
#pragma once

#include <torch/script.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "torchfeed/errors.h"
#include "torchfeed/loading.h"
#include "torchfeed/manifest.h"
#include "torchfeed/options.h"
#include "torchfeed/protocol.h"
#include "torchfeed/signing.h"
#include "torchfeed/watcher.h"

namespace torchfeed {

constexpr uint32_t kLatest = 0;
constexpr uint16_t kDefaultPort = 7070;
// Sent in HELLO with kLibTorchVersion.
extern const char* const kSoftware;

namespace detail {
class Connection;
class Sink;
}  // namespace detail

struct FetchResult {
  Manifest manifest;  // of the version served, from its FETCH_HEADER
  // The offset of every FETCH sent: {0}, or e.g. {0, 65536} when resumed.
  std::vector<uint64_t> offsets;
};

struct Download : FetchResult {
  Buffer bytes;  // the whole file, its sha256 checked
};

class Client {
 public:
  Client(std::string host, uint16_t port = kDefaultPort, Options options = {});
  ~Client();
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;

  // Every servable model with its versions, and every rejected file.
  Listing list();
  // NotFoundError when there is no such model or version.
  Manifest manifest(const std::string& name, uint32_t version = kLatest);

  // The file in one buffer sized from the size header, hashed as it
  // arrives; ChecksumError when it does not match the server's sha256.
  Download fetch(const std::string& name, uint32_t version = kLatest);
  // fetch(), but first refuses (UnsupportedArchiveError) an archive whose
  // formatVersion is too new for this LibTorch, before any byte is sent.
  Download fetch_loadable(const std::string& name, uint32_t version = kLatest);
  // Writes the file to path atomically: a temporary file next to it, synced
  // and renamed over path once its sha256 is checked.
  FetchResult fetch_to_file(const std::string& name, uint32_t version,
                            const std::string& path);

  // fetch_loadable() and load_from_memory(): the buffer is freed once the
  // module is loaded. LoadError when LibTorch cannot load it.
  torch::jit::Module load(const std::string& name, uint32_t version = kLatest,
                          c10::optional<c10::Device> device = c10::nullopt);

  // Follows models as new versions are published (watcher.h): a Watcher on
  // this client's server with its options, already started on a thread of
  // its own. It loads each new version, hands it to the callback and sends
  // the server a receipt, until it is stopped or destroyed.
  Watcher subscribe(const std::string& name, LoadCallback callback,
                    WatchOptions watch = {});
  // Several models; none: every model, also those that appear later.
  Watcher subscribe(const std::vector<std::string>& names,
                    LoadCallback callback, WatchOptions watch = {});
  // subscribe({"toynet", "bnnet"}, ...); subscribe({}, ...): every model.
  Watcher subscribe(std::initializer_list<std::string> names,
                    LoadCallback callback, WatchOptions watch = {});

  // The server's SERVER_HELLO (connects if needed).
  const protocol::Hello& server_hello();

 private:
  detail::Connection& connection();
  void disconnect();
  // The answer: a frame of type `answer` or `alternative` (a signed one).
  protocol::Frame call(const protocol::Bytes& request,
                       protocol::FrameType answer,
                       std::optional<protocol::FrameType> alternative = {});
  FetchResult transfer(const std::string& name, uint32_t version, bool loadable,
                       detail::Sink& sink);
  FetchResult receive(const Manifest& wanted, bool loadable, detail::Sink& sink,
                      std::string& sha256);

  std::string host_;
  uint16_t port_;
  Options options_;
  std::unique_ptr<detail::Connection> connection_;
  protocol::Hello server_hello_;
};

}  // namespace torchfeed
