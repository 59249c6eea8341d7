package io.torchfeed.signing;

import io.torchfeed.model.ManifestSignature;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * An Ed25519 public key a client trusts to sign manifests ({@code --trust-key}): read from a PEM
 * SubjectPublicKeyInfo ({@code -----BEGIN PUBLIC KEY-----}), as {@code openssl pkey -pubout} and {@code torchfeed
 * signing-key} write it. Immutable; {@link #verifies} may be called from any thread.
 */
public final class TrustKey {
  private final PublicKey key;
  private final byte[] raw;
  private final byte[] keyId;

  private TrustKey(PublicKey key, byte[] raw) {
    this.key = key;
    this.raw = raw;
    this.keyId = Ed25519.keyId(raw);
  }

  /**
   * Reads a PEM public key file.
   *
   * @throws SigningKeyException a one-line reason when the file is missing or not an Ed25519 public key
   */
  public static TrustKey load(Path file) {
    byte[] der = Pem.read(file, "PUBLIC KEY", "trust key");
    try {
      return of(Ed25519.publicKey(der));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new SigningKeyException("trust key " + file + " is not an Ed25519 public key"
          + " (make one with: openssl pkey -in key.pem -pubout -out key.pub.pem)", e);
    }
  }

  /** @throws IllegalArgumentException when {@code key} is not an Ed25519 public key */
  public static TrustKey of(PublicKey key) {
    byte[] raw = Ed25519.raw(Objects.requireNonNull(key, "key"));
    if (raw == null) {
      throw new IllegalArgumentException("not an Ed25519 public key: " + key.getAlgorithm());
    }
    return new TrustKey(key, raw);
  }

  /** The key id, 8 bytes: the first 8 bytes of the SHA-256 of the raw 32-byte public key. */
  public byte[] keyId() {
    return keyId.clone();
  }

  /** The key id as 16 lower-case hex digits. */
  public String keyIdHex() {
    return HexFormat.of().formatHex(keyId);
  }

  /** The raw 32-byte public key. */
  public byte[] raw() {
    return raw.clone();
  }

  public PublicKey publicKey() {
    return key;
  }

  /** Whether {@code signature} names this key and is its Ed25519 signature of exactly {@code document}. */
  public boolean verifies(byte[] document, ManifestSignature signature) {
    if (!Arrays.equals(signature.keyId(), keyId)) {
      return false;
    }
    try {
      Signature verifier = Ed25519.signature();
      verifier.initVerify(key);
      verifier.update(document);
      return verifier.verify(signature.signature());
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /** The key as a PEM SubjectPublicKeyInfo, what {@code openssl pkey -pubout} writes. */
  public String pem() {
    return Pem.write("PUBLIC KEY", key.getEncoded());
  }

  @Override
  public String toString() {
    return "TrustKey[" + keyIdHex() + "]";
  }
}
