#include "torchfeed/manifest.h"

#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <type_traits>

#include "torchfeed/errors.h"

namespace torchfeed {
namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

Json parse(const std::string& text, const char* what) {
  try {
    return Json::parse(text);
  } catch (const Json::exception& e) {
    throw ProtocolError(std::string("malformed ") + what +
                        " JSON: " + e.what());
  }
}

template <typename T>
struct IsVector : std::false_type {};
template <typename U>
struct IsVector<std::vector<U>> : std::true_type {};

// Whether get<T>() is defined for this value: nlohmann converts a float or an
// out-of-range integer into an integer type by a plain cast, which is
// undefined behaviour for values the type cannot hold (found by fuzzing).
template <typename T>
bool fits(const Json& value) {
  if constexpr (std::is_integral_v<T>) {
    if (!value.is_number_integer()) return false;
    if (value.is_number_unsigned()) {
      return value.get<uint64_t>() <=
             static_cast<uint64_t>(std::numeric_limits<T>::max());
    }
    int64_t v = value.get<int64_t>();
    return v >= 0
               ? static_cast<uint64_t>(v) <=
                     static_cast<uint64_t>(std::numeric_limits<T>::max())
               : std::is_signed_v<T> &&
                     v >= static_cast<int64_t>(std::numeric_limits<T>::min());
  } else if constexpr (IsVector<T>::value) {
    if (!value.is_array()) return false;
    for (const Json& item : value) {
      if (!fits<typename T::value_type>(item)) return false;
    }
    return true;
  } else {
    return true;  // strings and JSON values: get<>() throws on a mismatch
  }
}

// Reads a key of an object, turning nlohmann's errors into ProtocolError.
template <typename T>
T field(const Json& object, const char* key, const char* what) {
  try {
    const Json& value = object.at(key);
    if (fits<T>(value)) return value.get<T>();
  } catch (const Json::exception&) {
    // missing, or a type get<>() refuses: reported below
  }
  throw ProtocolError(std::string("malformed ") + what + ": '" + key +
                      "' is missing or has the wrong type");
}

// An integer key in [min, max]: not a double, not a string.
uint64_t integer(const Json& object, const char* key, const char* what,
                 uint64_t min, uint64_t max) {
  auto it = object.find(key);
  if (it != object.end() && it->is_number_integer() &&
      (it->is_number_unsigned() || it->get<int64_t>() >= 0)) {
    uint64_t value = it->get<uint64_t>();
    if (value >= min && value <= max) return value;
  }
  throw ProtocolError(std::string("malformed ") + what + ": '" + key +
                      "' is missing or not an integer in [" +
                      std::to_string(min) + ", " + std::to_string(max) + "]");
}

std::vector<TensorInfo> tensors(const Json& manifest, const char* key) {
  std::vector<TensorInfo> out;
  for (const Json& t : field<std::vector<Json>>(manifest, key, "manifest")) {
    out.push_back({field<std::string>(t, "name", "manifest tensor"),
                   field<std::vector<int64_t>>(t, "shape", "manifest tensor"),
                   field<std::string>(t, "dtype", "manifest tensor")});
  }
  return out;
}

OrderedJson tensors_json(const std::vector<TensorInfo>& list) {
  OrderedJson out = OrderedJson::array();
  for (const TensorInfo& t : list) {
    out.push_back({{"name", t.name}, {"shape", t.shape}, {"dtype", t.dtype}});
  }
  return out;
}

std::string describe(const TensorInfo& t) {
  return t.dtype + shape_text(t.shape);
}

void compare_list(const char* kind, const std::vector<TensorInfo>& expected,
                  const std::vector<TensorInfo>& actual,
                  std::vector<Difference>& out) {
  std::map<std::string, const TensorInfo*> want;
  std::map<std::string, const TensorInfo*> got;
  for (const TensorInfo& t : expected) want.emplace(t.name, &t);
  for (const TensorInfo& t : actual) got.emplace(t.name, &t);
  size_t before = out.size();
  for (const TensorInfo& e : expected) {
    auto a = got.find(e.name);
    if (a == got.end()) {
      out.push_back({kind, e.name, describe(e), "missing"});
    } else if (a->second->shape != e.shape || a->second->dtype != e.dtype) {
      out.push_back({kind, e.name, describe(e), describe(*a->second)});
    }
  }
  for (const TensorInfo& a : actual) {
    if (want.count(a.name) == 0) {
      out.push_back({kind, a.name, "missing", describe(a)});
    }
  }
  if (out.size() == before) {
    std::string want_order;
    std::string got_order;
    for (const TensorInfo& t : expected) want_order += t.name + ",";
    for (const TensorInfo& t : actual) got_order += t.name + ",";
    if (want_order != got_order) {
      want_order.pop_back();
      got_order.pop_back();
      out.push_back({kind, "order", want_order, got_order});
    }
  }
}

bool is_sha256_hex(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// chunkSize and chunks (protocol version 3): both or neither, as many
// digests as the size has chunks.
void read_chunks(const Json& doc, Manifest& m) {
  bool has_size = doc.contains("chunkSize");
  bool has_chunks = doc.contains("chunks");
  if (!has_size && !has_chunks) return;
  if (has_size != has_chunks) {
    throw ProtocolError(
        "malformed manifest: 'chunkSize' and 'chunks' come together");
  }
  m.chunk_size = integer(doc, "chunkSize", "manifest", 1,
                         std::numeric_limits<uint64_t>::max());
  m.chunks = field<std::vector<std::string>>(doc, "chunks", "manifest");
  uint64_t expected = m.size == 0 ? 1 : (m.size - 1) / m.chunk_size + 1;
  if (m.chunks.size() != expected) {
    throw ProtocolError("malformed manifest: " + std::to_string(m.size) +
                        " bytes in chunks of " + std::to_string(m.chunk_size) +
                        " are " + std::to_string(expected) + " chunks, not " +
                        std::to_string(m.chunks.size()));
  }
  for (const std::string& digest : m.chunks) {
    if (!is_sha256_hex(digest)) {
      throw ProtocolError("malformed manifest: chunk digest '" + digest +
                          "' is not 64 lower-case hex digits");
    }
  }
}

}  // namespace

bool operator==(const TensorInfo& a, const TensorInfo& b) {
  return a.name == b.name && a.shape == b.shape && a.dtype == b.dtype;
}

Manifest parse_manifest(const std::string& json) {
  Json doc = parse(json, "manifest");
  Manifest m;
  m.name = field<std::string>(doc, "name", "manifest");
  m.version = field<uint32_t>(doc, "version", "manifest");
  m.size = field<uint64_t>(doc, "size", "manifest");
  m.sha256 = field<std::string>(doc, "sha256", "manifest");
  m.format_version = field<uint64_t>(doc, "formatVersion", "manifest");
  m.parameters = tensors(doc, "parameters");
  m.buffers = tensors(doc, "buffers");
  read_chunks(doc, m);
  m.json = json;
  return m;
}

Listing parse_listing(const std::string& json) {
  Json doc = parse(json, "listing");
  Listing listing;
  for (const Json& m : field<std::vector<Json>>(doc, "models", "listing")) {
    listing.models.push_back(
        {field<std::string>(m, "name", "listing model"),
         field<std::vector<uint32_t>>(m, "versions", "listing model"),
         field<uint32_t>(m, "latest", "listing model")});
  }
  for (const Json& r : field<std::vector<Json>>(doc, "rejected", "listing")) {
    listing.rejected.push_back(
        {field<std::string>(r, "name", "listing rejection"),
         field<uint32_t>(r, "version", "listing rejection"),
         field<std::string>(r, "path", "listing rejection"),
         field<std::string>(r, "reason", "listing rejection")});
  }
  listing.json = json;
  return listing;
}

Event parse_event(const std::string& json) {
  constexpr uint64_t kMaxVersion = 0x7fffffff;  // fits a signed 32-bit int
  Json doc = parse(json, "event");
  if (!doc.is_object()) throw ProtocolError("malformed event: not an object");
  Event e;
  e.json = json;
  e.event = field<std::string>(doc, "event", "event");
  const std::string what = e.event + " event";
  if (e.event == "published") {
    e.kind = Event::Kind::kPublished;
    e.name = field<std::string>(doc, "name", what.c_str());
    e.version = static_cast<uint32_t>(
        integer(doc, "version", what.c_str(), 1, kMaxVersion));
    e.sha256 = field<std::string>(doc, "sha256", what.c_str());
    e.size = integer(doc, "size", what.c_str(), 0,
                     std::numeric_limits<uint64_t>::max());
  } else if (e.event == "removed") {
    e.kind = Event::Kind::kRemoved;
    e.name = field<std::string>(doc, "name", what.c_str());
    e.version = static_cast<uint32_t>(
        integer(doc, "version", what.c_str(), 1, kMaxVersion));
  } else if (e.event == "alias") {
    e.kind = Event::Kind::kAlias;
    e.name = field<std::string>(doc, "name", what.c_str());
    e.alias = field<std::string>(doc, "alias", what.c_str());
    e.version = static_cast<uint32_t>(
        integer(doc, "version", what.c_str(), 0, kMaxVersion));
  } else {
    auto name = doc.find("name");
    if (name != doc.end() && name->is_string())
      e.name = name->get<std::string>();
  }
  return e;
}

std::string to_json(const Event& e) {
  OrderedJson doc;
  doc["event"] = e.event;
  switch (e.kind) {
    case Event::Kind::kPublished:
      doc["name"] = e.name;
      doc["version"] = e.version;
      doc["sha256"] = e.sha256;
      doc["size"] = e.size;
      break;
    case Event::Kind::kRemoved:
      doc["name"] = e.name;
      doc["version"] = e.version;
      break;
    case Event::Kind::kAlias:
      doc["name"] = e.name;
      doc["alias"] = e.alias;
      doc["version"] = e.version;
      break;
    case Event::Kind::kOther:
      return e.json;
  }
  return doc.dump();
}

std::string to_json(const Manifest& m) {
  OrderedJson doc;
  doc["name"] = m.name;
  doc["version"] = m.version;
  doc["size"] = m.size;
  doc["sha256"] = m.sha256;
  doc["formatVersion"] = m.format_version;
  doc["parameters"] = tensors_json(m.parameters);
  doc["buffers"] = tensors_json(m.buffers);
  if (m.chunk_size > 0) {
    doc["chunkSize"] = m.chunk_size;
    doc["chunks"] = m.chunks;
  }
  return doc.dump();
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) out += ", ";
    out += std::to_string(shape[i]);
  }
  return out + "]";
}

std::string Difference::to_string() const {
  return kind + " " + name + ": expected " + expected + ", got " + actual;
}

std::vector<Difference> compare(const ModuleInfo& expected,
                                const ModuleInfo& actual) {
  std::vector<Difference> out;
  compare_list("parameter", expected.parameters, actual.parameters, out);
  compare_list("buffer", expected.buffers, actual.buffers, out);
  return out;
}

}  // namespace torchfeed
