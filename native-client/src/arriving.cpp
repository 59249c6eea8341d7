#include "torchfeed/arriving.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "chunks.h"
#include "sink.h"
#include "torchfeed/buffer.h"
#include "torchfeed/errors.h"

namespace torchfeed {

// The sink FetchClient::transfer writes into (one range at a time, each
// starting on a chunk boundary), and the record of which chunks are checked
// that read() waits on. Each chunk goes to the ChunkChecker's pool as soon
// as its last byte is in; the pool marks it good (checked_) and wakes the
// readers.
class ArrivingFile::Impl final : public detail::Sink {
 public:
  Impl(Manifest file, unsigned threads)
      : file_(std::move(file)),
        id_(file_.name + ":" + std::to_string(file_.version)),
        buffer_(static_cast<size_t>(file_.size)),
        good_(file_.chunks.size(), false),
        submitted_(file_.chunks.size(), false),
        checker_(threads, {}, [this](size_t index) { mark_good(index); }) {
    if (threads > 0) prefault_.start(buffer_.data(), buffer_.size());
    checker_.start(id_, file_.chunk_size, file_.chunks);
  }

  ~Impl() override { prefault_.stop(); }

  const Manifest& file() const { return file_; }

  // --- the receiving thread (detail::Sink) ---

  // Every range is of this file: a server that now sends another file for
  // the version cannot be resumed from, since LibTorch may have read some;
  // a server that sends it with other chunk digests (or none: older than
  // protocol version 3) is left for the next. A chunk once handed to the
  // checker is never written again.
  void start(const std::string& id, const Manifest& file,
             uint64_t held) override {
    if (abandoned_.load()) throw CancelledError();
    if (file.sha256 != file_.sha256 || file.size != file_.size) {
      throw Error(id + " changed on the server while it was being loaded "
                       "(sha256 " + file_.sha256 + ", now " + file.sha256 +
                  "); load it again");
    }
    if (file.chunk_size != file_.chunk_size || file.chunks != file_.chunks) {
      throw ConnectionError(
          "this server sends " + id +
          (file.chunk_size == 0 ? " without chunk digests"
                                : " with other chunk digests") +
          " than the load began with");
    }
    size_t first = static_cast<size_t>(held / file_.chunk_size);
    if (held % file_.chunk_size != 0 ||
        (first < submitted_.size() && submitted_[first])) {
      throw Error("internal error: " + id + " resumed at offset " +
                  std::to_string(held) + ", not at a chunk still to come");
    }
    position_ = held;
    next_ = first;
  }

  std::pair<uint8_t*, size_t> space(uint64_t wanted) override {
    return {buffer_.data() + position_,
            static_cast<size_t>(
                std::min<uint64_t>(wanted, buffer_.size() - position_))};
  }

  void commit(size_t n) override {
    if (abandoned_.load()) throw CancelledError();
    position_ += n;
    while (next_ < good_.size() && chunk_end(next_) <= position_) {
      const uint8_t* data =
          buffer_.data() + detail::chunk_offset(next_, file_.chunk_size);
      uint64_t length =
          detail::chunk_length(next_, file_.size, file_.chunk_size);
      submitted_[next_] = true;
      checker_.submit(next_, [data, length](detail::Sha256& hash) {
        hash.update(data, static_cast<size_t>(length));
      });
      ++next_;
    }
    checker_.throw_if_failed();
  }

  void verify(const std::string& /*id*/,
              const std::string& /*sha256*/) override {
    checker_.wait();
  }

  // --- the readers ---

  size_t read(uint64_t pos, void* out, size_t n) {
    if (pos >= file_.size) return 0;
    n = static_cast<size_t>(std::min<uint64_t>(n, file_.size - pos));
    size_t copied = 0;
    while (copied < n) {
      uint64_t at = pos + copied;
      size_t index = static_cast<size_t>(at / file_.chunk_size);
      {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [&] {
          return good_[index] || failure_ != nullptr || abandoned_.load();
        });
        if (!good_[index]) return copied;
      }
      size_t part = static_cast<size_t>(
          std::min<uint64_t>(n - copied, chunk_end(index) - at));
      std::memcpy(static_cast<uint8_t*>(out) + copied, buffer_.data() + at,
                  part);
      copied += part;
    }
    return copied;
  }

  void fail(std::exception_ptr error) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (failure_ == nullptr && !abandoned_.load()) failure_ = error;
    }
    changed_.notify_all();
  }

  void abandon() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      abandoned_ = true;
    }
    changed_.notify_all();
  }

  std::exception_ptr failure() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return failure_;
  }

  uint64_t checked() const {
    std::lock_guard<std::mutex> lock(mutex_);
    uint64_t bytes = 0;
    for (size_t i = 0; i < good_.size(); ++i) {
      if (good_[i]) {
        bytes += detail::chunk_length(i, file_.size, file_.chunk_size);
      }
    }
    return bytes;
  }

 private:
  uint64_t chunk_end(size_t index) const {
    return detail::chunk_offset(index, file_.chunk_size) +
           detail::chunk_length(index, file_.size, file_.chunk_size);
  }

  // On a thread of the pool.
  void mark_good(size_t index) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      good_[index] = true;
    }
    changed_.notify_all();
  }

  const Manifest file_;
  const std::string id_;
  Buffer buffer_;
  detail::Prefault prefault_;  // stopped before the buffer is freed

  mutable std::mutex mutex_;
  std::condition_variable changed_;  // a chunk checked, a failure, abandoned
  std::vector<bool> good_;           // per chunk
  std::exception_ptr failure_;
  std::atomic<bool> abandoned_{false};

  // The receiving thread's.
  uint64_t position_ = 0;
  size_t next_ = 0;                // the first chunk of the range not submitted
  std::vector<bool> submitted_;  // per chunk: handed to the checker

  // Declared last: its pool is joined first, before what it reads and marks.
  detail::ChunkChecker checker_;
};

bool ArrivingFile::suits(const Manifest& file) {
  return file.chunk_size > 0 && file.chunks.size() >= 2;
}

unsigned ArrivingFile::default_threads() {
  return detail::ChunkChecker::default_threads();
}

ArrivingFile::ArrivingFile(Manifest file, unsigned threads) {
  if (file.chunk_size == 0 || file.chunks.empty()) {
    throw std::invalid_argument("ArrivingFile: " + file.name +
                                " has no chunk digests");
  }
  uint64_t expected = std::max<uint64_t>(
      1, (file.size + file.chunk_size - 1) / file.chunk_size);
  if (file.chunks.size() != expected) {
    throw std::invalid_argument(
        "ArrivingFile: " + file.name + " has " +
        std::to_string(file.chunks.size()) + " chunk digests, its " +
        std::to_string(file.size) + " bytes make " + std::to_string(expected));
  }
  impl_ = std::make_unique<Impl>(std::move(file), threads);
}

ArrivingFile::~ArrivingFile() = default;

const Manifest& ArrivingFile::manifest() const { return impl_->file(); }
uint64_t ArrivingFile::size() const { return impl_->file().size; }

uint64_t ArrivingFile::tail_offset() const {
  const Manifest& file = impl_->file();
  uint64_t reach = file.size > kTailReach ? file.size - kTailReach : 0;
  return detail::chunk_offset(static_cast<size_t>(reach / file.chunk_size),
                              file.chunk_size);
}

size_t ArrivingFile::read(uint64_t pos, void* out, size_t n) {
  return impl_->read(pos, out, n);
}

void ArrivingFile::fail(std::exception_ptr error) { impl_->fail(error); }
void ArrivingFile::abandon() { impl_->abandon(); }
std::exception_ptr ArrivingFile::failure() const { return impl_->failure(); }
uint64_t ArrivingFile::checked() const { return impl_->checked(); }
detail::Sink& ArrivingFile::sink() { return *impl_; }

}  // namespace torchfeed
