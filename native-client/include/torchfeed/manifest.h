// The JSON documents of the protocol (docs/protocol.md 5.2, 5.3 and 5.8) as
// structs, and the comparison of two modules' parameters and buffers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace torchfeed {

// One named parameter or buffer, as LibTorch lists it.
struct TensorInfo {
  std::string name;            // e.g. "conv0.weight"
  std::vector<int64_t> shape;  // empty for a 0-dim tensor
  std::string dtype;           // Python's spelling, e.g. "float32"
};

bool operator==(const TensorInfo& a, const TensorInfo& b);
inline bool operator!=(const TensorInfo& a, const TensorInfo& b) {
  return !(a == b);
}

// named_parameters(true) and named_buffers(true), in LibTorch's order.
struct ModuleInfo {
  std::vector<TensorInfo> parameters;
  std::vector<TensorInfo> buffers;
};

// MANIFEST_RESULT: one model version as the server validated it.
struct Manifest : ModuleInfo {
  std::string name;
  uint32_t version = 0;
  uint64_t size = 0;
  std::string sha256;  // lower-case hex, of the whole file
  uint64_t format_version = 0;
  // Protocol version 3 (docs/protocol.md 5.3): chunk i is the bytes
  // [i * chunk_size, min((i + 1) * chunk_size, size)) and chunks[i] its
  // lower-case hex SHA-256; max(1, ceil(size / chunk_size)) of them. Absent
  // (chunk_size 0, chunks empty) in a document of version 1 or 2.
  uint64_t chunk_size = 0;
  std::vector<std::string> chunks;
  std::string json;  // the document as the server sent it
};

struct ModelSummary {
  std::string name;
  std::vector<uint32_t> versions;  // ascending
  uint32_t latest = 0;
};

struct Rejection {
  std::string name;
  uint32_t version = 0;
  std::string path;
  std::string reason;
};

// LIST_RESULT: what the server serves and what it rejected.
struct Listing {
  std::vector<ModelSummary> models;
  std::vector<Rejection> rejected;
  std::string json;  // the document as the server sent it
};

// A NOTICE: one catalog event, the document the HTTP API also sends on
// /v1/events (docs/http.md, Events).
struct Event {
  enum class Kind {
    kPublished,  // name, version, sha256, size: a version is now served
    kRemoved,    // name, version: a version is no longer served
    kAlias,      // name, alias, version: the alias points at version (0: gone)
    kOther,      // an event this client does not know: to be ignored
  };
  Kind kind = Kind::kOther;
  std::string event;  // as sent: "published", "removed", "alias", ...
  std::string name;
  uint32_t version = 0;
  std::string sha256;  // published: lower-case hex
  uint64_t size = 0;   // published
  std::string alias;   // alias
  std::string json;    // the document as the server sent it
};

// Parse the documents; ProtocolError when a key is missing or mistyped (in a
// manifest: also when chunkSize and chunks come one without the other, or
// their count does not match its size, or a digest is not 64 lower-case hex
// digits). Unknown keys are ignored; so is everything but "event" (and "name"
// when it is a string) in an event this client does not know.
Manifest parse_manifest(const std::string& json);
Listing parse_listing(const std::string& json);
Event parse_event(const std::string& json);

// The manifest as compact JSON, keys in the order of docs/protocol.md
// (name, version, size, sha256, formatVersion, parameters, buffers, and
// chunkSize and chunks when it has them).
std::string to_json(const Manifest& manifest);
// A known event as compact JSON, keys in the documented order (event, name,
// then version, sha256, size / version / alias, version); kOther: its json.
std::string to_json(const Event& event);

// "[6, 1, 5, 5]", "[]" for a 0-dim tensor.
std::string shape_text(const std::vector<int64_t>& shape);

// One difference between two modules, e.g.
// "parameter fc.weight: expected float32[10, 4], got float16[10, 4]".
struct Difference {
  std::string kind;  // "parameter" or "buffer"
  std::string name;
  std::string expected;
  std::string actual;
  std::string to_string() const;
};

// Names missing on either side, differing shapes or dtypes and, when the
// names agree, a different order.
std::vector<Difference> compare(const ModuleInfo& expected,
                                const ModuleInfo& actual);

}  // namespace torchfeed
