#include "torchfeed/signing.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "sha256.h"
#include "torchfeed/errors.h"

namespace torchfeed {
namespace {

constexpr size_t kRawKeySize = 32;

std::string id_of(const std::string& name, uint32_t version) {
  return version == 0 ? name : name + ":" + std::to_string(version);
}

std::string model_name(const std::string& wire_name) {
  return wire_name.substr(0, wire_name.find('@'));
}

}  // namespace

TrustKey TrustKey::load(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "r"),
                                            &std::fclose);
  if (!file) {
    throw Error("cannot read trust key " + path + ": " + std::strerror(errno));
  }
  EVP_PKEY* key = PEM_read_PUBKEY(file.get(), nullptr, nullptr, nullptr);
  ERR_clear_error();
  if (key == nullptr) {
    throw Error("trust key " + path +
                " is not a PEM public key (make one with: openssl pkey -in "
                "key.pem -pubout -out key.pub.pem)");
  }
  TrustKey trust;
  trust.key_.reset(key, &EVP_PKEY_free);
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_ED25519) {
    throw Error("trust key " + path + " is not an Ed25519 public key");
  }
  uint8_t raw[kRawKeySize];
  size_t length = sizeof(raw);
  if (EVP_PKEY_get_raw_public_key(key, raw, &length) != 1 ||
      length != kRawKeySize) {
    ERR_clear_error();
    throw Error("trust key " + path + ": cannot read its raw Ed25519 key");
  }
  detail::Sha256 hash;
  hash.update(raw, length);
  auto digest = hash.digest();
  std::copy(digest.begin(), digest.begin() + protocol::kKeyIdSize,
            trust.key_id_.begin());
  return trust;
}

bool TrustKey::verifies(const std::string& document,
                        const protocol::Signature& signature) const {
  if (signature.key_id != key_id_) return false;
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(),
                                                        &EVP_MD_CTX_free);
  bool ok = ctx &&
            EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr,
                                 key_.get()) == 1 &&
            EVP_DigestVerify(
                ctx.get(), signature.signature.data(),
                signature.signature.size(),
                reinterpret_cast<const unsigned char*>(document.data()),
                document.size()) == 1;
  ERR_clear_error();
  return ok;
}

Manifest check_signed_manifest(
    const TrustKey& key, const std::string& name, uint32_t version,
    const std::string& document,
    const std::optional<protocol::Signature>& signature) {
  const std::string asked = id_of(name, version);
  if (!signature) {
    throw SignatureError("refusing " + asked +
                         ": the server sent its manifest unsigned and "
                         "--trust-key requires a signature (start the server "
                         "with --signing-key)");
  }
  const std::string by = protocol::to_hex(signature->key_id);
  if (by != key.key_id_hex()) {
    throw SignatureError("refusing " + asked + ": its manifest is signed by key " +
                         by + ", not by the trusted key " + key.key_id_hex());
  }
  if (!key.verifies(document, *signature)) {
    throw SignatureError("refusing " + asked +
                         ": the signature of its manifest does not verify "
                         "with the trusted key " +
                         key.key_id_hex() +
                         " (the manifest or its signature was altered)");
  }
  Manifest manifest = parse_manifest(document);
  if (manifest.name != model_name(name) ||
      (version != 0 && manifest.version != version)) {
    throw SignatureError("refusing " + asked +
                         ": the server sent the signed manifest of " +
                         id_of(manifest.name, manifest.version));
  }
  return manifest;
}

Manifest check_signed_header(const TrustKey& key, const std::string& name,
                             uint32_t version,
                             const protocol::FetchHeader& header) {
  Manifest signed_manifest = check_signed_manifest(
      key, name, version, header.manifest, header.signature);
  const std::string sha256 = protocol::to_hex(header.sha256);
  if (header.name != signed_manifest.name ||
      header.version != signed_manifest.version ||
      header.total_size != signed_manifest.size ||
      sha256 != signed_manifest.sha256) {
    throw SignatureError(
        "refusing " + id_of(signed_manifest.name, signed_manifest.version) +
        ": the FETCH_HEADER (" + id_of(header.name, header.version) + ", " +
        std::to_string(header.total_size) + " bytes, sha256 " + sha256 +
        ") does not match its signed manifest (" +
        std::to_string(signed_manifest.size) + " bytes, sha256 " +
        signed_manifest.sha256 + ")");
  }
  return signed_manifest;
}

}  // namespace torchfeed
