// Signed manifests (docs/protocol.md 5.10): the public key a client trusts
// (--trust-key) and the checks a client with one makes.
//
//   auto key = std::make_shared<torchfeed::TrustKey>(
//       torchfeed::TrustKey::load("server.pub.pem"));
//   torchfeed::Options options;
//   options.trust_key = key;  // every manifest must be signed by it
//   torchfeed::Client client("localhost", 7070, options);
//
// With a trust key a Client speaks protocol version 2 and accepts a manifest
// only when it is signed by that key over exactly the bytes received and
// names the model (and version) asked for, and a FETCH_HEADER only when its
// name, version, size and sha256 are those of its signed manifest; the bytes
// then must hash to that sha256. Anything else is a SignatureError, before
// any byte is written or loaded.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "torchfeed/manifest.h"
#include "torchfeed/protocol.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace torchfeed {

// An Ed25519 public key. Immutable; verifies() may be called from any thread.
class TrustKey {
 public:
  // Reads a PEM SubjectPublicKeyInfo ("-----BEGIN PUBLIC KEY-----"), as
  // `openssl pkey -pubout` and `torchfeed signing-key` write it. Error with
  // one line when the file is missing or not an Ed25519 public key.
  static TrustKey load(const std::string& path);

  // The first 8 bytes of the SHA-256 of the raw 32-byte public key.
  const std::array<uint8_t, protocol::kKeyIdSize>& key_id() const {
    return key_id_;
  }
  std::string key_id_hex() const { return protocol::to_hex(key_id_); }

  // Whether `signature` names this key and is its Ed25519 signature of
  // exactly `document`.
  bool verifies(const std::string& document,
                const protocol::Signature& signature) const;

 private:
  std::shared_ptr<evp_pkey_st> key_;
  std::array<uint8_t, protocol::kKeyIdSize> key_id_{};
};

// The manifest of a MANIFEST answer (`document`, with the signature of a
// SIGNED_MANIFEST_RESULT or none) once it is trusted: signed by `key`, and of
// the model `name` (NAME or NAME@ALIAS) and `version` (0: any) asked for.
// SignatureError otherwise.
Manifest check_signed_manifest(
    const TrustKey& key, const std::string& name, uint32_t version,
    const std::string& document,
    const std::optional<protocol::Signature>& signature);

// check_signed_manifest() of a FETCH answer's manifest, and its header's
// name, version, total size and sha256 against that manifest.
Manifest check_signed_header(const TrustKey& key, const std::string& name,
                             uint32_t version,
                             const protocol::FetchHeader& header);

}  // namespace torchfeed
