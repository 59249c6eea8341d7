// SHA-256 with OpenSSL's EVP API, fed as bytes arrive.
#pragma once

#include <openssl/evp.h>

#include <array>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

namespace torchfeed::detail {

class Sha256 {
 public:
  Sha256();
  void reset();
  void update(const void* data, size_t n);
  std::array<uint8_t, 32> digest();  // of everything since the last reset

 private:
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx_;
};

// Hashes a buffer that is being filled from its start, on a thread of its
// own, so that the thread receiving the bytes only receives: a model arrives
// about as fast as SHA-256 runs on one core, and hashing in line would add
// the two. advance(n) says bytes [0, n) are in place; digest() waits until
// they are all hashed. Buffers under kMinThreaded bytes are hashed in line
// by advance(), without a thread. The thread is woken once a kBatch of bytes
// is waiting (or at the end), not at every recv().
class BufferSha256 {
 public:
  static constexpr size_t kMinThreaded = size_t{4} << 20;
  static constexpr uint64_t kBatch = uint64_t{1} << 20;

  BufferSha256() = default;
  ~BufferSha256();
  BufferSha256(const BufferSha256&) = delete;
  BufferSha256& operator=(const BufferSha256&) = delete;

  // Starts over on data[0, size), nothing hashed yet. data must outlive the
  // next restart() or the destructor.
  void restart(const uint8_t* data, size_t size);
  // Bytes [0, ready) of the buffer are final (ready never goes back).
  void advance(uint64_t ready);
  // The SHA-256 of bytes [0, ready), once all are hashed.
  std::array<uint8_t, 32> digest();

 private:
  void run();
  void wait_idle(std::unique_lock<std::mutex>& lock);

  Sha256 hash_;
  const uint8_t* data_ = nullptr;
  uint64_t size_ = 0;
  std::mutex mutex_;
  std::condition_variable work_;  // ready_ moved on, or stop_
  std::condition_variable idle_;  // busy_ went false
  uint64_t ready_ = 0;
  uint64_t hashed_ = 0;
  bool busy_ = false;     // the thread is hashing, outside the lock
  bool waiting_ = false;  // the thread waits for work
  bool stop_ = false;
  std::exception_ptr error_;
  std::thread thread_;  // started by restart() for a large buffer
};

}  // namespace torchfeed::detail
