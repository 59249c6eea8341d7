#include "sha256.h"

#include "torchfeed/errors.h"

namespace torchfeed::detail {

Sha256::Sha256() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
  if (!ctx_) throw Error("OpenSSL could not allocate a digest context");
  reset();
}

void Sha256::reset() {
  if (EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) {
    throw Error("OpenSSL could not start a SHA-256 digest");
  }
}

void Sha256::update(const void* data, size_t n) {
  if (EVP_DigestUpdate(ctx_.get(), data, n) != 1) {
    throw Error("OpenSSL could not update a SHA-256 digest");
  }
}

std::array<uint8_t, 32> Sha256::digest() {
  std::array<uint8_t, 32> out{};
  unsigned int n = 0;
  if (EVP_DigestFinal_ex(ctx_.get(), out.data(), &n) != 1 || n != 32) {
    throw Error("OpenSSL could not finish a SHA-256 digest");
  }
  reset();
  return out;
}

BufferSha256::~BufferSha256() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  work_.notify_one();
  thread_.join();
}

void BufferSha256::wait_idle(std::unique_lock<std::mutex>& lock) {
  idle_.wait(lock, [this] { return !busy_ && hashed_ == ready_; });
}

void BufferSha256::restart(const uint8_t* data, size_t size) {
  std::unique_lock<std::mutex> lock(mutex_);
  wait_idle(lock);
  hash_.reset();
  data_ = data;
  size_ = size;
  ready_ = hashed_ = 0;
  error_ = nullptr;
  if (size >= kMinThreaded && !thread_.joinable()) {
    thread_ = std::thread([this] { run(); });
  }
}

void BufferSha256::advance(uint64_t ready) {
  if (!thread_.joinable()) {  // a small buffer: in line
    hash_.update(data_ + ready_, ready - ready_);
    ready_ = hashed_ = ready;
    return;
  }
  bool wake;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ready_ = ready;
    wake = waiting_ && (ready_ - hashed_ >= kBatch || ready_ == size_);
  }
  if (wake) work_.notify_one();
}

std::array<uint8_t, 32> BufferSha256::digest() {
  std::unique_lock<std::mutex> lock(mutex_);
  work_.notify_one();  // the last bytes, if less than a batch
  wait_idle(lock);
  if (error_) std::rethrow_exception(error_);
  return hash_.digest();
}

void BufferSha256::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    waiting_ = true;
    work_.wait(lock, [this] { return stop_ || hashed_ < ready_; });
    waiting_ = false;
    if (stop_) return;
    uint64_t from = hashed_;
    uint64_t to = ready_;
    busy_ = true;
    lock.unlock();
    std::exception_ptr error;
    try {
      hash_.update(data_ + from, to - from);
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    busy_ = false;
    hashed_ = to;
    if (error && !error_) error_ = error;
    if (hashed_ == ready_) idle_.notify_all();
  }
}

}  // namespace torchfeed::detail
