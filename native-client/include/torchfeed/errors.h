// The exceptions of the torchfeed client. Every what() is one line of English
// meant to be shown to a person as it is.
//
//   Error                       base of everything below
//     ConnectionError           cannot connect, connection lost, timed out
//     TlsError                  the TLS handshake failed: the server's
//                               certificate is not trusted or names another
//                               host, or the server does not speak TLS;
//                               or a plaintext client met a TLS port
//     ProtocolError             the peer does not follow docs/protocol.md
//     RemoteError               the server answered with an ERROR frame
//       NotFoundError           ... with code NOT_FOUND
//     ChecksumError             the bytes do not hash to the announced sha256
//     ReplicaMismatchError      two servers of one list serve different bytes
//                               (sha256) for the same model version
//     SignatureError            --trust-key: a manifest not signed by that key
//     UnsupportedArchiveError   the archive is too new for this LibTorch
//     LoadError                 LibTorch could not load the bytes
//     CancelledError            Cancellation::cancel() (or Watcher::stop())
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace torchfeed {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ConnectionError : public Error {
 public:
  using Error::Error;
};

// Not a ConnectionError: retrying would meet the same certificate.
class TlsError : public Error {
 public:
  using Error::Error;
};

class ProtocolError : public Error {
 public:
  using Error::Error;
};

class RemoteError : public Error {
 public:
  RemoteError(uint16_t code, bool fatal, const std::string& message)
      : Error(message), code_(code), fatal_(fatal) {}

  // The ERROR frame's code (protocol::ErrorCode).
  uint16_t code() const { return code_; }
  // True when the server closed the connection after the error.
  bool fatal() const { return fatal_; }

 private:
  uint16_t code_;
  bool fatal_;
};

class NotFoundError : public RemoteError {
 public:
  using RemoteError::RemoteError;
};

class ChecksumError : public Error {
 public:
  using Error::Error;
};

// A transfer resumed on another server of the list (Endpoint) was announced
// another sha256 for the same version than the one it started with: the
// replicas do not hold the same file. Not retried; what() names both servers.
class ReplicaMismatchError : public Error {
 public:
  using Error::Error;
};

// A client with a trust key refused a manifest (signing.h): unsigned, signed
// by another key, altered, or not the manifest of what was asked or sent.
class SignatureError : public Error {
 public:
  using Error::Error;
};

class UnsupportedArchiveError : public Error {
 public:
  using Error::Error;
};

class LoadError : public Error {
 public:
  using Error::Error;
};

class CancelledError : public Error {
 public:
  CancelledError() : Error("cancelled") {}
};

}  // namespace torchfeed
