// TLS over a connected blocking socket, with OpenSSL: the client side of
// docs/protocol.md 8. The socket stays the Connection's (transport.h); this
// only encrypts what goes through it. Reads go straight into the caller's
// buffer (SSL_read decrypts in place there: no extra copy of a model).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "torchfeed/options.h"

namespace torchfeed::detail {

class TlsSession {
 public:
  // Handshakes over fd (connected, blocking, with its timeouts set):
  // verifies the chain against options.ca_file and the name against
  // options.server_name, else host. `peer` names the server in messages.
  // Throws Error for an unreadable CA file, TlsError when the handshake is
  // refused, ConnectionError when the connection fails during it.
  TlsSession(int fd, const std::string& host, const TlsOptions& options,
             const std::string& peer);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // Outcome of a read or write that did not move bytes.
  enum class Failure { kClosed, kTimedOut, kSocket, kTls };
  struct Result {
    size_t bytes = 0;  // > 0 on success
    Failure failure = Failure::kClosed;
    int err = 0;         // errno for kSocket
    std::string detail;  // OpenSSL's reason for kTls
  };

  Result write(const uint8_t* data, size_t n);
  Result read(uint8_t* out, size_t max);
  // Decrypted bytes already buffered (no need to wait for the socket).
  bool pending() const;
  // After poll() said readable: true when application data (or the end of
  // the connection) is there; false when the record was TLS-only (e.g. a
  // TLS 1.3 session ticket), consumed without blocking.
  bool data_ready();

 private:
  Result failure(int rc);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace torchfeed::detail
