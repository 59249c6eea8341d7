#include "placement.h"

#include <algorithm>
#include <iterator>
#include <stdexcept>
#include <string>

namespace torchfeed::detail {

void Placement::wrote(uint64_t offset, const uint8_t* data, uint64_t length) {
  if (length == 0) return;
  forget(offset, offset + length);
  auto after = pieces_.lower_bound(offset);
  if (after != pieces_.begin()) {
    Piece& before = std::prev(after)->second;
    if (before.offset + before.length == offset &&
        before.data + before.length == data) {
      before.length += length;
      return;
    }
  }
  pieces_.emplace(offset, Piece{offset, data, length});
}

void Placement::forget(uint64_t begin, uint64_t end) {
  if (begin >= end) return;
  auto it = pieces_.lower_bound(begin);
  if (it != pieces_.begin()) {  // a piece from before `begin` into it
    Piece& before = std::prev(it)->second;
    uint64_t before_end = before.offset + before.length;
    if (before_end > begin) {
      before.length = begin - before.offset;
      if (before_end > end) {  // and past `end`: its tail stays
        uint64_t skip = end - before.offset;
        pieces_.emplace(end, Piece{end, before.data + skip, before_end - end});
        return;
      }
    }
  }
  while (it != pieces_.end() && it->first < end) {
    Piece piece = it->second;
    it = pieces_.erase(it);
    uint64_t piece_end = piece.offset + piece.length;
    if (piece_end > end) {  // its tail past `end` stays
      uint64_t skip = end - piece.offset;
      pieces_.emplace(end, Piece{end, piece.data + skip, piece_end - end});
      return;
    }
  }
}

std::vector<Placement::Piece> Placement::pieces(uint64_t begin,
                                                uint64_t end) const {
  std::vector<Piece> out;
  uint64_t at = begin;
  auto it = pieces_.upper_bound(begin);
  if (it != pieces_.begin()) --it;
  for (; at < end && it != pieces_.end(); ++it) {
    const Piece& p = it->second;
    uint64_t p_end = p.offset + p.length;
    if (p_end <= at) continue;
    if (p.offset > at) break;  // a gap
    uint64_t stop = std::min(p_end, end);
    out.push_back({at, p.data + (at - p.offset), stop - at});
    at = stop;
  }
  if (at < end) {
    throw std::logic_error("bytes [" + std::to_string(at) + ", " +
                           std::to_string(end) + ") were not written");
  }
  return out;
}

}  // namespace torchfeed::detail
