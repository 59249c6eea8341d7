// The subscribed connection (src/channel.h) against a scripted server on a
// local socket: NOTICEs that arrive before an answer, errors with and without
// a request waiting, and cancellation from another thread. No real server.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <thread>

#include "blocked.h"
#include "channel.h"
#include "torchfeed/client.h"
#include "transport.h"

namespace tf = torchfeed;
namespace proto = torchfeed::protocol;
using std::chrono::milliseconds;

namespace {

// The server's end of one connection.
class Peer {
 public:
  explicit Peer(int fd) : fd_(fd) {}

  // The next frame from the client; type 0 when it closed.
  proto::Frame read() {
    uint8_t header[proto::kFrameHeaderSize];
    if (!read_exact(header, sizeof header)) return {};
    proto::FrameHeader h =
        proto::decode_frame_header(header, proto::kMaxRequestPayload);
    proto::Frame frame{h.type, proto::Bytes(h.length)};
    if (!read_exact(frame.payload.data(), frame.payload.size())) return {};
    return frame;
  }

  proto::Frame expect(proto::FrameType type) {
    proto::Frame frame = read();
    EXPECT_EQ(frame.type, static_cast<uint8_t>(type))
        << proto::frame_type_name(frame.type);
    return frame;
  }

  void send(const proto::Bytes& frame) {
    ::send(fd_, frame.data(), frame.size(), MSG_NOSIGNAL);
  }

  // HELLO, answered by SERVER_HELLO.
  void hello() {
    expect(proto::FrameType::kHello);
    send(proto::encode_hello({1, "scripted/1", ""},
                             proto::FrameType::kServerHello));
  }

  // Waits for the client to close.
  void until_closed() {
    while (read().type != 0) {
    }
  }

  // Waits for the client to close, without the receive timeout below: the
  // connection stays open, silent, for as long as the client keeps it.
  void until_closed_however_long() {
    timeval none{0, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof none);
    until_closed();
  }

 private:
  bool read_exact(uint8_t* out, size_t n) {
    while (n > 0) {
      ssize_t got = ::recv(fd_, out, n, 0);
      if (got <= 0) return false;
      out += got;
      n -= static_cast<size_t>(got);
    }
    return true;
  }

  int fd_;
};

// Accepts one connection on 127.0.0.1 and runs the script with it.
class ScriptedServer {
 public:
  explicit ScriptedServer(std::function<void(Peer&)> script) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), len);
    ::listen(listener_, 1);
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this, script] {
      int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      timeval tv{10, 0};  // a failing test must not hang here
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      Peer peer(fd);
      script(peer);
      ::close(fd);
    });
  }

  ~ScriptedServer() {
    thread_.join();
    ::close(listener_);
  }

  // A connection to this server, after the hello.
  std::unique_ptr<tf::detail::Connection> connect(
      std::shared_ptr<tf::Cancellation> cancellation = nullptr) {
    auto c = std::make_unique<tf::detail::Connection>(
        "127.0.0.1", port_, milliseconds(5000), milliseconds(5000),
        std::move(cancellation));
    tf::detail::handshake(*c);
    return c;
  }

 private:
  int listener_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
};

proto::Bytes notice(const std::string& json) {
  return proto::encode_json(proto::FrameType::kNotice, json);
}

const char kPublished1[] =
    R"({"event":"published","name":"a","version":1,"sha256":"00","size":3})";
const char kRemoved1[] = R"({"event":"removed","name":"a","version":1})";
const char kAlias[] = R"({"event":"alias","name":"a","alias":"s","version":0})";
const char kPublished2[] =
    R"({"event":"published","name":"a","version":2,"sha256":"01","size":4})";

proto::Receipt receipt() {
  return {"a",
          1,
          proto::from_hex(std::string(64, '0')),
          proto::ReceiptStatus::kFailed,
          "no",
          "1.13.0"};
}

}  // namespace

TEST(NoticeChannel, NoticesBeforeAnAnswerAreQueuedInOrder) {
  ScriptedServer server([](Peer& peer) {
    peer.hello();
    proto::Frame subscribe = peer.expect(proto::FrameType::kSubscribe);
    EXPECT_EQ(proto::decode_subscribe(subscribe.payload),
              std::vector<std::string>{"a"});
    peer.send(notice(kPublished1));
    peer.send(notice(kRemoved1));
    peer.send(proto::encode_subscribe({"a"}, proto::FrameType::kSubscribed));
    proto::Frame r = peer.expect(proto::FrameType::kReceipt);
    EXPECT_EQ(proto::encode_receipt(proto::decode_receipt(r.payload)),
              proto::encode_receipt(receipt()));
    peer.send(notice(kAlias));
    peer.send(proto::encode_receipt_ok());
    peer.send(notice(kPublished2));
    peer.until_closed();
  });
  tf::detail::NoticeChannel channel(server.connect());
  EXPECT_EQ(channel.subscribe({"a"}), std::vector<std::string>{"a"});
  channel.receipt(receipt());
  std::vector<std::string> got;
  while (auto event = channel.next(milliseconds(30000))) {
    got.push_back(event->json);
    if (got.size() == 4) break;
  }
  EXPECT_EQ(got, (std::vector<std::string>{kPublished1, kRemoved1, kAlias,
                                           kPublished2}));
  EXPECT_FALSE(channel.next(milliseconds(50)).has_value());
}

TEST(NoticeChannel, FatalErrorWithNoRequestWaitingEndsTheConnection) {
  ScriptedServer server([](Peer& peer) {
    peer.hello();
    peer.expect(proto::FrameType::kSubscribe);
    peer.send(proto::encode_subscribe({}, proto::FrameType::kSubscribed));
    peer.send(proto::encode_error(
        {6, true, "subscriber too slow: more than 1000 notices were waiting"}));
  });
  tf::detail::NoticeChannel channel(server.connect());
  EXPECT_TRUE(channel.subscribe({}).empty());
  try {
    channel.next(milliseconds(30000));
    FAIL() << "no error";
  } catch (const tf::RemoteError& e) {
    EXPECT_EQ(e.code(), 6);
    EXPECT_TRUE(e.fatal());
    EXPECT_STREQ(e.what(),
                 "subscriber too slow: more than 1000 notices were waiting");
  }
}

TEST(NoticeChannel, NonFatalErrorAnswersTheRequestAndKeepsTheConnection) {
  ScriptedServer server([](Peer& peer) {
    peer.hello();
    peer.expect(proto::FrameType::kSubscribe);
    peer.send(notice(kPublished1));
    peer.send(proto::encode_error({1, false, "invalid model name 'a b'"}));
    peer.expect(proto::FrameType::kSubscribe);
    peer.send(proto::encode_subscribe({"a"}, proto::FrameType::kSubscribed));
    peer.until_closed();
  });
  tf::detail::NoticeChannel channel(server.connect());
  try {
    channel.subscribe({"a b"});
    FAIL() << "no error";
  } catch (const tf::RemoteError& e) {
    EXPECT_EQ(e.code(), 1);
    EXPECT_FALSE(e.fatal());
  }
  EXPECT_EQ(channel.subscribe({"a"}), std::vector<std::string>{"a"});
  EXPECT_EQ(channel.next(milliseconds(0))->json, kPublished1);  // kept
}

TEST(NoticeChannel, AnAnswerWithNoRequestWaitingIsAProtocolError) {
  for (const proto::Bytes& stray :
       {proto::encode_receipt_ok(),
        proto::encode_error({2, false, "no model named 'x'"})}) {
    ScriptedServer server([&stray](Peer& peer) {
      peer.hello();
      peer.expect(proto::FrameType::kSubscribe);
      peer.send(proto::encode_subscribe({}, proto::FrameType::kSubscribed));
      peer.send(stray);
      peer.until_closed();
    });
    tf::detail::NoticeChannel channel(server.connect());
    channel.subscribe({});
    EXPECT_THROW(channel.next(milliseconds(30000)), tf::ProtocolError);
  }
}

TEST(NoticeChannel, TheWrongAnswerOrAMalformedNoticeIsAProtocolError) {
  ScriptedServer wrong([](Peer& peer) {
    peer.hello();
    peer.expect(proto::FrameType::kSubscribe);
    peer.send(proto::encode_receipt_ok());
    peer.until_closed();
  });
  tf::detail::NoticeChannel a(wrong.connect());
  try {
    a.subscribe({});
    FAIL() << "no error";
  } catch (const tf::ProtocolError& e) {
    EXPECT_STREQ(e.what(),
                 "expected SUBSCRIBED from the server, got RECEIPT_OK");
  }

  ScriptedServer malformed([](Peer& peer) {
    peer.hello();
    peer.expect(proto::FrameType::kSubscribe);
    peer.send(proto::encode_subscribe({}, proto::FrameType::kSubscribed));
    peer.send(notice(R"({"event":"published","name":"a"})"));
    peer.until_closed();
  });
  tf::detail::NoticeChannel b(malformed.connect());
  b.subscribe({});
  EXPECT_THROW(b.next(milliseconds(30000)), tf::ProtocolError);
}

// The waits below would last longer than any test may run: one that the
// cancel did not end would hang until CTest's TIMEOUT fails the test.
TEST(Cancellation, EndsAWaitForNotices) {
  auto cancellation = std::make_shared<tf::Cancellation>();
  ScriptedServer server([](Peer& peer) {
    peer.hello();
    peer.expect(proto::FrameType::kSubscribe);
    peer.send(proto::encode_subscribe({}, proto::FrameType::kSubscribed));
    // Nothing more, and the connection stays open until the client closes
    // it: only the cancel can end the client's wait.
    peer.until_closed_however_long();
  });
  tf::detail::NoticeChannel channel(server.connect(cancellation));
  channel.subscribe({});
  pid_t waiting = tf::testing::this_thread_id();
  std::thread canceller([cancellation, waiting] {
    tf::testing::wait_until_blocked(waiting, tf::testing::kPollCalls);
    cancellation->cancel();
  });
  EXPECT_THROW(channel.next(tf::testing::kLongerThanAnyTest),
               tf::CancelledError);
  canceller.join();
  // Cancelled for good: no new connection, no wait.
  EXPECT_THROW(tf::detail::Connection("127.0.0.1", 1, milliseconds(1000),
                                      milliseconds(1000), cancellation),
               tf::CancelledError);
  EXPECT_FALSE(cancellation->sleep_for(tf::testing::kLongerThanAnyTest));
}

TEST(Cancellation, SleepEndsWhenCancelled) {
  tf::Cancellation cancellation;
  EXPECT_TRUE(cancellation.sleep_for(milliseconds(1)));  // not cancelled
  pid_t sleeping = tf::testing::this_thread_id();
  std::thread canceller([&cancellation, sleeping] {
    tf::testing::wait_until_blocked(sleeping, tf::testing::kFutexCalls);
    cancellation.cancel();
  });
  EXPECT_FALSE(cancellation.sleep_for(tf::testing::kLongerThanAnyTest));
  canceller.join();
  EXPECT_TRUE(cancellation.cancelled());
}
