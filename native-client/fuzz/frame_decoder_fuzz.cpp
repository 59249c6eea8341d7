// libFuzzer target for the client's codec (docs/fuzzing.md): arbitrary bytes
// read as a stream of frames the way the client reads a connection, header
// first, then each payload decoded by its type. The codec may throw
// torchfeed::ProtocolError and nothing else; a message that decodes must
// encode back to the very bytes it came from. Built only with
// -DTORCHFEED_FUZZ=ON and clang; run with fuzz/run.sh.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "torchfeed/errors.h"
#include "torchfeed/manifest.h"
#include "torchfeed/protocol.h"

namespace {

namespace p = torchfeed::protocol;

void require(bool condition) {
  if (!condition) __builtin_trap();
}

// The frame with this header and payload, as the encoders write it.
p::Bytes frame(uint8_t type, const p::Bytes& payload) {
  p::Bytes out{type,
               static_cast<uint8_t>(payload.size() >> 24),
               static_cast<uint8_t>(payload.size() >> 16),
               static_cast<uint8_t>(payload.size() >> 8),
               static_cast<uint8_t>(payload.size())};
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

// Decodes one payload; returns the raw bytes that follow it on the wire (the
// file bytes after FETCH_HEADER), 0 for every other type.
uint64_t decode(uint8_t type, const p::Bytes& payload) {
  const p::Bytes original = frame(type, payload);
  switch (static_cast<p::FrameType>(type)) {
    case p::FrameType::kHello:
    case p::FrameType::kServerHello: {
      p::Hello hello = p::decode_hello(payload);
      require(p::encode_hello(hello, static_cast<p::FrameType>(type)) ==
              original);
      return 0;
    }
    case p::FrameType::kList:
      p::decode_list(payload);
      require(p::encode_list() == original);
      return 0;
    case p::FrameType::kManifest:
      require(p::encode_manifest_request(p::decode_manifest_request(
                  payload)) == original);
      return 0;
    case p::FrameType::kFetch:
      require(p::encode_fetch(p::decode_fetch(payload)) == original);
      return 0;
    case p::FrameType::kListResult:
      torchfeed::parse_listing(std::string(payload.begin(), payload.end()));
      return 0;
    case p::FrameType::kManifestResult:
      torchfeed::parse_manifest(std::string(payload.begin(), payload.end()));
      return 0;
    case p::FrameType::kFetchHeader:
    case p::FrameType::kSignedFetchHeader: {
      p::FetchHeader header =
          p::decode_fetch_header(payload, static_cast<p::FrameType>(type));
      require(p::encode_fetch_header(header) == original);
      torchfeed::parse_manifest(header.manifest);
      return header.payload_size;
    }
    case p::FrameType::kSignedManifestResult: {
      p::SignedManifest result = p::decode_signed_manifest_result(payload);
      require(p::encode_signed_manifest_result(result) == original);
      torchfeed::parse_manifest(result.manifest);
      return 0;
    }
    case p::FrameType::kError: {
      p::ErrorMessage error = p::decode_error(payload);
      require(p::encode_error(error) == original);
      return 0;
    }
  }
  p::frame_type_name(type);  // a type this client does not know
  return 0;
}

// Reads the stream frame by frame until it ends, is truncated, or declares a
// frame over `max`.
void read_stream(const uint8_t* data, size_t size, uint32_t max) {
  size_t at = 0;
  while (size - at >= p::kFrameHeaderSize) {
    p::FrameHeader header;
    try {
      header = p::decode_frame_header(data + at, max);
    } catch (const torchfeed::ProtocolError&) {
      return;  // fatal: the stream cannot be resynchronised
    }
    require(header.length <= max);
    at += p::kFrameHeaderSize;
    if (size - at < header.length) return;  // truncated frame
    p::Bytes payload(data + at, data + at + header.length);
    at += header.length;
    try {
      uint64_t raw = decode(header.type, payload);
      if (raw > size - at) return;
      at += raw;
    } catch (const torchfeed::ProtocolError& e) {
      require(std::string(e.what()).find('\n') == std::string::npos);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The client's limit, and a small one so that short inputs reach the
  // over-the-limit path as well.
  read_stream(data, size, p::kMaxResponsePayload);
  read_stream(data, size, 64);
  return 0;
}
