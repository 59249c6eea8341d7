// The part of the torchfeed client that needs no LibTorch (the CMake target
// torchfeed::transport): list the models, read manifests and fetch the
// bytes, into memory or to a file, checked chunk by chunk as they arrive
// (docs/protocol.md 5.3; the whole file's sha256 from a server without chunk
// digests).
//
//   torchfeed::FetchClient client("localhost", 7070);
//   torchfeed::Download d = client.fetch("toynet");  // the latest version
//
// torchfeed::Client (client.h, the target torchfeed::client) is a
// FetchClient that also loads models and follows them with LibTorch.
//
// A FetchClient holds one connection, opened on first use (HELLO sends
// kSoftware and kLibTorchVersion, version.h, and protocol version 3; a server
// that refuses 3 is asked again with 2 or 1) and reopened after a failure.
// Not thread-safe: use one per thread. Every failure is a torchfeed::Error
// (errors.h).
//
// Given several servers (replicas serving the same models), it uses one at a
// time: at first one picked at random (Options::in_order: the first), then
// the next in the list whenever one refuses, drops the connection or answers
// ERROR UNAVAILABLE. A list, a manifest or a hello tries every server once
// before it fails; a transfer cut short is resumed on the next server at the
// start of the first chunk not wholly received (without chunk digests: at the
// bytes held), for the same version and sha256 (ReplicaMismatchError when that
// server has other bytes for it), for Options::fetch_attempts rounds.
//
//   torchfeed::FetchClient client(torchfeed::parse_endpoints("a:7070,b:7070"));
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "torchfeed/buffer.h"
#include "torchfeed/endpoint.h"
#include "torchfeed/errors.h"
#include "torchfeed/manifest.h"
#include "torchfeed/options.h"
#include "torchfeed/protocol.h"
#include "torchfeed/signing.h"
#include "torchfeed/version.h"

namespace torchfeed {

constexpr uint32_t kLatest = 0;

namespace detail {
class Connection;
class Sink;
}  // namespace detail

class ArrivingFile;  // arriving.h

struct FetchResult {
  Manifest manifest;  // of the version served, from its FETCH_HEADER
  // The offset of every FETCH sent: {0}, or e.g. {0, 65536} when resumed.
  std::vector<uint64_t> offsets;
  // The server each of them was sent to (the same one but after a failover).
  std::vector<Endpoint> servers;
};

struct Download : FetchResult {
  Buffer bytes;  // the whole file, every chunk (or its sha256) checked
};

class FetchClient {
 public:
  FetchClient(std::string host, uint16_t port = kDefaultPort,
              Options options = {});
  // Several replicas (at least one; std::invalid_argument when empty).
  explicit FetchClient(std::vector<Endpoint> servers, Options options = {});
  ~FetchClient();
  FetchClient(FetchClient&&) noexcept;
  FetchClient& operator=(FetchClient&&) noexcept;

  // Every servable model with its versions, and every rejected file.
  Listing list();
  // NotFoundError when there is no such model or version.
  Manifest manifest(const std::string& name, uint32_t version = kLatest);

  // The file in one buffer sized from the size header, each chunk checked
  // on a pool of threads as soon as it is whole (Options::hash_on_thread);
  // ChecksumError naming the first bad chunk (or, without chunk digests,
  // when the file does not hash to the server's sha256).
  Download fetch(const std::string& name, uint32_t version = kLatest);
  // fetch(), but first refuses (UnsupportedArchiveError) an archive whose
  // formatVersion is too new for this LibTorch, before any byte is sent.
  Download fetch_loadable(const std::string& name, uint32_t version = kLatest);
  // Writes the file to path atomically: a temporary file next to it, synced
  // and renamed over path once every chunk (or its sha256) is checked.
  FetchResult fetch_to_file(const std::string& name, uint32_t version,
                            const std::string& path);
  // Fetches the version of file.manifest() into `file` (arriving.h) while
  // another thread reads it: its last chunk first, then the rest from byte 0
  // (the order LibTorch reads an archive in), each range readable as soon as
  // its chunks are checked. Returns once every chunk is checked; throws as
  // fetch() does, after handing the error to file.fail() (which wakes the
  // readers). CancelledError once the reader has abandoned the file.
  // Client::load runs it on a thread of its own.
  FetchResult fetch_arriving(ArrivingFile& file);

  // The server's SERVER_HELLO (connects if needed).
  const protocol::Hello& server_hello();

  // The server in use (or to be tried next).
  const std::string& host() const { return servers_[current_].host; }
  uint16_t port() const { return servers_[current_].port; }
  // Every server given, in the order given.
  const std::vector<Endpoint>& servers() const { return servers_; }
  const Options& options() const { return options_; }

 protected:
  // The version of `wanted` (a manifest from manifest()) into memory;
  // loadable: its FETCH_HEADER's formatVersion checked too.
  Download fetch_into_memory(const Manifest& wanted, bool loadable);

 private:
  // Connected to the server in use (no other is tried).
  detail::Connection& connection();
  void disconnect();
  // The server in use failed: disconnects and moves on to the next.
  void fail_over();
  // The answer: a frame of type `answer` or `alternative` (a signed one),
  // from the server in use.
  protocol::Frame call_once(const protocol::Bytes& request,
                            protocol::FrameType answer,
                            std::optional<protocol::FrameType> alternative);
  // attempt() on the server in use, then on each next one while it fails in
  // a way another server may not (a connection failure, UNAVAILABLE), until
  // every server was tried.
  void each_server(const std::function<void()>& attempt);
  // call_once() on each server in turn until one answers.
  protocol::Frame call(const protocol::Bytes& request,
                       protocol::FrameType answer,
                       std::optional<protocol::FrameType> alternative = {});
  // manifest() from the server in use only.
  Manifest manifest_once(const std::string& name, uint32_t version);
  // Bytes [begin, end) (end 0: to the end of the file) of the version of
  // `wanted` into `sink`, resumed and failed over as the class comment says;
  // `received` bytes of it came before, in other ranges.
  FetchResult transfer(const Manifest& wanted, bool loadable,
                       detail::Sink& sink, uint64_t begin = 0,
                       uint64_t end = 0, uint64_t received = 0);

  std::vector<Endpoint> servers_;
  size_t current_ = 0;
  // The protocol version HELLO sends to each server: 3 until it refuses it.
  std::vector<uint16_t> versions_;
  Options options_;
  std::unique_ptr<detail::Connection> connection_;
  protocol::Hello server_hello_;
};

}  // namespace torchfeed
