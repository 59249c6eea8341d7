// The torchfeed client for LibTorch programs (the CMake target
// torchfeed::client):
//
//   torchfeed::Client client("localhost", 7070);
//   torch::jit::Module model = client.load("toynet");  // the latest version
//   auto output = model.forward({torch::ones({1, 1, 28, 28})}).toTensor();
//
// A Client is a FetchClient (fetch_client.h: list, manifest, fetch, without
// LibTorch) that also loads models and follows them. It holds one
// connection, opened on first use (HELLO sends this LibTorch's version) and
// reopened after a failure. Not thread-safe: use one Client per thread.
// Every failure is a torchfeed::Error (errors.h).
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
#include <string>
#include <utility>
#include <vector>

#include "torchfeed/errors.h"
#include "torchfeed/fetch_client.h"
#include "torchfeed/loading.h"
#include "torchfeed/manifest.h"
#include "torchfeed/options.h"
#include "torchfeed/protocol.h"
#include "torchfeed/signing.h"
#include "torchfeed/version.h"
#include "torchfeed/watcher.h"

namespace torchfeed {

// A module loaded from a server, with how its bytes came (fetch_client.h).
struct Loaded : FetchResult {
  torch::jit::Module module;
};

class Client : public FetchClient {
 public:
  Client(std::string host, uint16_t port = kDefaultPort, Options options = {})
      : FetchClient(std::move(host), port, std::move(options)) {}
  // Several replicas serving the same models (fetch_client.h: failover).
  explicit Client(std::vector<Endpoint> servers, Options options = {})
      : FetchClient(std::move(servers), std::move(options)) {}

  // The version loaded with this LibTorch, its bytes freed once it is.
  // A model of two chunks or more from a server with chunk digests is loaded
  // while it arrives (Options::load_while_receiving): LibTorch starts once
  // the last chunk and the first are in, each of its reads waiting until the
  // chunks it covers are checked, and the module is returned once every
  // chunk is checked. Otherwise fetch_loadable() and load_from_memory().
  // ChecksumError (a bad chunk, nothing returned), LoadError when LibTorch
  // cannot load it, or the error that ended the transfer.
  torch::jit::Module load(const std::string& name, uint32_t version = kLatest,
                          c10::optional<c10::Device> device = c10::nullopt);
  // load(), with the manifest of the version loaded and how it came.
  Loaded fetch_and_load(const std::string& name, uint32_t version = kLatest,
                        c10::optional<c10::Device> device = c10::nullopt);

  // Follows models as new versions are published (watcher.h): a Watcher on
  // this client's servers with its options, already started on a thread of
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
};

}  // namespace torchfeed
