// Where the bytes of a file arriving went (src/placement.h): pure, no
// threads.
#include "placement.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

using torchfeed::detail::Placement;

namespace {

// (offset, pointer, length) triples, comparable.
std::vector<std::vector<uintptr_t>> shape(
    const std::vector<Placement::Piece>& pieces) {
  std::vector<std::vector<uintptr_t>> out;
  for (const auto& p : pieces) {
    out.push_back({static_cast<uintptr_t>(p.offset),
                   reinterpret_cast<uintptr_t>(p.data),
                   static_cast<uintptr_t>(p.length)});
  }
  return out;
}

std::vector<uintptr_t> piece(uint64_t offset, const uint8_t* data,
                             uint64_t length) {
  return {static_cast<uintptr_t>(offset), reinterpret_cast<uintptr_t>(data),
          static_cast<uintptr_t>(length)};
}

}  // namespace

TEST(Placement, WritesThatFollowInFileAndMemoryAreOnePiece) {
  uint8_t buffer[100];
  uint8_t elsewhere[100];
  Placement p;
  p.wrote(0, buffer, 10);
  p.wrote(10, buffer + 10, 20);
  p.wrote(30, elsewhere, 5);  // follows in the file, not in memory
  EXPECT_EQ(shape(p.pieces(0, 35)),
            (std::vector<std::vector<uintptr_t>>{piece(0, buffer, 30),
                                                 piece(30, elsewhere, 5)}));
  EXPECT_EQ(shape(p.pieces(5, 32)),
            (std::vector<std::vector<uintptr_t>>{piece(5, buffer + 5, 25),
                                                 piece(30, elsewhere, 2)}));
}

TEST(Placement, AMissingByteIsAnError) {
  uint8_t buffer[100];
  Placement p;
  p.wrote(0, buffer, 10);
  p.wrote(20, buffer + 20, 10);
  EXPECT_THROW(p.pieces(5, 25), std::logic_error);
  EXPECT_THROW(p.pieces(30, 31), std::logic_error);
  EXPECT_EQ(p.pieces(20, 30).size(), 1u);
}

TEST(Placement, ForgettingARangeKeepsWhatIsAroundIt) {
  uint8_t buffer[100];
  uint8_t reader[100];
  Placement p;
  p.wrote(0, buffer, 100);
  p.forget(40, 60);
  EXPECT_THROW(p.pieces(39, 41), std::logic_error);
  EXPECT_EQ(shape(p.pieces(0, 40)),
            (std::vector<std::vector<uintptr_t>>{piece(0, buffer, 40)}));
  EXPECT_EQ(shape(p.pieces(60, 100)),
            (std::vector<std::vector<uintptr_t>>{piece(60, buffer + 60, 40)}));
  // Written again elsewhere (a resumed transfer into a reader's memory).
  p.wrote(40, reader, 20);
  EXPECT_EQ(shape(p.pieces(30, 70)),
            (std::vector<std::vector<uintptr_t>>{piece(30, buffer + 30, 10),
                                                 piece(40, reader, 20),
                                                 piece(60, buffer + 60, 10)}));
  // Overwritten across pieces.
  p.wrote(35, buffer + 35, 30);
  EXPECT_EQ(shape(p.pieces(0, 100)),
            (std::vector<std::vector<uintptr_t>>{piece(0, buffer, 65),
                                                 piece(65, buffer + 65, 35)}));
}
