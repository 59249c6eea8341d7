// Following models as new versions are published (docs/protocol.md 5.7-5.9):
//
//   torchfeed::Watcher watcher("localhost", 7070, {"toynet"},
//       [&](torch::jit::Module module, const torchfeed::Manifest& manifest) {
//         swap_in(std::move(module));  // throw to report the load as failed
//       });
//   watcher.start();  // or run() in a thread of your own
//   ...
//   watcher.stop();
//
// For each version published the watcher fetches it (sha256 checked, an
// archive too new for this LibTorch refused), loads it from memory, hands
// the module to the callback and sends the server a receipt: loaded, or
// failed with the one-line reason when the fetch, the check, the load or the
// callback threw. The server shows the receipts in GET /v1/clients.
//
// * One connection subscribes and carries the receipts; each round of
//   fetches uses a connection of its own (a Client), so the notices never
//   interleave with a transfer.
// * On (re)connecting it subscribes, then asks the latest version of every
//   model followed: it loads the versions published while it was not
//   connected and, with WatchOptions::load_current, the current ones at start.
// * A `published` notice of a version older than the one loaded, or of the
//   very bytes loaded, is ignored, as are notices of models not followed. A
//   `removed` notice of the version loaded loads the model's latest (a
//   rollback).
// * When the connection drops it reconnects (WatchOptions::reconnect_delay,
//   doubled up to max_reconnect_delay) and subscribes again; after
//   ping_interval without a notice it resends SUBSCRIBE to check the server.
//   When the server ends the connection it follows notices on with a fatal
//   ERROR UNAVAILABLE (it is shutting down), it reconnects at once.
// * Given several servers (replicas), it subscribes to one (picked at random,
//   or the first with Options::in_order), and reconnects to the next in the
//   list when that connection drops; a server that refuses or answers
//   UNAVAILABLE is passed over at once. Its fetches start at the server it
//   subscribed to and fail over as a Client's do.
#pragma once

#include <torch/script.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "torchfeed/endpoint.h"
#include "torchfeed/manifest.h"
#include "torchfeed/options.h"

namespace torchfeed {

// Takes a loaded version; throwing reports it to the server as failed, with
// the exception's first line as the reason.
using LoadCallback =
    std::function<void(torch::jit::Module module, const Manifest& manifest)>;

// Hears what a Watcher does, on the watcher's thread. Every method does
// nothing by default; an exception thrown here ends run().
class WatchListener {
 public:
  virtual ~WatchListener() = default;
  // Connected, subscribed to these names (empty: every model) and caught
  // up: what was published while not connected (and, with load_current, at
  // start what is current) has been loaded. Then come the notices.
  virtual void watching(const std::vector<std::string>& /*names*/) {}
  // A notice arrived, before the watcher acts on it.
  virtual void notice(const Event& /*event*/) {}
  // The callback took this version and the server has the loaded receipt.
  virtual void loaded(const Manifest& /*manifest*/) {}
  // This version could not be fetched, checked, loaded or taken by the
  // callback; the server has the failed receipt when receipt_sent (none is
  // sent when the server no longer has the version).
  virtual void failed(const std::string& /*name*/, uint32_t /*version*/,
                      const std::string& /*reason*/, bool /*receipt_sent*/) {}
  // The connection failed; the watcher reconnects after retry_in.
  virtual void disconnected(const std::string& /*reason*/,
                            std::chrono::milliseconds /*retry_in*/) {}
};

struct WatchOptions {
  // Also load the latest version of every model followed at start.
  bool load_current = false;
  // Where the modules are loaded (default: where they were saved).
  c10::optional<c10::Device> device;
  // First wait before reconnecting; doubled after each failed attempt, up
  // to max_reconnect_delay.
  std::chrono::milliseconds reconnect_delay{1000};
  std::chrono::milliseconds max_reconnect_delay{30000};
  // Resend SUBSCRIBE after this long without a notice.
  std::chrono::milliseconds ping_interval{60000};
  // May be empty.
  std::shared_ptr<WatchListener> listener;
};

class Watcher {
 public:
  // names: the models to follow; none: every model, also those that appear
  // later. options: as for a Client; their cancellation is replaced by the
  // watcher's own (stop()).
  Watcher(std::string host, uint16_t port, std::vector<std::string> names,
          LoadCallback callback, WatchOptions watch = {}, Options options = {});
  // Several replicas serving the same models (at least one).
  Watcher(std::vector<Endpoint> servers, std::vector<std::string> names,
          LoadCallback callback, WatchOptions watch = {}, Options options = {});
  // stop(), and waits for the thread of start().
  ~Watcher();
  Watcher(Watcher&&) noexcept;
  Watcher& operator=(Watcher&&) noexcept;

  // Watches in this thread until stop(); connection failures are retried.
  // Throws RemoteError when the server refuses the subscription (e.g. an
  // invalid name): retrying would not help. Runs once per Watcher.
  void run();
  // run() on a thread the watcher owns.
  void start();
  // Makes run() return: ends the wait for a notice, a wait to reconnect and
  // a transfer in progress. From any thread, also from the callback and the
  // listener; does not wait.
  void stop();
  // Waits for the thread of start() to end; rethrows what run() threw.
  void wait();

  // The manifest of the version last loaded, per model name.
  std::map<std::string, Manifest> loaded() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace torchfeed
