// SHA-256 with OpenSSL's EVP API, fed as bytes arrive.
#pragma once

#include <openssl/evp.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace torchfeed::detail {

class Sha256 {
 public:
  Sha256();
  void reset();
  void update(const void* data, size_t n);
  std::array<uint8_t, 32> digest();  // of everything since the last reset

 private:
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx_;
};

}  // namespace torchfeed::detail
