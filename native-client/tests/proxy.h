// A TCP proxy for tests, between a client and a real torchfeed server. It
// reads the server's frames, so it can cut a transfer after N payload bytes,
// flip a payload byte, tamper with a frame, or rewrite the JSON documents the
// server sends; and it
// records the HELLO and FETCH requests the client sends.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "torchfeed/protocol.h"

namespace torchfeed::testing {

class Proxy {
 public:
  static constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();

  struct Rules {
    // On the first `cut_connections` connections, close after forwarding
    // this many raw FETCH payload bytes.
    uint64_t cut_after = kNever;
    int cut_connections = 1;
    // Flip every bit of the file's byte at this offset, on every connection.
    uint64_t flip_at = kNever;
    // Applied to every JSON document from the server (LIST_RESULT,
    // MANIFEST_RESULT and the manifest in FETCH_HEADER).
    std::function<std::string(const std::string&)> rewrite_json;
    // Called with the type of every frame from the server; what it returns
    // (whole frames) goes to the client before that frame.
    std::function<protocol::Bytes(uint8_t type)> inject_before;
    // Applied first to the payload of every frame from the server (it must
    // keep the frame's layout), e.g. to flip a byte of a signature.
    std::function<void(uint8_t type, protocol::Bytes& payload)> tamper;
    // Stop forwarding a FETCH payload when it reaches this offset of the
    // file, until release() (or the proxy's end).
    uint64_t hold_at = kNever;
  };

  Proxy(uint16_t server_port, Rules rules);
  ~Proxy();
  Proxy(const Proxy&) = delete;
  Proxy& operator=(const Proxy&) = delete;

  uint16_t port() const { return port_; }
  std::vector<protocol::Hello> hellos() const;
  std::vector<protocol::FetchRequest> fetches() const;
  std::vector<std::vector<std::string>> subscriptions() const;
  std::vector<protocol::Receipt> receipts() const;
  int connections() const { return connections_; }
  // Lets a transfer held at Rules::hold_at go on.
  void release();

 private:
  void accept_loop();
  void relay(int client, int server, int index);
  void upstream(int client, int server);
  void downstream(int client, int server, int index);
  void record(uint8_t type, const protocol::Bytes& payload);

  uint16_t server_port_;
  Rules rules_;
  int listener_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::mutex hold_mutex_;
  std::condition_variable held_;
  bool released_ = false;
  std::atomic<int> connections_{0};
  std::thread acceptor_;
  mutable std::mutex mutex_;
  std::vector<std::thread> relays_;
  std::vector<int> sockets_;
  std::vector<protocol::Hello> hellos_;
  std::vector<protocol::FetchRequest> fetches_;
  std::vector<std::vector<std::string>> subscriptions_;
  std::vector<protocol::Receipt> receipts_;
};

}  // namespace torchfeed::testing
