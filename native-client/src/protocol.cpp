#include "torchfeed/protocol.h"

#include <cstring>
#include <limits>

#include "torchfeed/errors.h"

namespace torchfeed::protocol {
namespace {

// Appends big-endian fields to a frame and fills in its length at the end.
class Writer {
 public:
  explicit Writer(FrameType type) {
    out_.assign(kFrameHeaderSize, 0);
    out_[0] = static_cast<uint8_t>(type);
  }

  Writer& u8(uint8_t v) { return uint(v, 1); }
  Writer& u16(uint16_t v) { return uint(v, 2); }
  Writer& u32(uint32_t v) { return uint(v, 4); }
  Writer& u64(uint64_t v) { return uint(v, 8); }

  Writer& raw(const void* data, size_t n) {
    const auto* p = static_cast<const uint8_t*>(data);
    out_.insert(out_.end(), p, p + n);
    return *this;
  }

  Writer& str(const std::string& s) {
    if (s.size() > std::numeric_limits<uint16_t>::max()) {
      throw ProtocolError("a string of " + std::to_string(s.size()) +
                          " bytes does not fit a str field (65535 at most)");
    }
    return u16(static_cast<uint16_t>(s.size())).raw(s.data(), s.size());
  }

  Writer& json(const std::string& s) {
    return u32(static_cast<uint32_t>(s.size())).raw(s.data(), s.size());
  }

  Bytes finish() {
    uint64_t length = out_.size() - kFrameHeaderSize;
    for (int i = 0; i < 4; ++i) {
      out_[1 + i] = static_cast<uint8_t>(length >> (8 * (3 - i)));
    }
    return std::move(out_);
  }

 private:
  Writer& uint(uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) {
      out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
    }
    return *this;
  }

  Bytes out_;
};

// Reads big-endian fields from a payload, checking the bytes left before
// every read; done() checks that nothing is left over.
class Reader {
 public:
  Reader(const Bytes& payload, const char* message)
      : data_(payload.data()), size_(payload.size()), message_(message) {}

  uint8_t u8() { return static_cast<uint8_t>(uint(1)); }
  uint16_t u16() { return static_cast<uint16_t>(uint(2)); }
  uint32_t u32() { return static_cast<uint32_t>(uint(4)); }
  uint64_t u64() { return uint(8); }

  void raw(void* out, size_t n) {
    need(n);
    std::memcpy(out, data_ + pos_, n);
    pos_ += n;
  }

  std::string bytes(size_t n) {
    need(n);
    std::string s(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return s;
  }

  std::string str() { return bytes(u16()); }
  std::string json() { return bytes(u32()); }

  void done() const {
    if (pos_ != size_) {
      throw ProtocolError(std::string("malformed ") + message_ + ": " +
                          std::to_string(size_ - pos_) + " trailing bytes");
    }
  }

 private:
  void need(size_t n) const {
    if (size_ - pos_ < n) {
      throw ProtocolError(std::string("malformed ") + message_ +
                          ": the payload ends early (" + std::to_string(size_) +
                          " bytes)");
    }
  }

  uint64_t uint(int bytes) {
    need(bytes);
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | data_[pos_++];
    return v;
  }

  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  const char* message_;
};

}  // namespace

const char* error_code_name(uint16_t code) {
  switch (static_cast<ErrorCode>(code)) {
    case ErrorCode::kBadRequest:
      return "BAD_REQUEST";
    case ErrorCode::kNotFound:
      return "NOT_FOUND";
    case ErrorCode::kUnsupported:
      return "UNSUPPORTED";
    case ErrorCode::kTooLarge:
      return "TOO_LARGE";
    case ErrorCode::kInternal:
      return "INTERNAL";
    case ErrorCode::kUnavailable:
      return "UNAVAILABLE";
  }
  return "UNKNOWN";
}

std::string frame_type_name(uint8_t type) {
  switch (static_cast<FrameType>(type)) {
    case FrameType::kHello:
      return "HELLO";
    case FrameType::kList:
      return "LIST";
    case FrameType::kManifest:
      return "MANIFEST";
    case FrameType::kFetch:
      return "FETCH";
    case FrameType::kSubscribe:
      return "SUBSCRIBE";
    case FrameType::kReceipt:
      return "RECEIPT";
    case FrameType::kServerHello:
      return "SERVER_HELLO";
    case FrameType::kListResult:
      return "LIST_RESULT";
    case FrameType::kManifestResult:
      return "MANIFEST_RESULT";
    case FrameType::kFetchHeader:
      return "FETCH_HEADER";
    case FrameType::kSubscribed:
      return "SUBSCRIBED";
    case FrameType::kNotice:
      return "NOTICE";
    case FrameType::kReceiptOk:
      return "RECEIPT_OK";
    case FrameType::kSignedManifestResult:
      return "SIGNED_MANIFEST_RESULT";
    case FrameType::kSignedFetchHeader:
      return "SIGNED_FETCH_HEADER";
    case FrameType::kError:
      return "ERROR";
  }
  static const char kDigits[] = "0123456789abcdef";
  return std::string("0x") + kDigits[type >> 4] + kDigits[type & 15];
}

FrameHeader decode_frame_header(const uint8_t* header, uint32_t max_length) {
  FrameHeader h;
  h.type = header[0];
  h.length = (uint32_t{header[1]} << 24) | (uint32_t{header[2]} << 16) |
             (uint32_t{header[3]} << 8) | uint32_t{header[4]};
  if (h.length > max_length) {
    throw ProtocolError("a " + frame_type_name(h.type) + " frame of " +
                        std::to_string(h.length) +
                        " bytes exceeds the limit of " +
                        std::to_string(max_length));
  }
  return h;
}

Bytes encode_hello(const Hello& hello, FrameType type) {
  return Writer(type)
      .raw(kMagic, 4)
      .u16(hello.protocol)
      .str(hello.software)
      .str(hello.libtorch)
      .finish();
}

Bytes encode_list() { return Writer(FrameType::kList).finish(); }

Bytes encode_manifest_request(const ManifestRequest& request) {
  return Writer(FrameType::kManifest)
      .str(request.name)
      .u32(request.version)
      .finish();
}

Bytes encode_fetch(const FetchRequest& request) {
  return Writer(FrameType::kFetch)
      .str(request.name)
      .u32(request.version)
      .u64(request.offset)
      .u64(request.length)
      .finish();
}

Bytes encode_json(FrameType type, const std::string& document) {
  return Writer(type).raw(document.data(), document.size()).finish();
}

Bytes encode_fetch_header(const FetchHeader& header) {
  Writer out(header.signature ? FrameType::kSignedFetchHeader
                              : FrameType::kFetchHeader);
  out.str(header.name)
      .u32(header.version)
      .u64(header.total_size)
      .u64(header.offset)
      .u64(header.payload_size)
      .raw(header.sha256.data(), header.sha256.size())
      .json(header.manifest);
  if (header.signature) {
    out.raw(header.signature->key_id.data(), kKeyIdSize)
        .raw(header.signature->signature.data(), kSignatureSize);
  }
  return out.finish();
}

Bytes encode_signed_manifest_result(const SignedManifest& result) {
  return Writer(FrameType::kSignedManifestResult)
      .json(result.manifest)
      .raw(result.signature.key_id.data(), kKeyIdSize)
      .raw(result.signature.signature.data(), kSignatureSize)
      .finish();
}

Bytes encode_error(const ErrorMessage& error) {
  return Writer(FrameType::kError)
      .u16(error.code)
      .u8(error.fatal ? 1 : 0)
      .str(error.message)
      .finish();
}

Bytes encode_subscribe(const std::vector<std::string>& names, FrameType type) {
  if (names.size() > std::numeric_limits<uint16_t>::max()) {
    throw ProtocolError(std::to_string(names.size()) +
                        " names do not fit a SUBSCRIBE (65535 at most)");
  }
  Writer out(type);
  out.u16(static_cast<uint16_t>(names.size()));
  for (const std::string& name : names) out.str(name);
  return out.finish();
}

Bytes encode_receipt(const Receipt& receipt) {
  return Writer(FrameType::kReceipt)
      .str(receipt.name)
      .u32(receipt.version)
      .raw(receipt.sha256.data(), receipt.sha256.size())
      .u8(static_cast<uint8_t>(receipt.status))
      .str(receipt.reason)
      .str(receipt.libtorch)
      .finish();
}

Bytes encode_receipt_ok() { return Writer(FrameType::kReceiptOk).finish(); }

Hello decode_hello(const Bytes& payload) {
  Reader in(payload, "HELLO");
  char magic[4];
  in.raw(magic, 4);
  if (std::memcmp(magic, kMagic, 4) != 0) {
    throw ProtocolError("bad magic: the peer is not a torchfeed server");
  }
  Hello hello;
  hello.protocol = in.u16();
  hello.software = in.str();
  hello.libtorch = in.str();
  in.done();
  return hello;
}

void decode_list(const Bytes& payload) { Reader(payload, "LIST").done(); }

ManifestRequest decode_manifest_request(const Bytes& payload) {
  Reader in(payload, "MANIFEST");
  ManifestRequest request;
  request.name = in.str();
  request.version = in.u32();
  in.done();
  return request;
}

FetchRequest decode_fetch(const Bytes& payload) {
  Reader in(payload, "FETCH");
  FetchRequest request;
  request.name = in.str();
  request.version = in.u32();
  request.offset = in.u64();
  request.length = in.u64();
  in.done();
  return request;
}

FetchHeader decode_fetch_header(const Bytes& payload, FrameType type) {
  const bool is_signed = type == FrameType::kSignedFetchHeader;
  Reader in(payload, is_signed ? "SIGNED_FETCH_HEADER" : "FETCH_HEADER");
  FetchHeader header;
  header.name = in.str();
  header.version = in.u32();
  header.total_size = in.u64();
  header.offset = in.u64();
  header.payload_size = in.u64();
  in.raw(header.sha256.data(), header.sha256.size());
  header.manifest = in.json();
  if (is_signed) {
    Signature signature;
    in.raw(signature.key_id.data(), kKeyIdSize);
    in.raw(signature.signature.data(), kSignatureSize);
    header.signature = signature;
  }
  in.done();
  return header;
}

SignedManifest decode_signed_manifest_result(const Bytes& payload) {
  Reader in(payload, "SIGNED_MANIFEST_RESULT");
  SignedManifest result;
  result.manifest = in.json();
  in.raw(result.signature.key_id.data(), kKeyIdSize);
  in.raw(result.signature.signature.data(), kSignatureSize);
  in.done();
  return result;
}

ErrorMessage decode_error(const Bytes& payload) {
  Reader in(payload, "ERROR");
  ErrorMessage error;
  error.code = in.u16();
  uint8_t fatal = in.u8();
  if (fatal > 1) {
    throw ProtocolError("malformed ERROR payload: the fatal flag is " +
                        std::to_string(fatal) + ", not 0 or 1");
  }
  error.fatal = fatal == 1;
  error.message = in.str();
  in.done();
  return error;
}

std::vector<std::string> decode_subscribe(const Bytes& payload,
                                          FrameType type) {
  const std::string what = frame_type_name(static_cast<uint8_t>(type));
  Reader in(payload, what.c_str());
  std::vector<std::string> names;
  for (uint16_t count = in.u16(); names.size() < count;) {
    names.push_back(in.str());  // checks the bytes left: a lying count throws
  }
  in.done();
  return names;
}

Receipt decode_receipt(const Bytes& payload) {
  Reader in(payload, "RECEIPT");
  Receipt receipt;
  receipt.name = in.str();
  receipt.version = in.u32();
  in.raw(receipt.sha256.data(), receipt.sha256.size());
  uint8_t status = in.u8();
  if (status > static_cast<uint8_t>(ReceiptStatus::kFailed)) {
    throw ProtocolError("malformed RECEIPT: status " + std::to_string(status) +
                        " is neither 0 (loaded) nor 1 (failed)");
  }
  receipt.status = static_cast<ReceiptStatus>(status);
  receipt.reason = in.str();
  receipt.libtorch = in.str();
  in.done();
  return receipt;
}

void decode_receipt_ok(const Bytes& payload) {
  Reader(payload, "RECEIPT_OK").done();
}

namespace {
std::string hex_of(const uint8_t* data, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (size_t i = 0; i < n; ++i) {
    hex += kDigits[data[i] >> 4];
    hex += kDigits[data[i] & 15];
  }
  return hex;
}
}  // namespace

std::string to_hex(const std::array<uint8_t, kSha256Size>& sha256) {
  return hex_of(sha256.data(), sha256.size());
}

std::string to_hex(const std::array<uint8_t, kKeyIdSize>& key_id) {
  return hex_of(key_id.data(), key_id.size());
}

std::array<uint8_t, kSha256Size> from_hex(const std::string& hex) {
  auto digit = [&](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw ProtocolError("malformed sha256 '" + hex + "'");
  };
  if (hex.size() != 2 * kSha256Size) {
    throw ProtocolError("malformed sha256 '" + hex + "': not 64 hex digits");
  }
  std::array<uint8_t, kSha256Size> out{};
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] =
        static_cast<uint8_t>(digit(hex[2 * i]) * 16 + digit(hex[2 * i + 1]));
  }
  return out;
}

}  // namespace torchfeed::protocol
