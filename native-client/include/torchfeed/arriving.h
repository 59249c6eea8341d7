// A file arriving into memory while another thread reads it: what lets
// LibTorch load a model before its last byte is in (Client::load, through
// loading.h's ArrivingReadAdapter). The transport half (the target
// torchfeed::transport): no LibTorch here.
//
//   auto file = std::make_shared<torchfeed::ArrivingFile>(manifest);
//   std::thread receiver([&] {
//     try {
//       client.fetch_arriving(*file);
//     } catch (...) {
//       file->fail(std::current_exception());
//     }
//   });
//   size_t got = file->read(pos, out, n);  // blocks until its chunks are in
//   ...
//   receiver.join();
//
// Every byte a read() gives has arrived and its chunk is checked against the
// manifest's digest (docs/protocol.md 5.3): nothing unchecked reaches the
// reader. Only for a manifest with chunk digests (protocol version 3).
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>

#include "torchfeed/manifest.h"

namespace torchfeed {

namespace detail {
class Sink;
}  // namespace detail

class ArrivingFile {
 public:
  // Whether `file` can arrive this way with any gain: it has chunk digests
  // and at least two chunks (a file of one chunk is readable only whole).
  static bool suits(const Manifest& file);

  // `file`: the manifest of the version, with chunk digests
  // (std::invalid_argument without). Its chunks are checked on `threads`
  // threads (0: on the receiving thread); by default as many as the machine
  // has cores. Allocates a buffer of file.size bytes (Error when it cannot).
  explicit ArrivingFile(Manifest file, unsigned threads = default_threads());
  // After the transfer has returned (its thread joined).
  ~ArrivingFile();
  ArrivingFile(const ArrivingFile&) = delete;
  ArrivingFile& operator=(const ArrivingFile&) = delete;

  static unsigned default_threads();

  // How far from the end of the file the first range reaches at least: the
  // 4 KiB LibTorch's zip reader searches for the end records, and the
  // records LibTorch reads before any tensor (torch.jit.save writes them
  // after the tensors: code, pickles, a few KiB for most models).
  static constexpr uint64_t kTailReach = uint64_t{1} << 20;

  const Manifest& manifest() const;
  uint64_t size() const;
  // Where the range fetched first starts: the chunk that holds the byte
  // kTailReach before the end (the last chunk, or the last two when the last
  // is shorter than that).
  uint64_t tail_offset() const;

  // Gives bytes [pos, pos + n) (cut at the end of the file) in `out`, the
  // part in each chunk as soon as that chunk has arrived and is checked:
  // blocks until then. A read of 1 MiB or more has the bytes not yet
  // received received straight into `out` (and hashed there) instead of
  // copied; a second read of such a range fails the load (LibTorch reads
  // each record once). Returns the bytes given: fewer than asked (0 at the
  // end of the file) once the transfer failed (failure() says why) or the
  // file was abandoned. Any number of threads may read at once; a read that
  // overlaps a waiting read of 1 MiB or more fails the load, as does a second
  // read of bytes received into an earlier reader's memory.
  size_t read(uint64_t pos, void* out, size_t n);
  // The transfer ended with `error` (the first one given counts): waiting
  // and later reads return short. Called by the thread that ran the
  // transfer, once it is over (fetch_arriving does).
  void fail(std::exception_ptr error);
  // The transfer returned: every chunk is in and checked (fetch_arriving
  // calls it).
  void finished();
  // The reader gave up on the file: the transfer stops at its next bytes
  // (CancelledError) and reads return short.
  void abandon();
  // The error the transfer ended with, unless the reader abandoned the file
  // first; nullptr while it has not failed.
  std::exception_ptr failure() const;
  // Bytes in chunks checked so far.
  uint64_t checked() const;
  // Bytes reads copied out of the file's own buffer: those that had arrived
  // before a read of 1 MiB or more asked for them (the rest of such a read
  // is received straight into the reader's memory), and those of smaller
  // reads.
  uint64_t copied() const;
  // Reads of 1 MiB or more waiting for bytes to land in their memory now.
  size_t landings() const;

  // Where FetchClient::fetch_arriving writes the bytes.
  detail::Sink& sink();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace torchfeed
