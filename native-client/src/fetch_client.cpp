#include "torchfeed/fetch_client.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <utility>

#include "channel.h"
#include "failover.h"
#include "sha256.h"
#include "transport.h"

namespace torchfeed {

namespace detail {

// Where the bytes of a transfer go, and their hash. Before each
// FETCH_HEADER's bytes, start(): the file has `total` bytes and the first
// `held` are kept and hashed; held == 0 starts the hash over.
class Sink {
 public:
  virtual ~Sink() = default;
  virtual void start(uint64_t total, uint64_t held) = 0;
  // Where the next bytes go: room for at least 1, at most `wanted`.
  virtual std::pair<uint8_t*, size_t> space(uint64_t wanted) = 0;
  // The next n bytes have been written at space().first.
  virtual void commit(size_t n) = 0;
  // The SHA-256 of every byte committed since start(_, 0).
  virtual std::array<uint8_t, 32> digest() = 0;
};

}  // namespace detail

namespace {

// Faults in a new buffer's pages on a thread of its own, ahead of the bytes
// received (MADV_POPULATE_WRITE: pages allocated and mapped, contents left
// alone), so that the receiving thread only copies: on first touch each 4 KiB
// page costs a fault, which made the receiving thread about half as fast as
// receiving into a reused buffer. Without it (Linux < 5.14) the receiving
// thread faults the pages in itself, as before.
class Prefault {
 public:
  static constexpr size_t kMinSize = size_t{4} << 20;
  static constexpr uintptr_t kStep = uintptr_t{8} << 20;

  Prefault() = default;
  ~Prefault() { stop(); }
  Prefault(const Prefault&) = delete;
  Prefault& operator=(const Prefault&) = delete;

  void start(uint8_t* data, size_t size) {
    stop();
    if (size < kMinSize) return;
    stop_ = false;
    thread_ = std::thread([this, data, size] {
      uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
      uintptr_t end = reinterpret_cast<uintptr_t>(data) + size;
      for (uintptr_t p = reinterpret_cast<uintptr_t>(data) & ~(page - 1);
           p < end && !stop_.load(std::memory_order_relaxed); p += kStep) {
        if (::madvise(reinterpret_cast<void*>(p), std::min(kStep, end - p),
                      MADV_POPULATE_WRITE) != 0) {
          return;
        }
      }
    });
  }

  // Before the buffer is freed.
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Receives straight into one buffer of the file's size, hashed behind the
// receiving thread by a thread of its own (detail::BufferSha256), its pages
// faulted in ahead of it by another (Prefault).
class MemorySink final : public detail::Sink {
 public:
  explicit MemorySink(bool hash_on_thread) : hash_on_thread_(hash_on_thread) {}

  void start(uint64_t total, uint64_t held) override {
    if (buffer.data() == nullptr || buffer.size() != total) {
      prefault_.stop();  // both before the old buffer is freed
      hash_.restart(nullptr, 0);
      buffer = Buffer(static_cast<size_t>(total));
      if (hash_on_thread_) prefault_.start(buffer.data(), buffer.size());
    }
    if (held == 0) {
      hash_.restart(buffer.data(), buffer.size(), hash_on_thread_);
    }
    position_ = held;
  }

  std::pair<uint8_t*, size_t> space(uint64_t wanted) override {
    return {buffer.data() + position_, static_cast<size_t>(std::min<uint64_t>(
                                           wanted, buffer.size() - position_))};
  }

  void commit(size_t n) override {
    position_ += n;
    hash_.advance(position_);
  }

  std::array<uint8_t, 32> digest() override { return hash_.digest(); }

  Buffer buffer;

 private:
  uint64_t position_ = 0;
  bool hash_on_thread_;
  // Declared after buffer: stopped before it is freed.
  Prefault prefault_;
  detail::BufferSha256 hash_;  // declared last: stopped before buffer goes
};

// Writes to a temporary file next to the target; finish() syncs it and
// renames it over the target. Removed if not finished.
//
// The sync is what makes "a file under the final name is whole and checked"
// hold across a power loss, and most of its cost would come at the end: so
// every kWritebackStep bytes the kernel is asked to start writing what came
// so far (sync_file_range, SYNC_FILE_RANGE_WRITE: it does not wait), and the
// disk works while the rest arrives; fsync then waits for the tail only.
// Where the filesystem does not support it the request is ignored: fsync
// alone is the guarantee.
class FileSink final : public detail::Sink {
 public:
  explicit FileSink(std::string path)
      : path_(std::move(path)),
        temp_(path_ + "." + std::to_string(::getpid()) + ".part"),
        chunk_(1 << 20) {
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd_ < 0) fail(temp_);
  }

  ~FileSink() override {
    if (fd_ >= 0) ::close(fd_);
    if (!finished_) ::unlink(temp_.c_str());
  }

  void start(uint64_t /*total*/, uint64_t held) override {
    if (held == 0) hash_.reset();
    if (::ftruncate(fd_, static_cast<off_t>(held)) != 0 ||
        ::lseek(fd_, static_cast<off_t>(held), SEEK_SET) < 0) {
      fail(temp_);
    }
    written_ = held;
    flushed_ = held;
  }

  std::pair<uint8_t*, size_t> space(uint64_t wanted) override {
    return {chunk_.data(),
            static_cast<size_t>(std::min<uint64_t>(wanted, chunk_.size()))};
  }

  void commit(size_t n) override {
    hash_.update(chunk_.data(), n);
    for (size_t done = 0; done < n;) {
      ssize_t w = ::write(fd_, chunk_.data() + done, n - done);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) fail(temp_);
      done += static_cast<size_t>(w);
    }
    written_ += n;
    if (written_ - flushed_ >= kWritebackStep) {
      ::sync_file_range(fd_, static_cast<off_t>(flushed_),
                        static_cast<off_t>(written_ - flushed_),
                        SYNC_FILE_RANGE_WRITE);
      flushed_ = written_;
    }
  }

  std::array<uint8_t, 32> digest() override { return hash_.digest(); }

  void finish() {
    if (::fsync(fd_) != 0) fail(temp_);
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail(temp_);
    if (::rename(temp_.c_str(), path_.c_str()) != 0) fail(path_);
    finished_ = true;
  }

 private:
  [[noreturn]] static void fail(const std::string& file) {
    throw Error("cannot write " + file + ": " + std::strerror(errno));
  }

  static constexpr uint64_t kWritebackStep = 8u << 20;

  std::string path_;
  std::string temp_;
  std::vector<uint8_t> chunk_;
  detail::Sha256 hash_;
  uint64_t written_ = 0;  // bytes in the file
  uint64_t flushed_ = 0;  // bytes whose writeback was started
  int fd_ = -1;
  bool finished_ = false;
};

std::string id_of(const std::string& name, uint32_t version) {
  return version == kLatest ? name : name + ":" + std::to_string(version);
}

// The FETCH_HEADER answers the FETCH sent: same version, from `held` to the
// end of the file.
void check_header(const protocol::FetchHeader& h, const Manifest& wanted,
                  uint64_t held) {
  if (h.name != wanted.name || h.version != wanted.version) {
    throw ProtocolError("asked for " + id_of(wanted.name, wanted.version) +
                        ", the server sent " + id_of(h.name, h.version));
  }
  if (h.offset != held || h.total_size < held ||
      h.payload_size != h.total_size - held) {
    throw ProtocolError("FETCH_HEADER of " + id_of(h.name, h.version) +
                        " does not answer a fetch from offset " +
                        std::to_string(held) + ": offset " +
                        std::to_string(h.offset) + ", payload size " +
                        std::to_string(h.payload_size) + ", total size " +
                        std::to_string(h.total_size));
  }
}

}  // namespace

FetchClient::FetchClient(std::string host, uint16_t port, Options options)
    : FetchClient(std::vector<Endpoint>{{std::move(host), port}},
                  std::move(options)) {}

FetchClient::FetchClient(std::vector<Endpoint> servers, Options options)
    : servers_(std::move(servers)), options_(std::move(options)) {
  if (servers_.empty()) {
    throw std::invalid_argument("FetchClient: no server given");
  }
  current_ = detail::first_server(servers_.size(), options_.in_order);
}

FetchClient::~FetchClient() = default;
FetchClient::FetchClient(FetchClient&&) noexcept = default;
FetchClient& FetchClient::operator=(FetchClient&&) noexcept = default;

detail::Connection& FetchClient::connection() {
  if (connection_) return *connection_;
  auto c = std::make_unique<detail::Connection>(
      host(), port(), options_.connect_timeout, options_.read_timeout,
      options_.cancellation, options_.tls);
  if (!options_.trust_key) {
    server_hello_ = detail::handshake(*c);
  } else {  // version 2: a signing server signs what it sends
    try {
      server_hello_ = detail::handshake(*c, protocol::kSignedVersion);
    } catch (const RemoteError& e) {
      if (e.code() != static_cast<uint16_t>(protocol::ErrorCode::kUnsupported))
        throw;
      throw SignatureError(
          "the server does not speak protocol version 2 and cannot send "
          "signed manifests, which --trust-key requires (" +
          std::string(e.what()) + ")");
    }
  }
  connection_ = std::move(c);
  return *connection_;
}

void FetchClient::disconnect() { connection_.reset(); }

void FetchClient::fail_over() {
  disconnect();
  current_ = (current_ + 1) % servers_.size();
}

void FetchClient::each_server(const std::function<void()>& attempt) {
  for (size_t tried = 1;; ++tried) {
    try {
      attempt();
      return;
    } catch (const Error&) {
      if (!detail::next_server_may_help()) throw;
      fail_over();
      if (tried >= servers_.size()) detail::give_up(servers_);
    }
  }
}

const protocol::Hello& FetchClient::server_hello() {
  each_server([this] { connection(); });
  return server_hello_;
}

protocol::Frame FetchClient::call(
    const protocol::Bytes& request, protocol::FrameType answer,
    std::optional<protocol::FrameType> alternative) {
  protocol::Frame frame;
  each_server([&] { frame = call_once(request, answer, alternative); });
  return frame;
}

protocol::Frame FetchClient::call_once(
    const protocol::Bytes& request, protocol::FrameType answer,
    std::optional<protocol::FrameType> alternative) {
  protocol::Frame frame;
  try {
    detail::Connection& c = connection();
    c.write_all(request);
    frame = c.read_frame(protocol::kMaxResponsePayload);
    if (frame.type == static_cast<uint8_t>(protocol::FrameType::kError)) {
      protocol::ErrorMessage error = protocol::decode_error(frame.payload);
      if (error.fatal) disconnect();
      detail::throw_remote(error);
    }
    if (frame.type != static_cast<uint8_t>(answer) &&
        !(alternative && frame.type == static_cast<uint8_t>(*alternative))) {
      throw ProtocolError(
          "expected " +
          protocol::frame_type_name(static_cast<uint8_t>(answer)) +
          " from the server, got " + protocol::frame_type_name(frame.type));
    }
  } catch (const ConnectionError&) {
    disconnect();
    throw;
  } catch (const ProtocolError&) {
    disconnect();  // the framing can no longer be trusted
    throw;
  } catch (const CancelledError&) {
    disconnect();
    throw;
  }
  return frame;
}

Listing FetchClient::list() {
  protocol::Frame frame =
      call(protocol::encode_list(), protocol::FrameType::kListResult);
  return parse_listing(std::string(frame.payload.begin(), frame.payload.end()));
}

Manifest FetchClient::manifest(const std::string& name, uint32_t version) {
  Manifest result;
  each_server([&] { result = manifest_once(name, version); });
  return result;
}

Manifest FetchClient::manifest_once(const std::string& name,
                                    uint32_t version) {
  protocol::Frame frame =
      call_once(protocol::encode_manifest_request({name, version}),
                protocol::FrameType::kManifestResult,
                protocol::FrameType::kSignedManifestResult);
  std::string document;
  std::optional<protocol::Signature> signature;
  if (frame.type ==
      static_cast<uint8_t>(protocol::FrameType::kSignedManifestResult)) {
    protocol::SignedManifest result =
        protocol::decode_signed_manifest_result(frame.payload);
    document = std::move(result.manifest);
    signature = result.signature;
  } else {
    document.assign(frame.payload.begin(), frame.payload.end());
  }
  if (options_.trust_key) {
    return check_signed_manifest(*options_.trust_key, name, version, document,
                                 signature);
  }
  return parse_manifest(document);
}

Download FetchClient::fetch(const std::string& name, uint32_t version) {
  MemorySink sink(options_.hash_on_thread);
  Download download;
  static_cast<FetchResult&>(download) = transfer(name, version, false, sink);
  download.bytes = std::move(sink.buffer);
  return download;
}

Download FetchClient::fetch_loadable(const std::string& name,
                                     uint32_t version) {
  MemorySink sink(options_.hash_on_thread);
  Download download;
  static_cast<FetchResult&>(download) = transfer(name, version, true, sink);
  download.bytes = std::move(sink.buffer);
  return download;
}

FetchResult FetchClient::fetch_to_file(const std::string& name,
                                       uint32_t version,
                                       const std::string& path) {
  FileSink sink(path);
  FetchResult result = transfer(name, version, false, sink);
  sink.finish();
  return result;
}

// Asks the manifest first (which resolves "latest" to a version and lets an
// archive too new for this LibTorch be refused before any byte is sent),
// then FETCHes that version. A transfer cut short is resumed from the bytes
// held, which were hashed as they arrived, on the next server of the list
// (the same one when there is one): the sha256 covers the whole file, and
// every server must have the sha256 the transfer started with for that
// version (asked with its manifest before its first FETCH, and checked in
// each FETCH_HEADER).
FetchResult FetchClient::transfer(const std::string& name, uint32_t version,
                                  bool loadable, detail::Sink& sink) {
  Manifest wanted = manifest(name, version);
  if (loadable) check_format_version(wanted);
  const std::string id = id_of(wanted.name, wanted.version);
  FetchResult result;
  std::string sha256 = wanted.sha256;
  Endpoint announced_by = servers_[current_];  // of sha256
  std::vector<Endpoint> agreed{announced_by};  // servers with that sha256
  auto mismatch = [&](const std::string& announced) {
    return ReplicaMismatchError(
        "replica mismatch for " + id + ": " + announced_by.to_string() +
        " serves it with sha256 " + sha256 + ", " +
        servers_[current_].to_string() + " with sha256 " + announced +
        "; the servers hold different files for the same version");
  };
  uint64_t held = 0;
  auto delay = options_.retry_backoff;
  size_t failed_in_round = 0;
  for (int round = 1;;) {
    try {
      if (std::find(agreed.begin(), agreed.end(), servers_[current_]) ==
          agreed.end()) {  // before a FETCH from an offset it may not have
        std::string there = manifest_once(wanted.name, wanted.version).sha256;
        if (there != sha256) throw mismatch(there);
        agreed.push_back(servers_[current_]);
      }
      result.offsets.push_back(held);
      result.servers.push_back(servers_[current_]);
      protocol::Frame frame = call_once(
          protocol::encode_fetch({wanted.name, wanted.version, held, 0}),
          protocol::FrameType::kFetchHeader,
          protocol::FrameType::kSignedFetchHeader);
      try {  // the payload follows the frame: any failure loses the framing
        protocol::FetchHeader header = protocol::decode_fetch_header(
            frame.payload, static_cast<protocol::FrameType>(frame.type));
        if (options_.trust_key) {  // before any byte is read
          check_signed_header(*options_.trust_key, wanted.name, wanted.version,
                              header);
        }
        check_header(header, wanted, held);
        std::string announced = protocol::to_hex(header.sha256);
        if (announced != sha256 && servers_[current_] != announced_by) {
          throw mismatch(announced);
        }
        if (announced != sha256) {  // the version's file was replaced
          sha256 = announced;
          if (held > 0) {
            held = 0;  // the sink starts its hash over
            throw ConnectionError(id +
                                  " changed on the server during the "
                                  "transfer; starting over");
          }
        }
        result.manifest = parse_manifest(header.manifest);
        if (loadable) check_format_version(result.manifest);
        sink.start(header.total_size, held);
        detail::Connection& c = *connection_;
        while (held < header.total_size) {
          auto [data, room] = sink.space(header.total_size - held);
          size_t got = c.read_some(data, room);
          sink.commit(got);
          held += got;
          if (options_.progress) options_.progress(held, header.total_size);
        }
      } catch (...) {
        disconnect();
        throw;
      }
      std::string actual = protocol::to_hex(sink.digest());
      if (actual != sha256) {
        throw ChecksumError("checksum mismatch for " + id +
                            ": the bytes received hash to " + actual +
                            ", the server announced " + sha256 +
                            "; they were discarded");
      }
      return result;
    } catch (const Error& e) {
      if (!detail::next_server_may_help()) throw;
      fail_over();  // the next server now, unless every one failed this round
      if (++failed_in_round < servers_.size()) continue;
      if (round >= options_.fetch_attempts) {
        if (servers_.size() > 1) {
          detail::give_up(servers_, "fetch of " + id + " gave up after " +
                                        std::to_string(round) +
                                        " rounds over every server");
        }
        if (dynamic_cast<const RemoteError*>(&e) != nullptr) throw;
        throw ConnectionError(std::string(e.what()) + " (fetch of " + id +
                              " gave up after " + std::to_string(round) +
                              " attempts)");
      }
    }
    failed_in_round = 0;
    ++round;
    if (!options_.cancellation) {
      std::this_thread::sleep_for(delay);
    } else if (!options_.cancellation->sleep_for(delay)) {
      throw CancelledError();
    }
    delay *= 2;
  }
}

}  // namespace torchfeed
