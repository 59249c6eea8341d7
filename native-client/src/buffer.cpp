#include "torchfeed/buffer.h"

#include <new>
#include <string>

#include "torchfeed/errors.h"

namespace torchfeed {

Buffer::Buffer(size_t size) : size_(size) {
  try {
    data_.reset(new uint8_t[size]);
  } catch (const std::bad_alloc&) {
    throw Error("cannot allocate " + std::to_string(size) +
                " bytes for the model");
  }
}

}  // namespace torchfeed
