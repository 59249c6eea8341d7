// The conversation on a connection (docs/protocol.md 3): the hello, and a
// subscribed connection read by frame type.
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "torchfeed/manifest.h"
#include "torchfeed/protocol.h"
#include "transport.h"

namespace torchfeed::detail {

// Sends HELLO (this client's software and LibTorch) and reads SERVER_HELLO:
// RemoteError for an ERROR, ProtocolError for anything else or another
// protocol version.
protocol::Hello handshake(Connection& connection,
                          uint16_t version = protocol::kVersion);

// NotFoundError for NOT_FOUND, else RemoteError.
[[noreturn]] void throw_remote(const protocol::ErrorMessage& error);

// A connection that subscribes to notices. Requests go one at a time; every
// frame that comes is read by its type: a NOTICE is queued for next(), any
// other frame answers the request waiting, and a fatal ERROR ends the
// connection even when no request waits (a subscriber that fell behind).
// So NOTICEs that arrive before SUBSCRIBED or RECEIPT_OK are kept, in order.
class NoticeChannel {
 public:
  // At most this many notices queued while an answer is awaited.
  static constexpr size_t kMaxQueued = 100000;

  explicit NoticeChannel(std::unique_ptr<Connection> connection);

  // SUBSCRIBE (no names: every model); the names SUBSCRIBED lists.
  std::vector<std::string> subscribe(const std::vector<std::string>& names);
  // RECEIPT, answered by RECEIPT_OK.
  void receipt(const protocol::Receipt& receipt);
  // The next notice: queued, or read within `wait`; nullopt when none came.
  std::optional<Event> next(std::chrono::milliseconds wait);

  Connection& connection() { return *connection_; }

 private:
  protocol::Frame call(const protocol::Bytes& request,
                       protocol::FrameType answer);
  // A NOTICE is queued: true. An ERROR is thrown (a non-fatal one only
  // when an answer is `awaited`). Any other frame: false.
  bool take(const protocol::Frame& frame, bool awaited);

  std::unique_ptr<Connection> connection_;
  std::deque<Event> queue_;
};

}  // namespace torchfeed::detail
