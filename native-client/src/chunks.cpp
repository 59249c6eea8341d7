#include "chunks.h"

#include <algorithm>
#include <utility>

#include "torchfeed/errors.h"
#include "torchfeed/protocol.h"

namespace torchfeed::detail {

uint64_t chunk_offset(size_t index, uint64_t chunk_size) {
  return static_cast<uint64_t>(index) * chunk_size;
}

uint64_t chunk_length(size_t index, uint64_t size, uint64_t chunk_size) {
  uint64_t begin = chunk_offset(index, chunk_size);
  return begin >= size ? 0 : std::min(chunk_size, size - begin);
}

unsigned ChunkChecker::default_threads() {
  return std::max(1u, std::thread::hardware_concurrency());
}

ChunkChecker::ChunkChecker(unsigned threads, Hook before_hash,
                           Checked checked)
    : threads_(threads),
      before_hash_(std::move(before_hash)),
      checked_(std::move(checked)) {}

ChunkChecker::~ChunkChecker() {
  {
    std::unique_lock<std::mutex> lock(mutex_);
    stop_ = true;
    drop_queued(lock);
  }
  work_.notify_all();
  for (std::thread& worker : workers_) worker.join();
}

void ChunkChecker::drop_queued(std::unique_lock<std::mutex>& lock) {
  pending_ -= queue_.size();
  std::deque<Task> dropped;
  dropped.swap(queue_);
  lock.unlock();
  dropped.clear();  // the Readers' captures go outside the lock
  lock.lock();
}

void ChunkChecker::start(std::string what, uint64_t chunk_size,
                         std::vector<std::string> digests) {
  std::unique_lock<std::mutex> lock(mutex_);
  drop_queued(lock);
  done_.wait(lock, [this] { return running_ == 0; });
  what_ = std::move(what);
  chunk_size_ = chunk_size;
  digests_ = std::move(digests);
  pending_ = 0;
  bad_index_.reset();
  bad_message_.clear();
  error_ = nullptr;
  size_t wanted = std::min<size_t>(threads_, digests_.size());
  while (workers_.size() < wanted) workers_.emplace_back([this] { run(); });
}

void ChunkChecker::drain() {
  std::unique_lock<std::mutex> lock(mutex_);
  drop_queued(lock);
  done_.wait(lock, [this] { return running_ == 0; });
}

void ChunkChecker::submit(size_t index, Reader read) {
  Task task{index, std::move(read)};
  if (threads_ == 0) {
    std::unique_lock<std::mutex> lock(mutex_);
    ++pending_;
    ++running_;
    lock.unlock();
    check(task);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++pending_;
    queue_.push_back(std::move(task));
  }
  work_.notify_one();
}

void ChunkChecker::throw_if_failed() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (bad_index_ || error_) throw_failure();
}

void ChunkChecker::wait() {
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [this] { return pending_ == 0 || bad_index_ || error_; });
  if (bad_index_ || error_) throw_failure();
}

void ChunkChecker::throw_failure() {
  if (error_) std::rethrow_exception(error_);
  throw ChecksumError(bad_message_);
}

void ChunkChecker::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    work_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    Task task = std::move(queue_.front());
    queue_.pop_front();
    ++running_;
    lock.unlock();
    check(task);
    task.read = nullptr;
    lock.lock();
  }
}

void ChunkChecker::check(Task& task) {
  std::string actual;
  std::exception_ptr error;
  bool skip;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    skip = bad_index_.has_value() || error_ != nullptr;  // already failed
  }
  if (!skip) {
    try {
      if (before_hash_) before_hash_(task.index);
      thread_local Sha256 hash;  // one per pool thread (or the caller's)
      hash.reset();
      task.read(hash);
      actual = protocol::to_hex(hash.digest());
    } catch (...) {
      error = std::current_exception();
    }
  }
  const bool good = !skip && !error && task.index < digests_.size() &&
                    actual == digests_[task.index];
  if (good && checked_) checked_(task.index);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    --running_;
    --pending_;
    if (error && !error_) error_ = error;
    if (!skip && !error && !good && task.index < digests_.size() &&
        (!bad_index_ || task.index < *bad_index_)) {
      bad_index_ = task.index;
      uint64_t offset = chunk_offset(task.index, chunk_size_);
      bad_message_ = "chunk " + std::to_string(task.index) + " of " + what_ +
                     " (offset " + std::to_string(offset) + ") hashes to " +
                     actual + ", the manifest says " +
                     digests_[task.index] +
                     "; the bytes received were discarded";
    }
  }
  done_.notify_all();
}

}  // namespace torchfeed::detail
