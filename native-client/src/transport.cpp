#include "transport.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

#include "torchfeed/errors.h"

namespace torchfeed::detail {
namespace {

std::string seconds(std::chrono::milliseconds d) {
  auto ms = d.count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s"
                        : std::to_string(ms) + " ms";
}

std::string error_text(int err) {
  switch (err) {
    case ECONNREFUSED:
      return "connection refused";
    case ETIMEDOUT:
      return "timed out";
    case ECONNRESET:
      return "connection reset by the server";
    case EPIPE:
      return "the server closed the connection";
    default:
      return std::strerror(err);
  }
}

timeval to_timeval(std::chrono::milliseconds d) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(d.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((d.count() % 1000) * 1000);
  return tv;
}

// Connects the socket fd to one address within the timeout; returns 0, or
// -1 with errno set.
int connect_one(int fd, const addrinfo* ai, std::chrono::milliseconds timeout) {
  int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
  if (rc != 0 && errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    do {
      rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
    } while (rc < 0 && errno == EINTR);
    if (rc == 0) {
      errno = ETIMEDOUT;
      rc = -1;
    } else if (rc > 0) {
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      errno = err;
      rc = err == 0 ? 0 : -1;
    }
  }
  if (rc != 0) return -1;
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  return 0;
}

}  // namespace

}  // namespace torchfeed::detail

namespace torchfeed {

void Cancellation::cancel() {
  std::lock_guard<std::mutex> lock(mutex_);
  cancelled_ = true;
  for (int fd : sockets_) ::shutdown(fd, SHUT_RDWR);
  cancelled_changed_.notify_all();
}

bool Cancellation::cancelled() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return cancelled_;
}

bool Cancellation::sleep_for(std::chrono::milliseconds delay) const {
  std::unique_lock<std::mutex> lock(mutex_);
  return !cancelled_changed_.wait_for(lock, delay,
                                      [this] { return cancelled_; });
}

void Cancellation::add(int fd) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (cancelled_) throw CancelledError();
  sockets_.push_back(fd);
}

void Cancellation::remove(int fd) {
  std::lock_guard<std::mutex> lock(mutex_);
  sockets_.erase(std::remove(sockets_.begin(), sockets_.end(), fd),
                 sockets_.end());
}

}  // namespace torchfeed

namespace torchfeed::detail {

Connection::Connection(const std::string& host, uint16_t port,
                       std::chrono::milliseconds connect_timeout,
                       std::chrono::milliseconds read_timeout,
                       std::shared_ptr<Cancellation> cancellation,
                       const TlsOptions& tls)
    : peer_((host.find(':') != std::string::npos ? "[" + host + "]" : host) +
            ":" + std::to_string(port)),
      read_timeout_(read_timeout),
      cancellation_(std::move(cancellation)) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  int rc =
      ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (rc != 0) {
    throw ConnectionError("cannot connect to " + peer_ + ": " +
                          ::gai_strerror(rc));
  }
  int err = 0;
  for (const addrinfo* ai = found; ai != nullptr && fd_ < 0; ai = ai->ai_next) {
    int fd =
        ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                 ai->ai_protocol);
    if (fd < 0) {
      err = errno;
      continue;
    }
    try {
      if (cancellation_) cancellation_->add(fd);
    } catch (...) {
      ::close(fd);
      ::freeaddrinfo(found);
      throw;
    }
    if (connect_one(fd, ai, connect_timeout) == 0) {
      fd_ = fd;
      break;
    }
    err = errno;
    if (cancellation_) cancellation_->remove(fd);
    ::close(fd);
    if (cancellation_ && cancellation_->cancelled()) {
      ::freeaddrinfo(found);
      throw CancelledError();
    }
  }
  ::freeaddrinfo(found);
  if (fd_ < 0) {
    throw ConnectionError("cannot connect to " + peer_ + ": " +
                          (err == ETIMEDOUT
                               ? "timed out after " + seconds(connect_timeout)
                               : error_text(err)));
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (!tls.ca_file.empty()) {
    // The handshake is part of connecting: it has the connect timeout.
    timeval handshake = to_timeval(connect_timeout);
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &handshake, sizeof handshake);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &handshake, sizeof handshake);
    try {
      tls_ = std::make_unique<TlsSession>(fd_, host, tls, peer_);
    } catch (...) {
      if (cancellation_) cancellation_->remove(fd_);
      ::close(fd_);
      fd_ = -1;
      check_cancelled();
      throw;
    }
  }
  timeval tv = to_timeval(read_timeout);
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

Connection::~Connection() {
  tls_.reset();  // no close_notify: closing the socket ends the stream
  if (fd_ < 0) return;
  if (cancellation_) cancellation_->remove(fd_);
  ::close(fd_);
}

void Connection::check_cancelled() const {
  if (cancellation_ && cancellation_->cancelled()) throw CancelledError();
}

void Connection::tls_failed(const TlsSession::Result& r,
                            const std::string& doing) {
  check_cancelled();
  switch (r.failure) {
    case TlsSession::Failure::kClosed:
      throw ConnectionError("the server at " + peer_ +
                            " closed the connection");
    case TlsSession::Failure::kTimedOut:
      if (doing == "sending") {
        throw ConnectionError("sending to " + peer_ + " failed: timed out");
      }
      throw ConnectionError("the server at " + peer_ + " sent nothing for " +
                            seconds(read_timeout_));
    case TlsSession::Failure::kSocket:
      throw ConnectionError("connection to " + peer_ +
                            " lost: " + error_text(r.err));
    case TlsSession::Failure::kTls:
      break;
  }
  throw ConnectionError("connection to " + peer_ +
                        " lost: TLS error: " + r.detail);
}

void Connection::write_all(const protocol::Bytes& bytes) {
  size_t done = 0;
  while (tls_ && done < bytes.size()) {
    TlsSession::Result r =
        tls_->write(bytes.data() + done, bytes.size() - done);
    if (r.bytes == 0) tls_failed(r, "sending");
    done += r.bytes;
  }
  while (done < bytes.size()) {
    ssize_t n =
        ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      check_cancelled();
      throw ConnectionError("sending to " + peer_ + " failed: " +
                            (err == EAGAIN || err == EWOULDBLOCK
                                 ? std::string("timed out")
                                 : error_text(err)));
    }
    done += static_cast<size_t>(n);
  }
}

size_t Connection::read_some(uint8_t* out, size_t max) {
  if (tls_) {
    TlsSession::Result r = tls_->read(out, max);
    if (r.bytes == 0) tls_failed(r, "reading");
    return r.bytes;
  }
  return recv_some(out, max, 0);
}

std::optional<uint8_t> Connection::peek_byte() {
  if (tls_) return std::nullopt;
  uint8_t byte = 0;
  recv_some(&byte, 1, MSG_PEEK);
  return byte;
}

size_t Connection::recv_some(uint8_t* out, size_t max, int flags) {
  for (;;) {
    ssize_t n = ::recv(fd_, out, max, flags);
    if (n > 0) return static_cast<size_t>(n);
    int err = errno;
    check_cancelled();
    if (n == 0) {
      throw ConnectionError("the server at " + peer_ +
                            " closed the connection");
    }
    if (err == EINTR) continue;
    if (err == EAGAIN || err == EWOULDBLOCK) {
      throw ConnectionError("the server at " + peer_ + " sent nothing for " +
                            seconds(read_timeout_));
    }
    throw ConnectionError("connection to " + peer_ +
                          " lost: " + error_text(err));
  }
}

void Connection::read_exact(uint8_t* out, size_t n) {
  while (n > 0) {
    size_t got = read_some(out, n);
    out += got;
    n -= got;
  }
}

bool Connection::wait_readable(std::chrono::milliseconds timeout) {
  if (tls_ && tls_->pending()) return true;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd_, POLLIN, 0};
    int ms = static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(
        left.count(), 0, std::numeric_limits<int>::max()));
    int rc;
    do {
      rc = ::poll(&p, 1, ms);
    } while (rc < 0 && errno == EINTR);
    if (rc < 0) {
      int err = errno;
      throw ConnectionError("connection to " + peer_ +
                            " lost: " + error_text(err));
    }
    check_cancelled();
    // With TLS, a readable socket may hold only a TLS record (a session
    // ticket): consumed, and the wait goes on.
    if (rc == 0 || !tls_ || tls_->data_ready()) return rc > 0;
  }
}

protocol::Frame Connection::read_frame(uint32_t max_payload) {
  uint8_t header[protocol::kFrameHeaderSize];
  read_exact(header, sizeof header);
  protocol::FrameHeader h = protocol::decode_frame_header(header, max_payload);
  protocol::Frame frame{h.type, protocol::Bytes(h.length)};
  read_exact(frame.payload.data(), frame.payload.size());
  return frame;
}

}  // namespace torchfeed::detail
