#include "proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

namespace torchfeed::testing {
namespace {

namespace proto = torchfeed::protocol;

// False on end of stream or error.
bool read_exact(int fd, uint8_t* out, size_t n) {
  while (n > 0) {
    ssize_t got = ::recv(fd, out, n, 0);
    if (got <= 0) return false;
    out += got;
    n -= static_cast<size_t>(got);
  }
  return true;
}

bool write_all(int fd, const uint8_t* data, size_t n) {
  while (n > 0) {
    ssize_t sent = ::send(fd, data, n, MSG_NOSIGNAL);
    if (sent <= 0) return false;
    data += sent;
    n -= static_cast<size_t>(sent);
  }
  return true;
}

bool write_all(int fd, const proto::Bytes& bytes) {
  return write_all(fd, bytes.data(), bytes.size());
}

// One whole frame, header included; false on end of stream.
bool read_frame(int fd, uint8_t* type, proto::Bytes* payload) {
  uint8_t header[proto::kFrameHeaderSize];
  if (!read_exact(fd, header, sizeof header)) return false;
  proto::FrameHeader h =
      proto::decode_frame_header(header, proto::kMaxResponsePayload);
  *type = h.type;
  payload->resize(h.length);
  return read_exact(fd, payload->data(), payload->size());
}

proto::Bytes frame(uint8_t type, const proto::Bytes& payload) {
  proto::Bytes out(proto::kFrameHeaderSize + payload.size());
  out[0] = type;
  for (int i = 0; i < 4; ++i) {
    out[1 + i] = static_cast<uint8_t>(payload.size() >> (8 * (3 - i)));
  }
  std::copy(payload.begin(), payload.end(), out.begin() + 5);
  return out;
}

}  // namespace

Proxy::Proxy(uint16_t server_port, Rules rules)
    : server_port_(server_port), rules_(std::move(rules)) {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (listener_ < 0 ||
      ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      ::listen(listener_, 16) != 0 ||
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error("proxy: cannot listen on 127.0.0.1");
  }
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

Proxy::~Proxy() {
  stopping_ = true;
  release();
  acceptor_.join();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (int fd : sockets_) ::shutdown(fd, SHUT_RDWR);
  }
  for (std::thread& t : relays_) t.join();
  ::close(listener_);
}

void Proxy::release() {
  {
    std::lock_guard<std::mutex> lock(hold_mutex_);
    released_ = true;
  }
  held_.notify_all();
}

std::vector<proto::FetchRequest> Proxy::fetches() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return fetches_;
}

std::vector<std::vector<std::string>> Proxy::subscriptions() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return subscriptions_;
}

std::vector<proto::Receipt> Proxy::receipts() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return receipts_;
}

std::vector<proto::Hello> Proxy::hellos() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return hellos_;
}

void Proxy::record(uint8_t type, const proto::Bytes& payload) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (type == static_cast<uint8_t>(proto::FrameType::kHello)) {
    hellos_.push_back(proto::decode_hello(payload));
  } else if (type == static_cast<uint8_t>(proto::FrameType::kFetch)) {
    fetches_.push_back(proto::decode_fetch(payload));
  } else if (type == static_cast<uint8_t>(proto::FrameType::kSubscribe)) {
    subscriptions_.push_back(proto::decode_subscribe(payload));
  } else if (type == static_cast<uint8_t>(proto::FrameType::kReceipt)) {
    receipts_.push_back(proto::decode_receipt(payload));
  }
}

void Proxy::accept_loop() {
  while (!stopping_) {
    pollfd p{listener_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(server_port_);
    if (::connect(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr) !=
        0) {
      ::close(server);
      ::close(client);
      continue;
    }
    int index = connections_++;
    std::lock_guard<std::mutex> lock(mutex_);
    sockets_.push_back(client);
    sockets_.push_back(server);
    relays_.emplace_back(
        [this, client, server, index] { relay(client, server, index); });
  }
}

void Proxy::relay(int client, int server, int index) {
  std::thread up([this, client, server] {
    try {
      upstream(client, server);
    } catch (const std::exception&) {  // a malformed frame: drop it all
      ::shutdown(server, SHUT_RDWR);
      ::shutdown(client, SHUT_RDWR);
    }
  });
  try {
    downstream(client, server, index);
  } catch (const std::exception&) {
    ::shutdown(server, SHUT_RDWR);
    ::shutdown(client, SHUT_RDWR);
  }
  up.join();
  std::lock_guard<std::mutex> lock(mutex_);
  sockets_.erase(std::remove(sockets_.begin(), sockets_.end(), client),
                 sockets_.end());
  sockets_.erase(std::remove(sockets_.begin(), sockets_.end(), server),
                 sockets_.end());
  ::close(client);
  ::close(server);
}

// Client to server: frames forwarded as they are, HELLO and FETCH recorded.
void Proxy::upstream(int client, int server) {
  uint8_t type = 0;
  proto::Bytes payload;
  while (read_frame(client, &type, &payload)) {
    record(type, payload);
    if (!write_all(server, frame(type, payload))) break;
  }
  ::shutdown(server, SHUT_WR);
}

// Server to client: frames (JSON rewritten, frames injected before them) and
// FETCH payloads (cut or flipped as the rules say).
void Proxy::downstream(int client, int server, int index) {
  uint8_t type = 0;
  proto::Bytes payload;
  bool cut = index < rules_.cut_connections && rules_.cut_after != kNever;
  uint64_t forwarded = 0;  // raw payload bytes on this connection
  while (read_frame(server, &type, &payload)) {
    if (rules_.tamper) rules_.tamper(type, payload);
    auto rewrite = [&](const std::string& doc) {
      return rules_.rewrite_json ? rules_.rewrite_json(doc) : doc;
    };
    if (rules_.inject_before &&
        !write_all(client, rules_.inject_before(type))) {
      break;
    }
    if (type == static_cast<uint8_t>(proto::FrameType::kListResult) ||
        type == static_cast<uint8_t>(proto::FrameType::kManifestResult)) {
      std::string doc = rewrite(std::string(payload.begin(), payload.end()));
      payload.assign(doc.begin(), doc.end());
    }
    if (type != static_cast<uint8_t>(proto::FrameType::kFetchHeader) &&
        type != static_cast<uint8_t>(proto::FrameType::kSignedFetchHeader)) {
      if (!write_all(client, frame(type, payload))) break;
      continue;
    }
    proto::FetchHeader header = proto::decode_fetch_header(
        payload, static_cast<proto::FrameType>(type));
    header.manifest = rewrite(header.manifest);
    if (!write_all(client, proto::encode_fetch_header(header))) break;
    uint64_t position = header.offset;
    uint64_t left = header.payload_size;
    uint8_t chunk[16384];
    while (left > 0) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(left, sizeof chunk));
      if (cut)
        n = static_cast<size_t>(
            std::min<uint64_t>(n, rules_.cut_after - forwarded));
      if (rules_.hold_at >= position && rules_.hold_at < position + n) {
        n = static_cast<size_t>(rules_.hold_at - position);
      }
      if (position == rules_.hold_at) {
        std::unique_lock<std::mutex> lock(hold_mutex_);
        held_.wait(lock, [this] { return released_; });
        n = static_cast<size_t>(std::min<uint64_t>(left, sizeof chunk));
        if (cut)
          n = static_cast<size_t>(
              std::min<uint64_t>(n, rules_.cut_after - forwarded));
      }
      if (n == 0 || !read_exact(server, chunk, n)) break;
      if (rules_.flip_at >= position && rules_.flip_at < position + n) {
        chunk[rules_.flip_at - position] ^= 0xFF;
      }
      if (!write_all(client, chunk, n)) break;
      position += n;
      forwarded += n;
      left -= n;
    }
    if (left > 0) break;  // cut (or the connection failed)
  }
  // Data already sent still arrives before the end of stream.
  ::shutdown(client, SHUT_WR);
  ::shutdown(server, SHUT_RDWR);
}

}  // namespace torchfeed::testing
