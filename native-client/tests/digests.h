// SHA-256 digests computed by the tests themselves, with OpenSSL's one-shot
// SHA256() rather than the client's Sha256, and random test bytes.
#pragma once

#include <openssl/sha.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace torchfeed::testing {

inline std::string hex_sha256(const uint8_t* data, size_t n) {
  uint8_t digest[SHA256_DIGEST_LENGTH];
  ::SHA256(data, n, digest);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : digest) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

inline std::vector<uint8_t> random_bytes(size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::vector<uint8_t> out(n);
  for (uint8_t& b : out) b = static_cast<uint8_t>(gen());
  return out;
}

// The digests of `file` in chunks of `chunk_size`, as a server computes
// them (docs/protocol.md 5.3): an empty file is one empty chunk.
inline std::vector<std::string> digests_of(const std::vector<uint8_t>& file,
                                           size_t chunk_size) {
  std::vector<std::string> out;
  size_t at = 0;
  do {
    size_t n = std::min(chunk_size, file.size() - at);
    out.push_back(hex_sha256(file.data() + at, n));
    at += n;
  } while (at < file.size());
  return out;
}

}  // namespace torchfeed::testing
