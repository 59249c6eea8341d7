// Helpers shared by the tests: fixture files, golden manifests, forward.json.
#pragma once

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "sha256.h"
#include "torchfeed/loading.h"
#include "torchfeed/manifest.h"
#include "torchfeed/protocol.h"

namespace torchfeed::testing {

inline const std::string kFixtures = TORCHFEED_FIXTURES;
// The LibTorch 2.10 re-save of toynet, committed by the Java side.
inline const std::string kToynet210 =
    kFixtures + "/models-2.10/toynet/model.pt";

inline bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline Buffer read_buffer(const std::string& path) {
  std::string bytes = read_text(path);
  Buffer buffer(bytes.size());
  std::copy(bytes.begin(), bytes.end(), buffer.data());
  return buffer;
}

inline std::string sha256_hex(const uint8_t* data, size_t n) {
  detail::Sha256 hash;
  hash.update(data, n);
  return protocol::to_hex(hash.digest());
}

// What a server fixture of tests/server.sh left in its state directory:
// address, http_address, raw_address (HOST:PORT), token, ...
class ServerState {
 public:
  explicit ServerState(std::string dir) : dir_(std::move(dir)) {}

  // The file's text without trailing newlines; a test failure when it is
  // missing or empty (the fixture did not run, or failed).
  std::string text(const std::string& file) const {
    std::string text = read_text(dir_ + "/" + file);
    while (!text.empty() && text.back() == '\n') text.pop_back();
    if (text.empty()) {
      ADD_FAILURE() << "no " << dir_ << "/" << file
                    << ": the server fixture did not run or failed";
    }
    return text;
  }

  // The port of one of its HOST:PORT files; 0 without one.
  uint16_t port(const std::string& file = "address") const {
    std::string address = text(file);
    if (address.empty()) return 0;
    return static_cast<uint16_t>(
        std::stoi(address.substr(address.rfind(':') + 1)));
  }

 private:
  std::string dir_;
};

// The names of test-fixtures/models/*, sorted.
inline std::vector<std::string> fixture_models() {
  std::set<std::string> names;
  if (DIR* dir = ::opendir((kFixtures + "/models").c_str())) {
    while (dirent* entry = ::readdir(dir)) {
      std::string name = entry->d_name;
      if (name[0] != '.') names.insert(name);
    }
    ::closedir(dir);
  }
  return {names.begin(), names.end()};
}

inline std::string model_file(const std::string& name) {
  return kFixtures + "/models/" + name + "/model.pt";
}

// Writes to `to` toynet's archive with 20 MiB of random bytes stored in it
// (an extra record LibTorch never reads, between toynet's records and the
// central directory): a model of three chunks of 8 MiB (docs/protocol.md
// 5.3) that LibTorch loads from chunks 2 and 0 alone. False if python3
// failed.
inline bool write_padded_toynet(const std::string& to) {
  std::string pad =
      "python3 -c 'import random, shutil, sys, zipfile\n"
      "shutil.copy(sys.argv[1], sys.argv[2])\n"
      "with zipfile.ZipFile(sys.argv[2], \"a\", zipfile.ZIP_STORED) as z:\n"
      "  root = z.namelist()[0].split(\"/\")[0]\n"
      "  z.writestr(root + \"/extra/padding\", "
      "random.Random(3).randbytes(20 << 20))' " +
      model_file("toynet") + " " + to;
  return std::system(pad.c_str()) == 0;
}

// The golden manifest.json, without its trailing newline.
inline std::string golden_json(const std::string& name) {
  std::string doc = read_text(kFixtures + "/models/" + name + "/manifest.json");
  if (!doc.empty() && doc.back() == '\n') doc.pop_back();
  return doc;
}

inline Manifest golden_manifest(const std::string& name) {
  return parse_manifest(golden_json(name));
}

// The manifest a client of protocol version 3 gets from torchfeed's server
// for a fixture model: the golden one with its chunk digests. The server's
// chunks are of 8 MiB, so each fixture model is one chunk, whose digest is
// the file's sha256.
inline std::string golden_json_v3(const std::string& name) {
  std::string doc = golden_json(name);
  std::string sha256 = parse_manifest(doc).sha256;
  doc.pop_back();  // its closing brace
  return doc + R"(,"chunkSize":8388608,"chunks":[")" + sha256 + R"("]})";
}

// forward.json's input as a tensor and its expected output.
struct ForwardCase {
  at::Tensor input;
  at::Tensor output;
};

inline ForwardCase forward_case() {
  auto doc = nlohmann::json::parse(
      read_text(kFixtures + "/models/toynet/forward.json"));
  auto tensor = [](const nlohmann::json& t) {
    std::vector<float> values;
    for (double v : t.at("values")) values.push_back(static_cast<float>(v));
    std::vector<int64_t> shape = t.at("shape").get<std::vector<int64_t>>();
    return torch::tensor(values).reshape(shape);
  };
  return {tensor(doc.at("input")), tensor(doc.at("output"))};
}

}  // namespace torchfeed::testing
