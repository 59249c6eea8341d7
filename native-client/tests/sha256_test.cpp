// detail::BufferSha256: hashing a buffer on a thread of its own while it is
// filled gives the same digest as hashing it in line, however the bytes
// arrive, across restarts, and for buffers too small for the thread.
#include "sha256.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "torchfeed/protocol.h"

namespace {

using torchfeed::detail::BufferSha256;
using torchfeed::detail::Sha256;

std::vector<uint8_t> random_bytes(size_t n) {
  std::mt19937 random(42);
  std::vector<uint8_t> bytes(n);
  for (auto& b : bytes) b = static_cast<uint8_t>(random());
  return bytes;
}

std::string in_line(const std::vector<uint8_t>& bytes) {
  Sha256 hash;
  hash.update(bytes.data(), bytes.size());
  return torchfeed::protocol::to_hex(hash.digest());
}

// Feeds [0, n) in uneven steps, as recv() returns them.
std::string threaded(BufferSha256& hash, const std::vector<uint8_t>& bytes) {
  hash.restart(bytes.data(), bytes.size());
  std::mt19937 random(7);
  uint64_t ready = 0;
  while (ready < bytes.size()) {
    ready = std::min<uint64_t>(bytes.size(), ready + 1 + random() % 300000);
    hash.advance(ready);
  }
  return torchfeed::protocol::to_hex(hash.digest());
}

TEST(BufferSha256, KnownVectorInLine) {
  std::vector<uint8_t> abc = {'a', 'b', 'c'};
  BufferSha256 hash;
  EXPECT_EQ(threaded(hash, abc),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(BufferSha256, LargeBufferOnItsThreadMatchesInLine) {
  std::vector<uint8_t> bytes = random_bytes(BufferSha256::kMinThreaded * 3 + 5);
  BufferSha256 hash;
  EXPECT_EQ(threaded(hash, bytes), in_line(bytes));
}

TEST(BufferSha256, RestartDropsWhatWasHashed) {
  std::vector<uint8_t> bytes = random_bytes(BufferSha256::kMinThreaded + 1);
  BufferSha256 hash;
  hash.restart(bytes.data(), bytes.size());
  hash.advance(bytes.size() / 2);  // a transfer that is started over
  EXPECT_EQ(threaded(hash, bytes), in_line(bytes));
  std::vector<uint8_t> small = random_bytes(1000);  // reused, in line
  EXPECT_EQ(threaded(hash, small), in_line(small));
  EXPECT_EQ(threaded(hash, bytes), in_line(bytes));
}

TEST(BufferSha256, DestroyedWhileHashing) {
  std::vector<uint8_t> bytes = random_bytes(BufferSha256::kMinThreaded * 2);
  BufferSha256 hash;
  hash.restart(bytes.data(), bytes.size());
  hash.advance(bytes.size());
}  // joins without a digest

}  // namespace
