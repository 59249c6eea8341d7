// The chunk checker (src/chunks.h) and where a transfer resumes
// (src/failover.h): digests computed here with OpenSSL's one-shot SHA256(),
// not with the client's Sha256. No server.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "chunks.h"
#include "digests.h"
#include "failover.h"
#include "torchfeed/errors.h"

namespace tf = torchfeed;
using tf::detail::ChunkChecker;
using tf::testing::digests_of;
using tf::testing::hex_sha256;
using tf::testing::random_bytes;

namespace {

ChunkChecker::Reader reader(const std::vector<uint8_t>& file, size_t offset,
                            size_t length) {
  const uint8_t* data = file.data() + offset;
  return [data, length](tf::detail::Sha256& hash) {
    hash.update(data, length);
  };
}

// Submits every chunk of `file`, in order.
void submit_all(ChunkChecker& checker, const std::vector<uint8_t>& file,
                size_t chunk_size) {
  for (size_t i = 0; i < checker.chunks(); ++i) {
    size_t offset = i * chunk_size;
    checker.submit(i, reader(file, offset,
                             std::min(chunk_size, file.size() - offset)));
  }
}

// Waits until `count` threads have arrived; false if they have not within
// a minute (the test then fails instead of hanging).
class Latch {
 public:
  explicit Latch(int count) : count_(count) {}
  bool arrive_and_wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (--count_ <= 0) all_.notify_all();
    return all_.wait_for(lock, std::chrono::minutes(1),
                         [this] { return count_ <= 0; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable all_;
  int count_;
};

}  // namespace

TEST(ChunkLayout, OffsetsAndLengthsWithTheLastShorter) {
  EXPECT_EQ(tf::detail::chunk_offset(3, 8), 24u);
  EXPECT_EQ(tf::detail::chunk_length(0, 17, 8), 8u);
  EXPECT_EQ(tf::detail::chunk_length(2, 17, 8), 1u);
  EXPECT_EQ(tf::detail::chunk_length(1, 16, 8), 8u);
  EXPECT_EQ(tf::detail::chunk_length(0, 0, 8), 0u);  // an empty file
}

TEST(ChunkChecker, GoodChunksPassForEverySizeAroundTheBoundaries) {
  constexpr size_t kChunk = 1000;
  for (size_t size : {size_t{0}, size_t{1}, kChunk - 1, kChunk, kChunk + 1,
                      3 * kChunk, 3 * kChunk + 7}) {
    std::vector<uint8_t> file = random_bytes(size, static_cast<unsigned>(size));
    std::vector<std::string> digests = digests_of(file, kChunk);
    EXPECT_EQ(digests.size(), size == 0 ? 1 : (size + kChunk - 1) / kChunk);
    for (unsigned threads : {0u, 1u, 3u}) {
      ChunkChecker checker(threads);
      checker.start("m:1", kChunk, digests);
      submit_all(checker, file, kChunk);
      EXPECT_NO_THROW(checker.wait()) << size << " bytes, " << threads;
    }
  }
}

TEST(ChunkChecker, ABadChunkIsNamedWithItsIndexOffsetAndBothDigests) {
  constexpr size_t kChunk = 4096;
  std::vector<uint8_t> file = random_bytes(5 * kChunk + 100, 7);
  std::vector<std::string> digests = digests_of(file, kChunk);
  std::vector<uint8_t> received = file;
  received[3 * kChunk + 5] ^= 0xff;  // in chunk 3
  std::string actual = hex_sha256(received.data() + 3 * kChunk, kChunk);
  ChunkChecker checker(2);
  checker.start("big:4", kChunk, digests);
  submit_all(checker, received, kChunk);
  try {
    checker.wait();
    FAIL() << "a corrupted chunk passed";
  } catch (const tf::ChecksumError& e) {
    EXPECT_EQ(std::string(e.what()),
              "chunk 3 of big:4 (offset 12288) hashes to " + actual +
                  ", the manifest says " + digests[3] +
                  "; the bytes received were discarded");
  }
}

TEST(ChunkChecker, OfTwoBadChunksTheFirstIsNamedAndTheLastChunkIsChecked) {
  constexpr size_t kChunk = 100;
  std::vector<uint8_t> file = random_bytes(3 * kChunk + 1, 8);
  std::vector<std::string> digests = digests_of(file, kChunk);
  std::vector<uint8_t> received = file;
  received.back() ^= 1;  // the last chunk: one byte
  {
    ChunkChecker checker(2);
    checker.start("m:1", kChunk, digests);
    submit_all(checker, received, kChunk);
    EXPECT_THROW(checker.wait(), tf::ChecksumError);
  }
  received[kChunk] ^= 1;  // chunk 1 too; checked in line, in order
  ChunkChecker checker(0);
  checker.start("m:1", kChunk, digests);
  submit_all(checker, received, kChunk);
  try {
    checker.wait();
    FAIL() << "corrupted chunks passed";
  } catch (const tf::ChecksumError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("chunk 1 of m:1 (offset 100)", 0),
              0u)
        << e.what();
  }
}

TEST(ChunkChecker, AFailureIsSeenBeforeTheLastChunkArrives) {
  constexpr size_t kChunk = 64;
  std::vector<uint8_t> file = random_bytes(4 * kChunk, 9);
  std::vector<std::string> digests = digests_of(file, kChunk);
  file[0] ^= 1;
  ChunkChecker checker(0);  // in line: the result is there at once
  checker.start("m:1", kChunk, digests);
  checker.submit(0, reader(file, 0, kChunk));
  EXPECT_THROW(checker.throw_if_failed(), tf::ChecksumError);
}

TEST(ChunkChecker, AReaderErrorIsRethrown) {
  ChunkChecker checker(2);
  checker.start("m:1", 8, {std::string(64, '0')});
  checker.submit(0, [](tf::detail::Sha256&) {
    throw tf::Error("cannot read back m.part");
  });
  try {
    checker.wait();
    FAIL() << "no error";
  } catch (const tf::ChecksumError&) {
    FAIL() << "a read error is not a checksum mismatch";
  } catch (const tf::Error& e) {
    EXPECT_EQ(std::string(e.what()), "cannot read back m.part");
  }
}

TEST(ChunkChecker, StartForgetsAFailureAndTheChunksOfTheFileBefore) {
  constexpr size_t kChunk = 10;
  std::vector<uint8_t> file = random_bytes(25, 10);
  std::vector<std::string> digests = digests_of(file, kChunk);
  std::vector<uint8_t> bad = file;
  bad[0] ^= 1;
  ChunkChecker checker(2);
  checker.start("m:1", kChunk, digests);
  submit_all(checker, bad, kChunk);
  EXPECT_THROW(checker.wait(), tf::ChecksumError);
  checker.start("m:1", kChunk, digests);
  submit_all(checker, file, kChunk);
  EXPECT_NO_THROW(checker.wait());
}

TEST(ChunkChecker, DefaultsToEveryCoreAndAtLeastOne) {
  unsigned cores = std::thread::hardware_concurrency();
  EXPECT_EQ(ChunkChecker::default_threads(), cores == 0 ? 1u : cores);
  EXPECT_EQ(ChunkChecker().threads(), ChunkChecker::default_threads());
}

// Each chunk's hook waits until the other chunk's has started too: with a
// single checking thread the second would never start and the latch would
// time out, so passing shows two chunks checked at the same time, on two
// threads, neither of them the submitting one.
TEST(ChunkChecker, TwoChunksAreCheckedAtOnceOnTwoThreadsOfThePool) {
  constexpr size_t kChunk = 512;
  std::vector<uint8_t> file = random_bytes(2 * kChunk, 11);
  Latch both(2);
  std::mutex mutex;
  std::set<std::thread::id> threads;
  bool met = true;
  ChunkChecker checker(2, [&](size_t) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      threads.insert(std::this_thread::get_id());
    }
    bool arrived = both.arrive_and_wait();
    std::lock_guard<std::mutex> lock(mutex);
    met = met && arrived;
  });
  checker.start("m:1", kChunk, digests_of(file, kChunk));
  submit_all(checker, file, kChunk);
  checker.wait();
  EXPECT_TRUE(met) << "the two chunks were not checked at the same time";
  EXPECT_EQ(threads.size(), 2u);
  EXPECT_EQ(threads.count(std::this_thread::get_id()), 0u);
}

TEST(ChunkChecker, ManyChunksSpreadOverThePool) {
  constexpr size_t kChunk = 1 << 16;
  std::vector<uint8_t> file = random_bytes(64 * kChunk, 12);
  std::mutex mutex;
  std::set<std::thread::id> threads;
  Latch first_two(2);  // the first two chunks meet, as above
  ChunkChecker checker(4, [&](size_t index) {
    if (index < 2) first_two.arrive_and_wait();
    std::lock_guard<std::mutex> lock(mutex);
    threads.insert(std::this_thread::get_id());
  });
  checker.start("m:1", kChunk, digests_of(file, kChunk));
  submit_all(checker, file, kChunk);
  checker.wait();
  EXPECT_GE(threads.size(), 2u);
  EXPECT_LE(threads.size(), 4u);
}

// --- where a transfer resumes (failover.h) ----------------------------------

TEST(ResumeOffset, AChunkBoundaryWithChunksTheBytesHeldWithout) {
  constexpr uint64_t kChunk = 8u << 20;
  constexpr uint64_t kSize = 20u << 20;
  using tf::detail::resume_offset;
  EXPECT_EQ(resume_offset(0, kSize, kChunk), 0u);
  EXPECT_EQ(resume_offset(kChunk - 1, kSize, kChunk), 0u);
  EXPECT_EQ(resume_offset(kChunk, kSize, kChunk), kChunk);
  EXPECT_EQ(resume_offset(kChunk + 12345, kSize, kChunk), kChunk);
  EXPECT_EQ(resume_offset(kSize - 1, kSize, kChunk), 2 * kChunk);
  EXPECT_EQ(resume_offset(kSize, kSize, kChunk), kSize);  // all of it
  EXPECT_EQ(resume_offset(12345, kSize, 0), 12345u);  // no chunk digests
}
