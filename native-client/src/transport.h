// A blocking TCP connection with connect and read timeouts, reading and
// writing whole frames (the framing is protocol.h's), plaintext or, with
// TlsOptions, through TLS (tls.h) on the same socket. With a Cancellation,
// cancel() shuts the socket down from another thread: a blocked connect,
// read, wait or write then throws CancelledError.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "tls.h"
#include "torchfeed/options.h"
#include "torchfeed/protocol.h"

namespace torchfeed::detail {

class Connection {
 public:
  // ConnectionError when host does not resolve, refuses or times out;
  // with tls.ca_file, TlsError when the TLS handshake is refused.
  Connection(const std::string& host, uint16_t port,
             std::chrono::milliseconds connect_timeout,
             std::chrono::milliseconds read_timeout,
             std::shared_ptr<Cancellation> cancellation = nullptr,
             const TlsOptions& tls = {});
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void write_all(const protocol::Bytes& bytes);
  // Reads at least one byte and at most max; ConnectionError on end of
  // stream, error or read timeout.
  size_t read_some(uint8_t* out, size_t max);
  void read_exact(uint8_t* out, size_t n);
  // Waits up to `timeout` for the server to send something (or close);
  // false when it sent nothing.
  bool wait_readable(std::chrono::milliseconds timeout);
  // One frame; ProtocolError when its length is over max_payload.
  protocol::Frame read_frame(uint32_t max_payload);

  // Plaintext: waits for the next byte like a read and returns it without
  // consuming it; nullopt at once with TLS.
  std::optional<uint8_t> peek_byte();

  const std::string& peer() const { return peer_; }

 private:
  // Throws CancelledError when the failure was cancel()'s doing.
  void check_cancelled() const;
  // Throws the ConnectionError (or CancelledError) for a TLS read or write
  // that moved no bytes.
  [[noreturn]] void tls_failed(const TlsSession::Result& result,
                               const std::string& doing);

  // Plaintext recv() of at least one byte with `flags`; ConnectionError as
  // read_some.
  size_t recv_some(uint8_t* out, size_t max, int flags);

  int fd_ = -1;
  std::string peer_;
  std::chrono::milliseconds read_timeout_;
  std::shared_ptr<Cancellation> cancellation_;
  std::unique_ptr<TlsSession> tls_;  // null: plaintext
};

}  // namespace torchfeed::detail
