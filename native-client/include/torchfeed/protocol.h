// The torchfeed TCP protocol, versions 1 to 3 (docs/protocol.md): a pure
// codec, no sockets. Version 2 adds the signed answers SIGNED_MANIFEST_RESULT
// and SIGNED_FETCH_HEADER (section 5.10); version 3 adds chunk digests to the
// manifest documents (5.3, manifest.h), with the same frames. Every frame is
//
//   +------+--------------+=================+
//   | type | length (u32) | payload (length)|   big-endian
//   +------+--------------+=================+
//
// and FETCH_HEADER is followed by `payload_size` unframed bytes of the file.
// After SUBSCRIBE the server also sends NOTICE frames, which answer no
// request, between any two frames (never inside one, nor inside the bytes
// that follow a FETCH_HEADER).
// Encoders return whole frames; decoders take a payload and throw
// ProtocolError unless it matches the message's layout exactly.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace torchfeed::protocol {

using Bytes = std::vector<uint8_t>;

constexpr uint16_t kVersion = 1;
// Version 1 plus signed manifests: sent by a client that checks signatures.
constexpr uint16_t kSignedVersion = 2;
// Version 2 plus chunk digests in manifests (chunkSize, chunks).
constexpr uint16_t kChunksVersion = 3;
constexpr char kMagic[] = "TFED";
constexpr size_t kFrameHeaderSize = 5;
constexpr size_t kSha256Size = 32;
constexpr size_t kKeyIdSize = 8;
constexpr size_t kSignatureSize = 64;  // Ed25519
// Largest payload a client accepts (a manifest of a very large model).
constexpr uint32_t kMaxResponsePayload = 64u << 20;
// Largest payload the server accepts by default (--max-frame).
constexpr uint32_t kMaxRequestPayload = 64u << 10;

enum class FrameType : uint8_t {
  kHello = 0x01,
  kList = 0x02,
  kManifest = 0x03,
  kFetch = 0x04,
  kSubscribe = 0x05,
  kReceipt = 0x06,
  kServerHello = 0x81,
  kListResult = 0x82,
  kManifestResult = 0x83,
  kFetchHeader = 0x84,
  kSubscribed = 0x85,
  kNotice = 0x86,  // answers no request: a catalog event (manifest.h Event)
  kReceiptOk = 0x87,
  kSignedManifestResult = 0x88,  // protocol version 2 and 3
  kSignedFetchHeader = 0x89,     // protocol version 2 and 3
  kError = 0xFF,
};

enum class ErrorCode : uint16_t {
  kBadRequest = 1,
  kNotFound = 2,
  kUnsupported = 3,
  kTooLarge = 4,
  kInternal = 5,
  kUnavailable = 6,
};

// "NOT_FOUND" for 2, "UNKNOWN" for codes this client does not know.
const char* error_code_name(uint16_t code);
// "FETCH_HEADER" for 0x84, "0x42" for types this client does not know.
std::string frame_type_name(uint8_t type);

struct FrameHeader {
  uint8_t type = 0;
  uint32_t length = 0;
};

struct Frame {
  uint8_t type = 0;
  Bytes payload;
};

struct Hello {  // HELLO and SERVER_HELLO
  uint16_t protocol = kVersion;
  std::string software;
  std::string libtorch;
};

struct ManifestRequest {
  std::string name;
  uint32_t version = 0;  // 0 = latest
};

struct FetchRequest {
  std::string name;
  uint32_t version = 0;  // 0 = latest
  uint64_t offset = 0;
  uint64_t length = 0;  // 0 = to the end
};

// An Ed25519 signature of exactly the bytes of a manifest document as sent,
// and the id of the key (the first 8 bytes of the SHA-256 of the raw 32-byte
// public key).
struct Signature {
  std::array<uint8_t, kKeyIdSize> key_id{};
  std::array<uint8_t, kSignatureSize> signature{};
};

// SIGNED_MANIFEST_RESULT: the manifest document and its signature.
struct SignedManifest {
  std::string manifest;  // the JSON document, byte for byte as signed
  Signature signature;
};

struct FetchHeader {
  std::string name;
  uint32_t version = 0;
  uint64_t total_size = 0;
  uint64_t offset = 0;
  uint64_t payload_size = 0;                  // raw bytes that follow the frame
  std::array<uint8_t, kSha256Size> sha256{};  // of the whole file
  std::string manifest;  // MANIFEST_RESULT JSON of that version
  // Present in a SIGNED_FETCH_HEADER: the signature of `manifest`.
  std::optional<Signature> signature;
};

// The outcome a RECEIPT reports.
enum class ReceiptStatus : uint8_t {
  kLoaded = 0,
  kFailed = 1,
};

struct Receipt {
  std::string name;                           // a model name, never NAME@ALIAS
  uint32_t version = 0;                       // the concrete version, never 0
  std::array<uint8_t, kSha256Size> sha256{};  // of the bytes loaded
  ReceiptStatus status = ReceiptStatus::kLoaded;
  std::string reason;    // empty when loaded; one line when failed
  std::string libtorch;  // empty: the one HELLO announced
};

struct ErrorMessage {
  uint16_t code = 0;
  bool fatal = false;
  std::string message;
};

// Reads the 5-byte frame header and checks the length against max_length
// before anything is allocated (ProtocolError when it is over).
FrameHeader decode_frame_header(const uint8_t* header, uint32_t max_length);

Bytes encode_hello(const Hello& hello, FrameType type = FrameType::kHello);
Bytes encode_list();
Bytes encode_manifest_request(const ManifestRequest& request);
Bytes encode_fetch(const FetchRequest& request);
Bytes encode_json(FrameType type, const std::string& document);
// FETCH_HEADER, or SIGNED_FETCH_HEADER when header.signature is set.
Bytes encode_fetch_header(const FetchHeader& header);
Bytes encode_signed_manifest_result(const SignedManifest& result);
Bytes encode_error(const ErrorMessage& error);
// SUBSCRIBE, and SUBSCRIBED (the same layout): no names = every model.
Bytes encode_subscribe(const std::vector<std::string>& names,
                       FrameType type = FrameType::kSubscribe);
Bytes encode_receipt(const Receipt& receipt);
Bytes encode_receipt_ok();

Hello decode_hello(const Bytes& payload);  // also checks the magic
void decode_list(const Bytes& payload);    // checks that it is empty
ManifestRequest decode_manifest_request(const Bytes& payload);
FetchRequest decode_fetch(const Bytes& payload);
// FETCH_HEADER, or SIGNED_FETCH_HEADER (then with its signature).
FetchHeader decode_fetch_header(const Bytes& payload,
                                FrameType type = FrameType::kFetchHeader);
SignedManifest decode_signed_manifest_result(const Bytes& payload);
ErrorMessage decode_error(const Bytes& payload);
// SUBSCRIBE or SUBSCRIBED (type only names the message in errors).
std::vector<std::string> decode_subscribe(
    const Bytes& payload, FrameType type = FrameType::kSubscribe);
Receipt decode_receipt(const Bytes& payload);  // status 0 or 1, else malformed
void decode_receipt_ok(const Bytes& payload);  // checks that it is empty

// Lower-case hex of a key id, e.g. "9c91f2df37384405".
std::string to_hex(const std::array<uint8_t, kKeyIdSize>& key_id);

// Lower-case hex of a sha256, and back (ProtocolError if not 64 hex digits).
std::string to_hex(const std::array<uint8_t, kSha256Size>& sha256);
std::array<uint8_t, kSha256Size> from_hex(const std::string& hex);

}  // namespace torchfeed::protocol
