// One allocation of bytes: where a model is fetched into memory (Download),
// and what LibTorch then reads in place (loading.h, MemoryReadAdapter).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace torchfeed {

// One allocation of bytes, not zero-filled. Movable, not copyable.
class Buffer {
 public:
  Buffer() = default;
  // Error when the bytes cannot be allocated.
  explicit Buffer(size_t size);

  uint8_t* data() { return data_.get(); }
  const uint8_t* data() const { return data_.get(); }
  size_t size() const { return size_; }

 private:
  std::unique_ptr<uint8_t[]> data_;
  size_t size_ = 0;
};

}  // namespace torchfeed
