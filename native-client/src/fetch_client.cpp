#include "torchfeed/fetch_client.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <utility>

#include "channel.h"
#include "chunks.h"
#include "failover.h"
#include "sha256.h"
#include "sink.h"
#include "torchfeed/arriving.h"
#include "transport.h"

namespace torchfeed {

namespace {

ChecksumError whole_file_mismatch(const std::string& id,
                                  const std::array<uint8_t, 32>& digest,
                                  const std::string& sha256) {
  return ChecksumError("checksum mismatch for " + id +
                       ": the bytes received hash to " +
                       protocol::to_hex(digest) + ", the server announced " +
                       sha256 + "; they were discarded");
}

// Hands each chunk of a file to a ChunkChecker as soon as its last byte is
// in place; inactive for a file without chunk digests.
class ChunkFeed {
 public:
  using ReaderOf =
      std::function<detail::ChunkChecker::Reader(uint64_t, uint64_t)>;

  // threads: 0 checks in line (Options::hash_on_thread false).
  ChunkFeed(unsigned threads, ReaderOf reader_of)
      : checker_(threads), reader_of_(std::move(reader_of)) {}

  bool active() const { return chunk_size_ > 0; }

  // Before waiting for a start() of the sink's, while its bytes may still be
  // read: drops what has not begun, waits for what has.
  void stop() { checker_.start("", 0, {}); }

  void start(const std::string& id, const Manifest& file, uint64_t held) {
    chunk_size_ = file.chunk_size;
    size_ = file.size;
    if (!active()) return;
    if (held == 0) checker_.start(id, file.chunk_size, file.chunks);
    next_ = held >= size_ ? file.chunks.size()
                          : static_cast<size_t>(held / chunk_size_);
  }

  // Bytes [0, received) are in place.
  void advance(uint64_t received) {
    while (next_ < checker_.chunks() &&
           detail::chunk_offset(next_, chunk_size_) +
                   detail::chunk_length(next_, size_, chunk_size_) <=
               received) {
      checker_.submit(next_,
                      reader_of_(detail::chunk_offset(next_, chunk_size_),
                                 detail::chunk_length(next_, size_,
                                                      chunk_size_)));
      ++next_;
    }
    checker_.throw_if_failed();
  }

  void wait() {
    advance(size_);  // an empty file's one empty chunk
    checker_.wait();
  }

 private:
  detail::ChunkChecker checker_;
  ReaderOf reader_of_;
  uint64_t chunk_size_ = 0;
  uint64_t size_ = 0;
  size_t next_ = 0;  // the first chunk not submitted
};

unsigned checking_threads(bool on_threads) {
  return on_threads ? detail::ChunkChecker::default_threads() : 0;
}

// Receives straight into one buffer of the file's size, its pages faulted in
// ahead of the bytes by a thread of its own (Prefault). Each chunk is checked
// on the pool as soon as it is whole (ChunkFeed); a file without chunk
// digests is hashed behind the receiving thread by a thread of its own
// (detail::BufferSha256).
class MemorySink final : public detail::Sink {
 public:
  explicit MemorySink(bool hash_on_thread)
      : hash_on_thread_(hash_on_thread),
        chunks_(checking_threads(hash_on_thread),
                [this](uint64_t offset, uint64_t length) {
                  const uint8_t* data = buffer.data() + offset;
                  return [data, length](detail::Sha256& hash) {
                    hash.update(data, static_cast<size_t>(length));
                  };
                }) {}

  void start(const std::string& id, const Manifest& file,
             uint64_t held) override {
    if (buffer.data() == nullptr || buffer.size() != file.size) {
      prefault_.stop();  // all three before the old buffer is freed
      hash_.restart(nullptr, 0);
      chunks_.stop();
      buffer = Buffer(static_cast<size_t>(file.size));
      if (hash_on_thread_) prefault_.start(buffer.data(), buffer.size());
    }
    chunks_.start(id, file, held);
    if (chunks_.active()) {
      hash_.restart(nullptr, 0);  // not hashed whole
    } else if (held == 0) {
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
    if (chunks_.active()) {
      chunks_.advance(position_);
    } else {
      hash_.advance(position_);
    }
  }

  void verify(const std::string& id, const std::string& sha256) override {
    if (chunks_.active()) return chunks_.wait();
    std::array<uint8_t, 32> digest = hash_.digest();
    if (protocol::to_hex(digest) != sha256) {
      throw whole_file_mismatch(id, digest, sha256);
    }
  }

  Buffer buffer;

 private:
  uint64_t position_ = 0;
  bool hash_on_thread_;
  // Declared after buffer: stopped before it is freed.
  detail::Prefault prefault_;
  detail::BufferSha256 hash_;
  ChunkFeed chunks_;  // declared last: stopped first
};

// Writes to a temporary file next to the target; finish() syncs it and
// renames it over the target, so that nothing unchecked is ever under the
// target's name. Removed if not finished. Each chunk is checked as soon as it
// is whole (ChunkFeed), its bytes read back from the temporary file (from the
// page cache, where they just went) by the pool; a file without chunk digests
// is hashed in line as it is written.
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
  FileSink(std::string path, bool hash_on_thread)
      : path_(std::move(path)),
        temp_(path_ + "." + std::to_string(::getpid()) + ".part"),
        chunk_(1 << 20),
        chunks_(checking_threads(hash_on_thread),
                [this](uint64_t offset, uint64_t length) {
                  return [fd = fd_, temp = temp_, offset,
                          length](detail::Sha256& hash) {
                    read_back(fd, temp, offset, length, hash);
                  };
                }) {
    fd_ = ::open(temp_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd_ < 0) fail(temp_);
  }

  ~FileSink() override {
    chunks_.stop();  // before the file is closed: the pool reads it
    if (fd_ >= 0) ::close(fd_);
    if (!finished_) ::unlink(temp_.c_str());
  }

  void start(const std::string& id, const Manifest& file,
             uint64_t held) override {
    if (held == 0) {
      hash_.reset();
      chunks_.stop();  // before the bytes it reads are cut off
    }
    if (::ftruncate(fd_, static_cast<off_t>(held)) != 0 ||
        ::lseek(fd_, static_cast<off_t>(held), SEEK_SET) < 0) {
      fail(temp_);
    }
    chunks_.start(id, file, held);
    written_ = held;
    flushed_ = held;
  }

  std::pair<uint8_t*, size_t> space(uint64_t wanted) override {
    return {chunk_.data(),
            static_cast<size_t>(std::min<uint64_t>(wanted, chunk_.size()))};
  }

  void commit(size_t n) override {
    if (!chunks_.active()) hash_.update(chunk_.data(), n);
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
    if (chunks_.active()) chunks_.advance(written_);
  }

  void verify(const std::string& id, const std::string& sha256) override {
    if (chunks_.active()) return chunks_.wait();
    std::array<uint8_t, 32> digest = hash_.digest();
    if (protocol::to_hex(digest) != sha256) {
      throw whole_file_mismatch(id, digest, sha256);
    }
  }

  // After verify().
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

  // Bytes [offset, offset + length) of the file into `hash`, on a thread of
  // the pool.
  static void read_back(int fd, const std::string& file, uint64_t offset,
                        uint64_t length, detail::Sha256& hash) {
    thread_local std::vector<uint8_t> piece(1 << 20);
    while (length > 0) {
      ssize_t r = ::pread(fd, piece.data(),
                          static_cast<size_t>(std::min<uint64_t>(
                              length, piece.size())),
                          static_cast<off_t>(offset));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) {
        throw Error("cannot read back " + file + ": " + std::strerror(errno));
      }
      if (r == 0) throw Error("cannot read back " + file + ": it is shorter");
      hash.update(piece.data(), static_cast<size_t>(r));
      offset += static_cast<uint64_t>(r);
      length -= static_cast<uint64_t>(r);
    }
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
  ChunkFeed chunks_;
};

std::string id_of(const std::string& name, uint32_t version) {
  return version == kLatest ? name : name + ":" + std::to_string(version);
}

// The FETCH_HEADER answers the FETCH sent: same version, from `held` to
// `stop` (0: the end of the file).
void check_header(const protocol::FetchHeader& h, const Manifest& wanted,
                  uint64_t held, uint64_t stop) {
  if (h.name != wanted.name || h.version != wanted.version) {
    throw ProtocolError("asked for " + id_of(wanted.name, wanted.version) +
                        ", the server sent " + id_of(h.name, h.version));
  }
  uint64_t end = stop == 0 ? h.total_size : stop;
  if (h.offset != held || h.total_size < end || end < held ||
      h.payload_size != end - held) {
    throw ProtocolError("FETCH_HEADER of " + id_of(h.name, h.version) +
                        " does not answer a fetch from offset " +
                        std::to_string(held) +
                        (stop == 0 ? "" : " to " + std::to_string(stop)) +
                        ": offset " +
                        std::to_string(h.offset) + ", payload size " +
                        std::to_string(h.payload_size) + ", total size " +
                        std::to_string(h.total_size));
  }
}

// The chunk digests of a FETCH_HEADER's manifest must be those of the file it
// announces: checking them stands in for hashing the whole file.
void check_chunks_of(const std::string& id, const Manifest& m,
                     const protocol::FetchHeader& h) {
  if (m.chunk_size == 0) return;
  if (m.sha256 != protocol::to_hex(h.sha256) || m.size != h.total_size) {
    throw ProtocolError("FETCH_HEADER of " + id + " announces sha256 " +
                        protocol::to_hex(h.sha256) + " and " +
                        std::to_string(h.total_size) +
                        " bytes, its manifest's chunks are of sha256 " +
                        m.sha256 + " and " + std::to_string(m.size) +
                        " bytes");
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
  versions_.assign(servers_.size(), protocol::kChunksVersion);
}

FetchClient::~FetchClient() = default;
FetchClient::FetchClient(FetchClient&&) noexcept = default;
FetchClient& FetchClient::operator=(FetchClient&&) noexcept = default;

// HELLO with version 3 (chunk digests; from a signing server, signed
// manifests too). A server older than that refuses it with ERROR UNSUPPORTED,
// which closes the connection; this server is then asked, on a new one, with
// the version before: 2 with a trust key (signed manifests, which a server
// older than 2 cannot send), else 1. Remembered per server.
detail::Connection& FetchClient::connection() {
  if (connection_) return *connection_;
  uint16_t& version = versions_[current_];
  for (;;) {
    auto c = std::make_unique<detail::Connection>(
        host(), port(), options_.connect_timeout, options_.read_timeout,
        options_.cancellation, options_.tls);
    try {
      server_hello_ = detail::handshake(*c, version);
      connection_ = std::move(c);
      return *connection_;
    } catch (const RemoteError& e) {
      if (e.code() != static_cast<uint16_t>(protocol::ErrorCode::kUnsupported))
        throw;
      if (version == protocol::kChunksVersion) {
        version = options_.trust_key ? protocol::kSignedVersion
                                     : protocol::kVersion;
        continue;
      }
      if (!options_.trust_key) throw;
      throw SignatureError(
          "the server does not speak protocol version 2 and cannot send "
          "signed manifests, which --trust-key requires (" +
          std::string(e.what()) + ")");
    }
  }
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
  return fetch_into_memory(manifest(name, version), false);
}

Download FetchClient::fetch_loadable(const std::string& name,
                                     uint32_t version) {
  Manifest wanted = manifest(name, version);
  check_format_version(wanted);
  return fetch_into_memory(wanted, true);
}

Download FetchClient::fetch_into_memory(const Manifest& wanted,
                                        bool loadable) {
  MemorySink sink(options_.hash_on_thread);
  Download download;
  static_cast<FetchResult&>(download) = transfer(wanted, loadable, sink);
  download.bytes = std::move(sink.buffer);
  return download;
}

FetchResult FetchClient::fetch_to_file(const std::string& name,
                                       uint32_t version,
                                       const std::string& path) {
  FileSink sink(path, options_.hash_on_thread);
  FetchResult result = transfer(manifest(name, version), false, sink);
  sink.finish();
  return result;
}

// The last chunk first (the archive's end records and central directory,
// and, as torch.jit.save writes them, the records LibTorch reads before any
// tensor), then the rest from byte 0: the order LibTorch reads in
// (bench/notes/issue-14-read-order).
FetchResult FetchClient::fetch_arriving(ArrivingFile& file) {
  try {
    const Manifest& wanted = file.manifest();
    const uint64_t tail = file.tail_offset();
    FetchResult result = transfer(wanted, true, file.sink(), tail);
    if (tail == 0) {
      file.finished();
      return result;
    }
    FetchResult rest =
        transfer(wanted, true, file.sink(), 0, tail, wanted.size - tail);
    result.offsets.insert(result.offsets.end(), rest.offsets.begin(),
                          rest.offsets.end());
    result.servers.insert(result.servers.end(), rest.servers.begin(),
                          rest.servers.end());
    file.finished();
    return result;
  } catch (...) {
    file.fail(std::current_exception());  // wakes the readers
    throw;
  }
}

// FETCHes the version of `wanted` (a manifest its caller asked first, which
// resolves "latest" to a version and lets an archive too new for this
// LibTorch be refused before any byte is sent): bytes [begin, end) of it,
// end 0 meaning to the end of the file; `received` bytes of the file came
// before (for Options::progress). A transfer cut short is resumed on the next
// server of the list (the same one when there is one), for the same version
// and sha256: every server must have the sha256 the transfer started with
// for that version (asked with its manifest before its first FETCH, and
// checked in each FETCH_HEADER). With chunk digests (protocol version 3) it
// resumes at the start of the first chunk not wholly received, the chunks
// before it being checked or in the pool; without, at the bytes held, which
// were hashed as they arrived.
FetchResult FetchClient::transfer(const Manifest& wanted, bool loadable,
                                  detail::Sink& sink, uint64_t begin,
                                  uint64_t end, uint64_t received) {
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
  uint64_t held = begin;
  Manifest held_of;  // the manifest the bytes held were checked against
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
      held = detail::resume_offset(held, held_of.size, held_of.chunk_size);
      if (end != 0 && held >= end) {  // every byte of the range is in
        sink.verify(id, sha256);
        return result;
      }
      result.offsets.push_back(held);
      result.servers.push_back(servers_[current_]);
      protocol::Frame frame = call_once(
          protocol::encode_fetch({wanted.name, wanted.version, held,
                                  end == 0 ? 0 : end - held}),
          protocol::FrameType::kFetchHeader,
          protocol::FrameType::kSignedFetchHeader);
      try {  // the payload follows the frame: any failure loses the framing
        protocol::FetchHeader header = protocol::decode_fetch_header(
            frame.payload, static_cast<protocol::FrameType>(frame.type));
        if (options_.trust_key) {  // before any byte is read
          check_signed_header(*options_.trust_key, wanted.name, wanted.version,
                              header);
        }
        check_header(header, wanted, held, end);
        std::string announced = protocol::to_hex(header.sha256);
        if (announced != sha256 && servers_[current_] != announced_by) {
          throw mismatch(announced);
        }
        if (announced != sha256) {  // the version's file was replaced
          sha256 = announced;
          if (held > begin) {
            held = begin;  // the sink starts over
            throw ConnectionError(id +
                                  " changed on the server during the "
                                  "transfer; starting over");
          }
        }
        result.manifest = parse_manifest(header.manifest);
        check_chunks_of(id, result.manifest, header);
        if (held > begin &&
            (result.manifest.chunk_size != held_of.chunk_size ||
             result.manifest.chunks != held_of.chunks)) {
          held = begin;  // checked against other chunks, or none
          throw ConnectionError(servers_[current_].to_string() +
                                " sends " + id +
                                " with other chunk digests than the bytes "
                                "held were checked against; starting over");
        }
        if (loadable) check_format_version(result.manifest);
        held_of = result.manifest;
        sink.start(id, result.manifest, held);
        detail::Connection& c = *connection_;
        const uint64_t stop = end == 0 ? header.total_size : end;
        while (held < stop) {
          auto [data, room] = sink.space(stop - held);
          size_t got = c.read_some(data, room);
          held += got;
          sink.commit(got);
          if (options_.progress) {
            options_.progress(received + held - begin, header.total_size);
          }
        }
      } catch (...) {
        disconnect();
        throw;
      }
      sink.verify(id, sha256);
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
