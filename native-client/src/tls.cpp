#include "tls.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "torchfeed/errors.h"

namespace torchfeed::detail {
namespace {

// The reason of OpenSSL's last error, e.g. "wrong version number".
std::string openssl_reason() {
  unsigned long last = 0;
  while (unsigned long e = ERR_get_error()) last = e;
  if (last == 0) return "";
  const char* reason = ERR_reason_error_string(last);
  return reason != nullptr ? reason : "error " + std::to_string(last);
}

bool is_ip_address(const std::string& host) {
  unsigned char buffer[sizeof(in6_addr)];
  return ::inet_pton(AF_INET, host.c_str(), buffer) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

// SSL_write may write to a socket the server closed: SIGPIPE would end the
// process. While it lives, SIGPIPE is blocked in this thread, and one raised
// by the write is taken off the pending set (a library must not change the
// process's signal handling).
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    if (!was_pending_) pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~SigpipeGuard() {
    if (was_pending_) return;
    sigset_t pending;
    sigpending(&pending);
    if (sigismember(&pending, SIGPIPE) == 1) {
      timespec zero{0, 0};
      while (sigtimedwait(&pipe_, nullptr, &zero) < 0 && errno == EINTR) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

 private:
  sigset_t pipe_;
  sigset_t old_;
  bool was_pending_ = false;
};

TlsSession::Result transferred(int n) {
  TlsSession::Result result;
  result.bytes = static_cast<size_t>(n);
  return result;
}

}  // namespace

struct TlsSession::Impl {
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  int fd = -1;

  ~Impl() {
    if (ssl != nullptr) SSL_free(ssl);
    if (ctx != nullptr) SSL_CTX_free(ctx);
  }
};

TlsSession::TlsSession(int fd, const std::string& host,
                       const TlsOptions& options, const std::string& peer)
    : impl_(std::make_unique<Impl>()) {
  impl_->fd = fd;
  ERR_clear_error();
  impl_->ctx = SSL_CTX_new(TLS_client_method());
  if (impl_->ctx == nullptr) {
    throw Error("cannot set up TLS: " + openssl_reason());
  }
  SSL_CTX_set_min_proto_version(impl_->ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify(impl_->ctx, SSL_VERIFY_PEER, nullptr);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
  // A close without close_notify is the end of the stream, as on a plain
  // socket: every transfer is framed and its sha256 checked anyway.
  SSL_CTX_set_options(impl_->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
  if (::access(options.ca_file.c_str(), R_OK) != 0) {
    throw Error("cannot read CA file " + options.ca_file + ": " +
                std::strerror(errno));
  }
  if (SSL_CTX_load_verify_locations(impl_->ctx, options.ca_file.c_str(),
                                    nullptr) != 1) {
    std::string reason = openssl_reason();
    throw Error("cannot read CA file " + options.ca_file + ": " +
                (reason.empty() ? "no PEM certificate in it" : reason));
  }
  impl_->ssl = SSL_new(impl_->ctx);
  if (impl_->ssl == nullptr || SSL_set_fd(impl_->ssl, fd) != 1) {
    throw Error("cannot set up TLS: " + openssl_reason());
  }
  const std::string& name =
      options.server_name.empty() ? host : options.server_name;
  bool named = true;
  if (is_ip_address(name)) {
    named = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(impl_->ssl),
                                          name.c_str()) == 1;
  } else {
    named = SSL_set1_host(impl_->ssl, name.c_str()) == 1 &&
            SSL_set_tlsext_host_name(impl_->ssl, name.c_str()) == 1;
  }
  if (!named) throw Error("cannot verify the TLS server name '" + name + "'");

  int rc;
  {
    SigpipeGuard guard;
    rc = SSL_connect(impl_->ssl);
  }
  if (rc == 1) return;
  const std::string prefix = "TLS handshake with " + peer + " failed: ";
  long verified = SSL_get_verify_result(impl_->ssl);
  int error = SSL_get_error(impl_->ssl, rc);
  int err = errno;
  if (verified != X509_V_OK) {
    ERR_clear_error();
    throw TlsError(prefix + "certificate verify failed (" +
                   X509_verify_cert_error_string(verified) + ")");
  }
  if (error == SSL_ERROR_SSL) {
    std::string reason = openssl_reason();
    if (reason == "wrong version number" ||
        reason == "packet length too long") {
      reason += " (is the server using TLS?)";
    }
    throw TlsError(prefix + reason);
  }
  ERR_clear_error();
  if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
    throw ConnectionError(prefix + "timed out");
  }
  throw ConnectionError(prefix + (err == 0 || rc == 0
                                      ? "the server closed the connection"
                                      : std::strerror(err)));
}

TlsSession::~TlsSession() = default;

TlsSession::Result TlsSession::failure(int rc) {
  int error = SSL_get_error(impl_->ssl, rc);
  int err = errno;
  Result result;
  switch (error) {
    case SSL_ERROR_ZERO_RETURN:
      result.failure = Failure::kClosed;
      break;
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:  // SO_RCVTIMEO / SO_SNDTIMEO ran out
      result.failure = Failure::kTimedOut;
      break;
    case SSL_ERROR_SYSCALL:
      result.failure = err == 0 ? Failure::kClosed : Failure::kSocket;
      result.err = err;
      break;
    default:
      result.failure = Failure::kTls;
      result.detail = openssl_reason();
  }
  ERR_clear_error();
  return result;
}

TlsSession::Result TlsSession::write(const uint8_t* data, size_t n) {
  ERR_clear_error();
  int rc;
  {
    SigpipeGuard guard;
    rc = SSL_write(impl_->ssl, data,
                   static_cast<int>(std::min<size_t>(n, INT_MAX)));
  }
  if (rc > 0) return transferred(rc);
  return failure(rc);
}

TlsSession::Result TlsSession::read(uint8_t* out, size_t max) {
  ERR_clear_error();
  int rc = SSL_read(impl_->ssl, out,
                    static_cast<int>(std::min<size_t>(max, INT_MAX)));
  if (rc > 0) return transferred(rc);
  return failure(rc);
}

bool TlsSession::pending() const { return SSL_pending(impl_->ssl) > 0; }

bool TlsSession::data_ready() {
  int flags = ::fcntl(impl_->fd, F_GETFL);
  ::fcntl(impl_->fd, F_SETFL, flags | O_NONBLOCK);
  ERR_clear_error();
  uint8_t byte;
  int rc = SSL_peek(impl_->ssl, &byte, 1);
  int error = rc > 0 ? SSL_ERROR_NONE : SSL_get_error(impl_->ssl, rc);
  ERR_clear_error();
  ::fcntl(impl_->fd, F_SETFL, flags);
  return error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE;
}

}  // namespace torchfeed::detail
