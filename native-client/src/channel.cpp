#include "channel.h"

#include <optional>
#include <utility>

#include "torchfeed/errors.h"
#include "torchfeed/version.h"

namespace torchfeed::detail {
namespace {

bool is(const protocol::Frame& frame, protocol::FrameType type) {
  return frame.type == static_cast<uint8_t>(type);
}

// The first byte of a TLS record: an alert, a handshake. No frame type of
// docs/protocol.md starts with either.
constexpr uint8_t kTlsAlert = 0x15;
constexpr uint8_t kTlsHandshake = 0x16;

std::string text(const protocol::Bytes& payload) {
  return std::string(payload.begin(), payload.end());
}

}  // namespace

protocol::Hello handshake(Connection& c, uint16_t version) {
  c.write_all(protocol::encode_hello({version, kSoftware, kLibTorchVersion}));
  // A TLS server answers a plaintext HELLO with an alert record and closes.
  std::optional<uint8_t> first = c.peek_byte();
  if (first && (*first == kTlsAlert || *first == kTlsHandshake)) {
    throw TlsError("the server at " + c.peer() +
                   " answered with TLS: connect with --tls-ca "
                   "(TlsOptions::ca_file)");
  }
  protocol::Frame frame = c.read_frame(protocol::kMaxResponsePayload);
  if (is(frame, protocol::FrameType::kError)) {
    throw_remote(protocol::decode_error(frame.payload));
  }
  if (!is(frame, protocol::FrameType::kServerHello)) {
    throw ProtocolError("expected SERVER_HELLO from " + c.peer() + ", got " +
                        protocol::frame_type_name(frame.type));
  }
  protocol::Hello hello = protocol::decode_hello(frame.payload);
  if (hello.protocol != version) {
    throw ProtocolError("the server at " + c.peer() +
                        " speaks protocol version " +
                        std::to_string(hello.protocol) + ", this client " +
                        std::to_string(version));
  }
  return hello;
}

void throw_remote(const protocol::ErrorMessage& e) {
  if (e.code == static_cast<uint16_t>(protocol::ErrorCode::kNotFound)) {
    throw NotFoundError(e.code, e.fatal, e.message);
  }
  throw RemoteError(e.code, e.fatal, e.message);
}

NoticeChannel::NoticeChannel(std::unique_ptr<Connection> connection)
    : connection_(std::move(connection)) {}

std::vector<std::string> NoticeChannel::subscribe(
    const std::vector<std::string>& names) {
  protocol::Frame frame =
      call(protocol::encode_subscribe(names), protocol::FrameType::kSubscribed);
  return protocol::decode_subscribe(frame.payload,
                                    protocol::FrameType::kSubscribed);
}

void NoticeChannel::receipt(const protocol::Receipt& receipt) {
  protocol::Frame frame =
      call(protocol::encode_receipt(receipt), protocol::FrameType::kReceiptOk);
  protocol::decode_receipt_ok(frame.payload);
}

std::optional<Event> NoticeChannel::next(std::chrono::milliseconds wait) {
  if (queue_.empty()) {
    if (!connection_->wait_readable(wait)) return std::nullopt;
    protocol::Frame frame =
        connection_->read_frame(protocol::kMaxResponsePayload);
    if (!take(frame, false)) {
      throw ProtocolError("the server at " + connection_->peer() + " sent " +
                          protocol::frame_type_name(frame.type) +
                          " while no request was waiting");
    }
  }
  Event event = std::move(queue_.front());
  queue_.pop_front();
  return event;
}

protocol::Frame NoticeChannel::call(const protocol::Bytes& request,
                                    protocol::FrameType answer) {
  connection_->write_all(request);
  for (;;) {
    protocol::Frame frame =
        connection_->read_frame(protocol::kMaxResponsePayload);
    if (take(frame, true)) continue;
    if (!is(frame, answer)) {
      throw ProtocolError(
          "expected " +
          protocol::frame_type_name(static_cast<uint8_t>(answer)) +
          " from the server, got " + protocol::frame_type_name(frame.type));
    }
    return frame;
  }
}

bool NoticeChannel::take(const protocol::Frame& frame, bool awaited) {
  if (is(frame, protocol::FrameType::kError)) {
    protocol::ErrorMessage error = protocol::decode_error(frame.payload);
    if (!awaited && !error.fatal) {
      throw ProtocolError("the server at " + connection_->peer() +
                          " sent a non-fatal ERROR while no request was "
                          "waiting: " +
                          error.message);
    }
    throw_remote(error);
  }
  if (!is(frame, protocol::FrameType::kNotice)) return false;
  if (queue_.size() >= kMaxQueued) {
    throw ProtocolError("the server at " + connection_->peer() + " sent over " +
                        std::to_string(kMaxQueued) +
                        " notices while an answer was awaited");
  }
  queue_.push_back(parse_event(text(frame.payload)));
  return true;
}

}  // namespace torchfeed::detail
