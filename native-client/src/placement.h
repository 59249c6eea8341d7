// Where the bytes of a file arriving went (ArrivingFile): into the file's own
// buffer, or straight into the memory of a reader waiting for them. Pure
// bookkeeping for one receiving thread's writes; the caller locks.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

namespace torchfeed::detail {

class Placement {
 public:
  struct Piece {
    uint64_t offset;  // in the file
    const uint8_t* data;
    uint64_t length;
  };

  // Bytes [offset, offset + length) of the file were written at `data`;
  // joined to the piece before when they follow it in the file and in
  // memory.
  void wrote(uint64_t offset, const uint8_t* data, uint64_t length);
  // Forgets what was written of [begin, end): a resumed transfer writes it
  // again.
  void forget(uint64_t begin, uint64_t end);
  // The pieces that hold [begin, end), in file order, cut to it.
  // std::logic_error if a byte of it was not written.
  std::vector<Piece> pieces(uint64_t begin, uint64_t end) const;

 private:
  std::map<uint64_t, Piece> pieces_;  // by offset; they do not overlap
};

}  // namespace torchfeed::detail
