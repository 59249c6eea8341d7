// Checking a file's chunks (docs/protocol.md 5.3, protocol version 3) as
// they arrive, on a pool of threads, instead of one SHA-256 pass over the
// whole file behind the receiving thread.
#pragma once

#include <array>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "sha256.h"

namespace torchfeed::detail {

// Where chunk `index` of a file of `size` bytes in chunks of `chunk_size`
// starts, and how long it is (the last one shorter; an empty file is one
// empty chunk).
uint64_t chunk_offset(size_t index, uint64_t chunk_size);
uint64_t chunk_length(size_t index, uint64_t size, uint64_t chunk_size);

// Hashes whole chunks and compares each with its digest from the manifest.
// submit() hands a chunk to the pool as soon as its last byte is in place;
// wait() returns once every chunk submitted has been checked, and throws
// ChecksumError naming the first bad one:
//
//   chunk 2 of toynet:1 (offset 16777216) hashes to 5edc..., the manifest
//   says 26e5...; the bytes received were discarded
//
// Not thread-safe: one thread starts, submits and waits; the hashing runs on
// the pool's threads (or in line, when made with 0 threads).
class ChunkChecker {
 public:
  // Feeds the bytes of one chunk to a hash (from memory, or read back from a
  // file); may throw an Error, which wait() then rethrows.
  using Reader = std::function<void(Sha256& hash)>;
  // Called on the hashing thread with the chunk's index before it hashes it
  // (tests: which threads check, and that two chunks are checked at once).
  using Hook = std::function<void(size_t index)>;
  // Called on the hashing thread with the index of a chunk found good, before
  // wait() can return for it (an ArrivingFile lets readers at its bytes).
  using Checked = std::function<void(size_t index)>;

  // std::thread::hardware_concurrency(), at least 1.
  static unsigned default_threads();

  // Up to `threads` threads, started by start() (no more than the file has
  // chunks); 0: every chunk is checked in line by submit().
  explicit ChunkChecker(unsigned threads = default_threads(),
                        Hook before_hash = {}, Checked checked = {});
  // Drops the chunks not yet begun, waits for those being hashed, joins.
  ~ChunkChecker();
  ChunkChecker(const ChunkChecker&) = delete;
  ChunkChecker& operator=(const ChunkChecker&) = delete;

  // Starts over on a file: `what` names it in errors ("toynet:1"); its
  // chunks' size and lower-case hex digests. Drops the chunks not yet begun
  // and waits for those being hashed first, so that their bytes may then be
  // overwritten.
  void start(std::string what, uint64_t chunk_size,
             std::vector<std::string> digests);
  // Chunk `index` is whole: read() will give its bytes until wait() returns,
  // start() is called again or the checker is destroyed.
  void submit(size_t index, Reader read);
  // Drops the chunks not yet begun and waits for those being hashed: after
  // it, no Reader runs until the next submit() (their bytes may be freed).
  void drain();
  // Throws the ChecksumError of a bad chunk found so far, if any: lets the
  // receiving thread stop at once.
  void throw_if_failed();
  // Waits until every chunk submitted since start() is checked (or one is
  // bad); ChecksumError for the bad chunk of the lowest index found.
  void wait();

  unsigned threads() const { return threads_; }
  size_t chunks() const { return digests_.size(); }

 private:
  struct Task {
    size_t index;
    Reader read;
  };

  void run();
  // Hashes and compares one chunk; records a failure under the lock.
  void check(Task& task);
  void drop_queued(std::unique_lock<std::mutex>& lock);
  [[noreturn]] void throw_failure();

  unsigned threads_;
  Hook before_hash_;
  Checked checked_;
  std::string what_;
  uint64_t chunk_size_ = 0;
  std::vector<std::string> digests_;

  std::mutex mutex_;
  std::condition_variable work_;  // a task queued, or stop_
  std::condition_variable done_;  // a task finished
  std::deque<Task> queue_;
  size_t pending_ = 0;  // submitted since start() and not finished
  size_t running_ = 0;  // being hashed now
  bool stop_ = false;
  // The bad chunk of the lowest index so far (its message), or an error
  // from a Reader.
  std::optional<size_t> bad_index_;
  std::string bad_message_;
  std::exception_ptr error_;
  std::vector<std::thread> workers_;
};

}  // namespace torchfeed::detail
