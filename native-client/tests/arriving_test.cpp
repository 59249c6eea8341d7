// A file read while it arrives (torchfeed/arriving.h): its bytes written
// through the Sink a transfer writes into (src/sink.h), read by other
// threads. No server.
#include "torchfeed/arriving.h"

#include <gtest/gtest.h>

#include <cstring>
#include <exception>
#include <string>
#include <thread>
#include <vector>

#include "digests.h"
#include "sink.h"
#include "torchfeed/errors.h"

namespace tf = torchfeed;
using tf::testing::digests_of;
using tf::testing::random_bytes;

namespace {

constexpr uint64_t kChunk = 1000;

// The manifest of `bytes` as version 1 of `name`, in chunks of chunk_size.
tf::Manifest manifest_of(const std::vector<uint8_t>& bytes,
                         const std::string& name, uint64_t chunk_size) {
  tf::Manifest m;
  m.name = name;
  m.version = 1;
  m.size = bytes.size();
  m.sha256 = tf::testing::hex_sha256(bytes.data(), bytes.size());
  m.chunk_size = chunk_size;
  m.chunks = digests_of(bytes, chunk_size);
  return m;
}

// A file of three chunks, the last shorter, and its manifest.
struct Fixture {
  std::vector<uint8_t> bytes = random_bytes(2 * kChunk + 345, 7);
  tf::Manifest manifest = manifest_of(bytes, "m", kChunk);
};

// Bytes [from, to) of `bytes` through the sink, in pieces of `step`.
void feed(tf::detail::Sink& sink, const std::vector<uint8_t>& bytes,
          uint64_t from, uint64_t to, uint64_t step) {
  for (uint64_t at = from; at < to;) {
    auto [data, room] = sink.space(std::min<uint64_t>(to - at, step));
    std::memcpy(data, bytes.data() + at, room);
    sink.commit(room);
    at += room;
  }
}

// What FetchClient::transfer does with one range: start, the bytes in
// pieces, verify (which waits until the range's chunks are checked).
void arrive(tf::ArrivingFile& file, const std::vector<uint8_t>& bytes,
            uint64_t begin, uint64_t end) {
  tf::detail::Sink& sink = file.sink();
  sink.start("m:1", file.manifest(), begin);
  feed(sink, bytes, begin, end, 300);
  sink.verify("m:1", file.manifest().sha256);
}

std::vector<uint8_t> read(tf::ArrivingFile& file, uint64_t pos, size_t n) {
  std::vector<uint8_t> out(n);
  out.resize(file.read(pos, out.data(), n));
  return out;
}

std::vector<uint8_t> slice(const std::vector<uint8_t>& bytes, uint64_t pos,
                           size_t n) {
  return {bytes.begin() + pos, bytes.begin() + pos + n};
}

}  // namespace

// The first range reaches kTailReach (1 MiB) from the end at least.
TEST(ArrivingFile, TheFirstRangeIsTheLastChunkOrTheLastTwoWhenTheLastIsShort) {
  auto tail_of = [](uint64_t size, uint64_t chunk_size) {
    tf::Manifest m;
    m.name = "m";
    m.size = size;
    m.chunk_size = chunk_size;
    m.chunks.assign((size + chunk_size - 1) / chunk_size, std::string(64, '0'));
    return tf::ArrivingFile(m, 0).tail_offset();
  };
  constexpr uint64_t kMiB = 1 << 20;
  EXPECT_EQ(tail_of(4 * kMiB, 2 * kMiB), 2 * kMiB);  // the last chunk is whole
  EXPECT_EQ(tail_of(4 * kMiB + 100, 2 * kMiB), 2 * kMiB);  // 100 bytes: two
  EXPECT_EQ(tail_of(5 * kMiB, 2 * kMiB), 4 * kMiB);  // 1 MiB: the last alone
  EXPECT_EQ(tail_of(2345, kChunk), 0u);  // a file under 1 MiB: in one range
}

TEST(ArrivingFile, OnlyFilesOfTwoChunksOrMoreSuitAndTheChunksMustMatchTheSize) {
  Fixture f;
  tf::ArrivingFile file(f.manifest, 2);
  EXPECT_EQ(file.size(), f.bytes.size());
  EXPECT_TRUE(tf::ArrivingFile::suits(f.manifest));
  tf::Manifest short_of_one = f.manifest;
  short_of_one.chunks.pop_back();
  EXPECT_THROW(tf::ArrivingFile{short_of_one}, std::invalid_argument);
  tf::Manifest one = f.manifest;
  one.chunks.resize(1);
  EXPECT_FALSE(tf::ArrivingFile::suits(one));
  tf::Manifest none = f.manifest;
  none.chunk_size = 0;
  none.chunks.clear();
  EXPECT_FALSE(tf::ArrivingFile::suits(none));
  EXPECT_THROW(tf::ArrivingFile{none}, std::invalid_argument);
}

TEST(ArrivingFile, ReadsGiveTheCheckedBytesAcrossChunksAndStopAtTheEnd) {
  Fixture f;
  tf::ArrivingFile file(f.manifest, 2);
  arrive(file, f.bytes, 2 * kChunk, f.bytes.size());
  arrive(file, f.bytes, 0, 2 * kChunk);
  EXPECT_EQ(file.checked(), f.bytes.size());
  EXPECT_EQ(read(file, 500, 1200), slice(f.bytes, 500, 1200));
  EXPECT_EQ(read(file, 2 * kChunk + 300, 1000),
            slice(f.bytes, 2 * kChunk + 300, 45));
  EXPECT_TRUE(read(file, f.bytes.size(), 10).empty());
  EXPECT_EQ(file.failure(), nullptr);
}

// Only the last chunk has arrived: a read of it returns, a read of chunk 0
// waits until the reader gives up (then it returns nothing), and the
// transfer stops at its next bytes.
TEST(ArrivingFile, AReadWaitsForItsChunkAndReturnsShortOnceAbandoned) {
  Fixture f;
  tf::ArrivingFile file(f.manifest, 2);
  arrive(file, f.bytes, 2 * kChunk, f.bytes.size());
  EXPECT_EQ(file.checked(), 345u);
  EXPECT_EQ(read(file, 2 * kChunk, 345), slice(f.bytes, 2 * kChunk, 345));
  std::vector<uint8_t> waited;
  std::thread reader([&] { waited = read(file, 10, 100); });
  file.abandon();
  reader.join();
  EXPECT_TRUE(waited.empty());
  EXPECT_EQ(file.failure(), nullptr);  // abandoned, not failed
  EXPECT_THROW(file.sink().start("m:1", file.manifest(), 0),
               tf::CancelledError);
}

// A read spanning chunks 0 and 1 while only chunk 0 is in: it returns the
// bytes of chunk 0 and no more once the transfer fails.
TEST(ArrivingFile, AFailedTransferEndsAWaitingReadWithTheBytesChecked) {
  Fixture f;
  tf::ArrivingFile file(f.manifest, 2);
  arrive(file, f.bytes, 0, kChunk);
  std::vector<uint8_t> waited;
  std::thread reader([&] { waited = read(file, 900, 300); });
  file.fail(std::make_exception_ptr(tf::ConnectionError("connection lost")));
  reader.join();
  EXPECT_EQ(waited, slice(f.bytes, 900, 100));
  ASSERT_NE(file.failure(), nullptr);
  EXPECT_THROW(std::rethrow_exception(file.failure()), tf::ConnectionError);
  file.abandon();  // after a failure: the failure stays
  EXPECT_NE(file.failure(), nullptr);
}

// A chunk whose bytes are all in but not yet checked is not readable: chunk 0
// is partly in when the transfer fails.
TEST(ArrivingFile, BytesOfAChunkNotWhollyInAreNotRead) {
  Fixture f;
  tf::ArrivingFile file(f.manifest, 2);
  tf::detail::Sink& sink = file.sink();
  sink.start("m:1", file.manifest(), 0);
  auto [data, room] = sink.space(500);
  std::memcpy(data, f.bytes.data(), room);
  sink.commit(room);
  std::vector<uint8_t> waited{1};
  std::thread reader([&] { waited = read(file, 0, 10); });
  file.fail(std::make_exception_ptr(tf::ConnectionError("connection lost")));
  reader.join();
  EXPECT_TRUE(waited.empty());
}

// A reader that comes before the bytes gets them once they are checked.
TEST(ArrivingFile, AReaderBeforeTheBytesGetsThemOnceChecked) {
  Fixture f;
  tf::ArrivingFile file(f.manifest, 2);
  std::vector<uint8_t> waited;
  std::thread reader([&] { waited = read(file, 900, 1100); });
  arrive(file, f.bytes, 0, 2 * kChunk);
  reader.join();
  EXPECT_EQ(waited, slice(f.bytes, 900, 1100));
}

// Checked in line (no pool): chunk 0 is checked good before chunk 1 is found
// bad, and chunk 1's bytes, all in, are never given.
TEST(ArrivingFile, ABadChunkIsNamedAndNeverRead) {
  Fixture f;
  std::vector<uint8_t> altered = f.bytes;
  altered[kChunk + 5] ^= 0xFF;
  tf::ArrivingFile file(f.manifest, 0);
  try {
    arrive(file, altered, 0, 2 * kChunk);
    FAIL() << "a bad chunk passed";
  } catch (const tf::ChecksumError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("chunk 1 of m:1 (offset 1000) ", 0),
              0u)
        << e.what();
    file.fail(std::current_exception());
  }
  EXPECT_EQ(read(file, kChunk, 10).size(), 0u);
  EXPECT_EQ(read(file, 0, 10), slice(f.bytes, 0, 10));  // chunk 0 is good
}

TEST(ArrivingFile, AnotherFileForTheVersionIsRefusedMidway) {
  Fixture f;
  tf::ArrivingFile file(f.manifest, 0);
  arrive(file, f.bytes, 2 * kChunk, f.bytes.size());
  tf::Manifest replaced = f.manifest;
  replaced.sha256 = std::string(64, 'a');
  replaced.chunks[0] = std::string(64, 'b');
  try {
    file.sink().start("m:1", replaced, 0);
    FAIL() << "another file was accepted";
  } catch (const tf::Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "m:1 changed on the server while it was being loaded (sha256 " +
                  f.manifest.sha256 + ", now " + replaced.sha256 +
                  "); load it again");
  }
}

// A read of 1 MiB or more, made after part of its range has arrived: that
// part is copied, the rest is received straight into the reader's memory
// (copied() counts only the first), and a second read of those fails.
TEST(ArrivingFile, ABigReadHasTheBytesStillToComeReceivedIntoItsMemory) {
  constexpr uint64_t kBig = 256 << 10;  // chunks of 256 KiB, 13 of them
  std::vector<uint8_t> bytes = random_bytes(3 * (1 << 20) + 100, 11);
  tf::Manifest m = manifest_of(bytes, "big", kBig);
  tf::ArrivingFile file(m, 2);
  arrive(file, bytes, 0, kBig);  // chunk 0
  tf::detail::Sink& sink = file.sink();
  sink.start("big:1", m, kBig);
  const uint8_t* into_buffer = sink.space(1).first;

  const uint64_t pos = 100 << 10;
  const size_t n = 2 << 20;
  std::vector<uint8_t> out(n);
  size_t got = 0;
  std::thread reader([&] { got = file.read(pos, out.data(), n); });
  // Until the reader's landing is registered, the next bytes go to the
  // buffer; then into `out`, where byte kBig of the file belongs.
  while (sink.space(1).first == into_buffer) std::this_thread::yield();
  EXPECT_EQ(sink.space(1).first, out.data() + (kBig - pos));
  feed(sink, bytes, kBig, bytes.size(), 100000);
  sink.verify("big:1", m.sha256);
  file.finished();
  reader.join();
  EXPECT_EQ(got, n);
  EXPECT_EQ(out, slice(bytes, pos, n));
  EXPECT_EQ(file.copied(), kBig - pos);  // chunk 0's part alone
  EXPECT_EQ(file.failure(), nullptr);

  // Read again: the bytes copied from the buffer are still there, those
  // received into `out` are not.
  EXPECT_EQ(read(file, pos + 5, 10), slice(bytes, pos + 5, 10));
  EXPECT_EQ(file.failure(), nullptr);
  std::vector<uint8_t> again(10);
  EXPECT_EQ(file.read(kBig + 5, again.data(), 10), 0u);
  ASSERT_NE(file.failure(), nullptr);
  try {
    std::rethrow_exception(file.failure());
  } catch (const tf::Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind(
                  "LibTorch read bytes [262149, 262159) of big:1 twice", 0),
              0u)
        << e.what();
  }
  // Bytes outside it are still there.
  EXPECT_EQ(read(file, 3 << 20, 100), slice(bytes, 3 << 20, 100));
}

namespace {

constexpr uint64_t kQuarter = 256 << 10;  // chunks of 256 KiB

struct BigFixture {
  std::vector<uint8_t> bytes = random_bytes(12 * kQuarter + 7, 3);
  tf::Manifest manifest = manifest_of(bytes, "big", kQuarter);
};

// Until a read waits for its bytes to land at `where`: the next space().
void await_landing(tf::detail::Sink& sink, const uint8_t* where) {
  while (sink.space(1).first != where) std::this_thread::yield();
}

}  // namespace

// A transfer cut inside a landing resumes at its chunk, into the landing.
TEST(ArrivingFile, ATransferCutInsideABigReadResumesIntoItsMemory) {
  BigFixture f;
  tf::ArrivingFile file(f.manifest, 2);
  tf::detail::Sink& sink = file.sink();
  sink.start("big:1", f.manifest, 0);
  feed(sink, f.bytes, 0, kQuarter / 2, 4096);  // half of chunk 0: the buffer
  std::vector<uint8_t> out(5 * kQuarter);
  size_t got = 0;
  std::thread reader([&] { got = file.read(100, out.data(), out.size()); });
  await_landing(sink, out.data() + (kQuarter / 2 - 100));
  feed(sink, f.bytes, kQuarter / 2, 2 * kQuarter + 1000, 5000);
  sink.start("big:1", f.manifest, 2 * kQuarter);  // cut inside chunk 2
  feed(sink, f.bytes, 2 * kQuarter, f.bytes.size(), 7777);
  sink.verify("big:1", f.manifest.sha256);
  file.finished();
  reader.join();
  EXPECT_EQ(got, out.size());
  EXPECT_EQ(out, slice(f.bytes, 100, out.size()));
  EXPECT_EQ(file.copied(), kQuarter / 2 - 100);
}

// A bad chunk inside a big read: the read gives the chunks checked before
// it, once the transfer is over.
TEST(ArrivingFile, ABadChunkInsideABigReadEndsItAtThatChunk) {
  BigFixture f;
  std::vector<uint8_t> altered = f.bytes;
  altered[3 * kQuarter + 5] ^= 1;  // chunk 3
  tf::ArrivingFile file(f.manifest, 0);  // checked in line: in order
  tf::detail::Sink& sink = file.sink();
  sink.start("big:1", f.manifest, 0);
  std::vector<uint8_t> out(6 * kQuarter);
  size_t got = 0;
  std::thread reader([&] { got = file.read(0, out.data(), out.size()); });
  await_landing(sink, out.data());
  try {
    feed(sink, altered, 0, f.bytes.size(), 9000);
    FAIL() << "a bad chunk passed";
  } catch (const tf::ChecksumError&) {
    file.fail(std::current_exception());
  }
  reader.join();
  EXPECT_EQ(got, 3 * kQuarter);
  EXPECT_TRUE(std::equal(out.begin(), out.begin() + 3 * kQuarter,
                         f.bytes.begin()));
}

// A read that overlaps a big read still waiting fails the load: its bytes
// would come from the other reader's memory.
TEST(ArrivingFile, AReadOverlappingAWaitingBigReadFailsTheLoad) {
  BigFixture f;
  tf::ArrivingFile file(f.manifest, 2);
  tf::detail::Sink& sink = file.sink();
  sink.start("big:1", f.manifest, 0);
  std::vector<uint8_t> out(5 * kQuarter);
  size_t got = 0;
  std::thread reader([&] { got = file.read(0, out.data(), out.size()); });
  await_landing(sink, out.data());
  EXPECT_EQ(read(file, 3 * kQuarter, 10).size(), 0u);
  ASSERT_NE(file.failure(), nullptr);
  try {
    std::rethrow_exception(file.failure());
  } catch (const tf::Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "LibTorch read bytes [786432, 786442) of big:1 while another "
              "read of them waits");
  }
  file.fail(file.failure());  // what the transfer's thread does
  reader.join();
  EXPECT_EQ(got, 0u);
}
