// How a Client connects, waits and retries, and how its calls are cancelled
// from another thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace torchfeed {

namespace detail {
class Connection;
}  // namespace detail

class TrustKey;  // signing.h

// Cancels, from any thread, the work of every Client (and Watcher) whose
// Options carry it: the connections they use are shut down, their waits end,
// and every call in progress or made later throws CancelledError. Final.
class Cancellation {
 public:
  void cancel();
  bool cancelled() const;
  // Waits for `delay`; false, as soon as it happens, when cancelled.
  bool sleep_for(std::chrono::milliseconds delay) const;

 private:
  friend class detail::Connection;
  // A socket to shut down on cancel(); CancelledError if already cancelled.
  void add(int fd);
  // Before the socket is closed (so that its number is never reused here).
  void remove(int fd);

  mutable std::mutex mutex_;
  mutable std::condition_variable cancelled_changed_;
  bool cancelled_ = false;
  std::vector<int> sockets_;
};

// TLS (docs/protocol.md 8): off while ca_file is empty. The server's
// certificate chain must lead to a CA certificate of ca_file (a PEM file;
// the system's CAs are not consulted) and name the server: server_name, or
// else the host connected to (a DNS name, or an IP address in the
// certificate's subject alternative names). A DNS name is also sent as SNI.
// TLS 1.2 and 1.3 only.
struct TlsOptions {
  std::string ca_file;
  std::string server_name;
};

struct Options {
  std::chrono::milliseconds connect_timeout{10000};
  // Give up when the server sends nothing for this long.
  std::chrono::milliseconds read_timeout{60000};
  // Rounds of FETCH attempts per transfer: in each round every server of
  // the list is tried once (with one server, a round is one attempt). A
  // transfer cut short is resumed at the start of the first chunk not wholly
  // received (without chunk digests: at the bytes held), on the next server
  // of the list.
  int fetch_attempts = 5;
  // Wait before the next round; doubled before each next one.
  std::chrono::milliseconds retry_backoff{200};
  // With several servers (Endpoint): false, a client starts at one picked at
  // random (spreading the clients over the replicas); true, at the first,
  // then in the order given. Either way it moves on to the next when one
  // refuses, drops the connection or answers ERROR UNAVAILABLE.
  bool in_order = false;
  // Told (bytes held, total size) as a transfer advances, on the thread that
  // runs it (with load_while_receiving, a thread of Client::load's own); may
  // be empty.
  std::function<void(uint64_t, uint64_t)> progress;
  // May be empty; see Cancellation.
  std::shared_ptr<Cancellation> cancellation;
  TlsOptions tls;
  // May be empty. Set: every manifest must be signed by this key (signing.h),
  // else SignatureError before anything is written or loaded.
  std::shared_ptr<const TrustKey> trust_key;
  // True: with chunk digests (protocol version 3) each chunk is checked, as
  // soon as it is whole, on a pool of hardware_concurrency() threads; without
  // them, a fetch into memory of 4 MiB or more is hashed (sha256) on a thread
  // of its own while it arrives. Either way a fetch into memory has its
  // buffer's pages faulted in ahead of the bytes by another thread, so the
  // receiving thread only copies. False: the receiving thread faults,
  // receives and hashes (one core, slower).
  bool hash_on_thread = true;
  // True: Client::load (and a Watcher) start LibTorch on a model of two
  // chunks or more while it arrives, its last chunk fetched first
  // (native-client/README.md); every byte LibTorch reads is checked first, and
  // the module is returned only once every chunk is. False, or from a server
  // without chunk digests: the whole file is fetched and checked, then
  // loaded.
  bool load_while_receiving = true;
};

}  // namespace torchfeed
