package io.torchfeed.client;

import io.torchfeed.model.Manifest;
import io.torchfeed.model.ManifestSignature;
import io.torchfeed.model.ModelId;
import io.torchfeed.protocol.FetchHeader;
import io.torchfeed.protocol.ManifestResult;
import io.torchfeed.signing.TrustKey;
import java.util.Optional;

/**
 * What a client with a trust key accepts (docs/protocol.md, section 5.10): a manifest signed by that key, over
 * exactly the bytes received, that names the model (and version) asked for; and a SIGNED_FETCH_HEADER whose name,
 * version, total size and sha256 are those of its signed manifest. The bytes that follow are then checked against
 * that sha256 by the download. Every refusal is an {@link UntrustedManifestException} with one line.
 */
final class SignatureCheck {
  private final TrustKey key;

  SignatureCheck(TrustKey key) {
    this.key = key;
  }

  /** The manifest of a MANIFEST answer, once it is trusted. */
  Manifest manifest(ModelId asked, ManifestResult result) {
    verify(asked, result.manifest(), result.json(), result.signature());
    return result.manifest();
  }

  /** Checks a FETCH answer's header before any of its bytes are read. */
  void fetchHeader(ModelId asked, FetchHeader header) {
    Manifest signed = header.manifest();
    verify(asked, signed, header.manifestJson(), header.signature());
    if (!header.name().equals(signed.name()) || header.version() != signed.version()
        || header.totalSize() != signed.size() || !header.sha256Hex().equals(signed.sha256())) {
      throw new UntrustedManifestException("refusing " + signed.id() + ": the FETCH_HEADER (" + header.name() + ":"
          + header.version() + ", " + header.totalSize() + " bytes, sha256 " + header.sha256Hex()
          + ") does not match its signed manifest (" + signed.size() + " bytes, sha256 " + signed.sha256() + ")");
    }
  }

  private void verify(ModelId asked, Manifest manifest, byte[] json, Optional<ManifestSignature> signature) {
    if (signature.isEmpty()) {
      throw new UntrustedManifestException("refusing " + asked + ": the server sent its manifest unsigned and "
          + "--trust-key requires a signature (start the server with --signing-key)");
    }
    ManifestSignature s = signature.get();
    if (!s.keyIdHex().equals(key.keyIdHex())) {
      throw new UntrustedManifestException("refusing " + asked + ": its manifest is signed by key " + s.keyIdHex()
          + ", not by the trusted key " + key.keyIdHex());
    }
    if (!key.verifies(json, s)) {
      throw new UntrustedManifestException("refusing " + asked + ": the signature of its manifest does not "
          + "verify with the trusted key " + key.keyIdHex() + " (the manifest or its signature was altered)");
    }
    if (!manifest.name().equals(asked.name())
        || (asked.version() != ModelId.LATEST && manifest.version() != asked.version())) {
      throw new UntrustedManifestException("refusing " + asked + ": the server sent the signed manifest of "
          + manifest.id());
    }
  }
}
