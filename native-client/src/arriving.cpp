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
#include "placement.h"
#include "sink.h"
#include "torchfeed/buffer.h"
#include "torchfeed/errors.h"

namespace torchfeed {

// The sink FetchClient::transfer writes into (one range at a time, each
// starting on a chunk boundary), and the record of which chunks are checked
// that read() waits on. Each chunk goes to the ChunkChecker's pool as soon
// as its last byte is in; the pool marks it good and wakes the readers.
//
// A read of kDirectMin bytes or more (a tensor record, as LibTorch reads
// one) registers its destination as a landing: the bytes of its range not
// yet received are then received straight into it, not into the file's
// buffer, and hashed there; only what had arrived before is copied. So a
// model's tensors are neither faulted in twice nor copied. The receiving
// thread writes into a landing only until the read's chunks are checked,
// which the read waits for; should the read end early (a failure), it waits
// for the transfer to be over before it returns. Bytes that went to a
// reader's memory are not kept: a second read of them fails the load
// (LibTorch 1.13 reads each record once).
class ArrivingFile::Impl final : public detail::Sink {
 public:
  static constexpr uint64_t kDirectMin = uint64_t{1} << 20;

  Impl(Manifest file, unsigned threads)
      : file_(std::move(file)),
        id_(file_.name + ":" + std::to_string(file_.version)),
        buffer_(static_cast<size_t>(file_.size)),
        good_(file_.chunks.size(), false),
        submitted_(file_.chunks.size(), false),
        checker_(threads, {}, [this](size_t index) { mark_good(index); }) {
    checker_.start(id_, file_.chunk_size, file_.chunks);
  }

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
    size_t stop = first;  // the chunks from `first` not handed over yet
    while (stop < submitted_.size() && !submitted_[stop]) ++stop;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      placement_.forget(held, std::min<uint64_t>(
                                  detail::chunk_offset(stop, file_.chunk_size),
                                  file_.size));
    }
    position_ = held;
    next_ = first;
  }

  // Into the landing that holds the next byte, if any; else into the
  // buffer, up to the next landing and at most kDirectMin bytes (a landing
  // registered while the receiving thread waits for bytes takes effect at
  // its next space()).
  std::pair<uint8_t*, size_t> space(uint64_t wanted) override {
    std::lock_guard<std::mutex> lock(mutex_);
    uint64_t room = std::min<uint64_t>(wanted, file_.size - position_);
    uint8_t* at = buffer_.data() + position_;
    bool landing = false;
    for (const Landing& l : landings_) {
      if (l.pos <= position_ && position_ < l.pos + l.length) {
        at = l.out + (position_ - l.pos);
        room = std::min(room, l.pos + l.length - position_);
        landing = true;
        break;
      }
      if (l.pos > position_) room = std::min(room, l.pos - position_);
    }
    if (!landing) room = std::min(room, kDirectMin);
    space_ = at;
    return {at, static_cast<size_t>(room)};
  }

  void commit(size_t n) override {
    if (abandoned_.load()) throw CancelledError();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      placement_.wrote(position_, space_, n);
    }
    position_ += n;
    while (next_ < good_.size() && chunk_end(next_) <= position_) {
      std::vector<detail::Placement::Piece> pieces;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        pieces = placement_.pieces(
            detail::chunk_offset(next_, file_.chunk_size), chunk_end(next_));
      }
      submitted_[next_] = true;
      checker_.submit(next_, [pieces = std::move(pieces)](
                                 detail::Sha256& hash) {
        for (const auto& piece : pieces) {
          hash.update(piece.data, static_cast<size_t>(piece.length));
        }
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

  // Reads that overlap a waiting read, or bytes given to an earlier reader's
  // memory, fail the load: the memory they would come from is another
  // reader's. Anything thrown here fails it too (LibTorch reads through C
  // code, which an exception must not cross).
  size_t read(uint64_t pos, void* out, size_t n) {
    if (pos >= file_.size || n == 0) return 0;
    n = static_cast<size_t>(std::min<uint64_t>(n, file_.size - pos));
    uint8_t* dest = static_cast<uint8_t*>(out);
    bool landing = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      std::string refused;
      if (overlaps(landings_, pos, n)) {
        refused = " while another read of them waits";
      } else if (gone(pos, n)) {
        refused = " twice; loading while receiving gives a tensor's bytes "
                  "once (Options::load_while_receiving = false loads it "
                  "whole)";
      }
      if (!refused.empty()) {
        fail_locked(std::make_exception_ptr(Error(
            "LibTorch read bytes [" + std::to_string(pos) + ", " +
            std::to_string(pos + n) + ") of " + id_ + refused)));
      } else if (n >= kDirectMin) {
        landings_.push_back({pos, n, dest});
        landing = true;
      }
      if (!refused.empty()) {
        changed_.notify_all();
        return 0;
      }
    }
    changed_.notify_all();
    size_t done = 0;
    try {
      done = give(pos, dest, n);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      fail_locked(std::current_exception());
      done = 0;
    }
    changed_.notify_all();
    if (landing) {
      std::unique_lock<std::mutex> lock(mutex_);
      if (done < n) {  // the receiving thread may still be writing into it
        changed_.wait(lock, [this] { return over_; });
      }
      landings_.erase(std::find_if(
          landings_.begin(), landings_.end(),
          [&](const Landing& l) { return l.out == dest && l.pos == pos; }));
      released_.push_back({pos, n, dest});
    }
    return done;
  }

  // Bytes [pos, pos + n) into dest, chunk by chunk as each is checked: what
  // landed in dest stays, the rest is copied from the buffer. Short when the
  // transfer failed or the file was abandoned.
  size_t give(uint64_t pos, uint8_t* dest, size_t n) {
    size_t done = 0;
    while (done < n) {
      uint64_t at = pos + done;
      size_t index = static_cast<size_t>(at / file_.chunk_size);
      uint64_t end = std::min<uint64_t>(chunk_end(index), pos + n);
      std::vector<detail::Placement::Piece> pieces;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [&] {
          return good_[index] || failure_ != nullptr || abandoned_.load();
        });
        if (!good_[index]) break;
        pieces = placement_.pieces(at, end);
      }
      for (const auto& piece : pieces) {
        uint8_t* target = dest + (piece.offset - pos);
        if (piece.data != target) {
          std::memcpy(target, piece.data, static_cast<size_t>(piece.length));
          copied_ += piece.length;
        }
      }
      done = static_cast<size_t>(end - pos);
    }
    return done;
  }

  // No chunk is hashed after it: a landing's memory may go once its read
  // returns.
  void fail(std::exception_ptr error) {
    checker_.drain();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      fail_locked(error);
      over_ = true;
    }
    changed_.notify_all();
  }

  void finished() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      over_ = true;
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

  uint64_t copied() const { return copied_.load(); }

  size_t landings() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return landings_.size();
  }

 private:
  // A reader's destination for bytes [pos, pos + length) of the file.
  struct Landing {
    uint64_t pos;
    uint64_t length;
    uint8_t* out;
  };

  static bool overlaps(const std::vector<Landing>& ranges, uint64_t pos,
                       uint64_t n) {
    return std::any_of(ranges.begin(), ranges.end(), [&](const Landing& l) {
      return l.pos < pos + n && pos < l.pos + l.length;
    });
  }

  // Whether bytes of [pos, pos + n) went straight into the memory of a read
  // that has returned (under the lock).
  bool gone(uint64_t pos, uint64_t n) const {
    for (const Landing& l : released_) {
      uint64_t begin = std::max(pos, l.pos);
      uint64_t end = std::min(pos + n, l.pos + l.length);
      if (begin >= end) continue;
      try {
        for (const auto& piece : placement_.pieces(begin, end)) {
          if (piece.data >= l.out && piece.data < l.out + l.length) {
            return true;
          }
        }
      } catch (const std::logic_error&) {  // it ended short
        return true;
      }
    }
    return false;
  }

  void fail_locked(std::exception_ptr error) {
    if (failure_ == nullptr && !abandoned_.load()) failure_ = error;
  }

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
  Buffer buffer_;  // its pages are touched only where bytes land in it

  mutable std::mutex mutex_;
  // A chunk checked, a landing, a failure, the transfer over, abandoned.
  std::condition_variable changed_;
  std::vector<bool> good_;  // per chunk
  detail::Placement placement_;
  std::vector<Landing> landings_;
  std::vector<Landing> released_;  // landings whose reads returned
  std::exception_ptr failure_;
  bool over_ = false;  // the transfer returned or failed
  std::atomic<bool> abandoned_{false};
  std::atomic<uint64_t> copied_{0};

  // The receiving thread's.
  uint64_t position_ = 0;
  uint8_t* space_ = nullptr;     // where space() pointed
  size_t next_ = 0;              // the first chunk of the range not submitted
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
void ArrivingFile::finished() { impl_->finished(); }
uint64_t ArrivingFile::copied() const { return impl_->copied(); }
size_t ArrivingFile::landings() const { return impl_->landings(); }
void ArrivingFile::abandon() { impl_->abandon(); }
std::exception_ptr ArrivingFile::failure() const { return impl_->failure(); }
uint64_t ArrivingFile::checked() const { return impl_->checked(); }
detail::Sink& ArrivingFile::sink() { return *impl_; }

}  // namespace torchfeed
