// Where the bytes of a transfer go (FetchClient::transfer writes them, a
// Sink keeps and checks them), and what helps a sink in memory.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <thread>
#include <utility>

#include "torchfeed/manifest.h"

namespace torchfeed::detail {

// Where the bytes of a transfer go, and how they are checked. Before each
// FETCH_HEADER's bytes, start(): `file` is the manifest of the version served
// and the bytes that follow go at offset `held`. A transfer of the whole file
// keeps the first `held` bytes (held == 0 starts over); one of a range
// (ArrivingFile) keeps what it has of the other ranges too. With chunk
// digests (file.chunk_size > 0) held is a chunk boundary (resume_offset) and
// each chunk is checked on a pool of threads as soon as its last byte is in;
// without, the whole file is hashed as it arrives.
class Sink {
 public:
  virtual ~Sink() = default;
  virtual void start(const std::string& id, const Manifest& file,
                     uint64_t held) = 0;
  // Where the next bytes go: room for at least 1, at most `wanted`.
  virtual std::pair<uint8_t*, size_t> space(uint64_t wanted) = 0;
  // The next n bytes have been written at space().first. ChecksumError as
  // soon as a chunk is found bad.
  virtual void commit(size_t n) = 0;
  // Every byte is in: waits until every chunk is checked, or compares the
  // whole file's SHA-256 with `sha256`. ChecksumError when they differ.
  virtual void verify(const std::string& id, const std::string& sha256) = 0;
};

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

}  // namespace torchfeed::detail
