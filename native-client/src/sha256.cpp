#include "sha256.h"

#include "torchfeed/errors.h"

namespace torchfeed::detail {

Sha256::Sha256() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
  if (!ctx_) throw Error("OpenSSL could not allocate a digest context");
  reset();
}

void Sha256::reset() {
  if (EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) {
    throw Error("OpenSSL could not start a SHA-256 digest");
  }
}

void Sha256::update(const void* data, size_t n) {
  if (EVP_DigestUpdate(ctx_.get(), data, n) != 1) {
    throw Error("OpenSSL could not update a SHA-256 digest");
  }
}

std::array<uint8_t, 32> Sha256::digest() {
  std::array<uint8_t, 32> out{};
  unsigned int n = 0;
  if (EVP_DigestFinal_ex(ctx_.get(), out.data(), &n) != 1 || n != 32) {
    throw Error("OpenSSL could not finish a SHA-256 digest");
  }
  reset();
  return out;
}

}  // namespace torchfeed::detail
