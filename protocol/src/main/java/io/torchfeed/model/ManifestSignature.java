package io.torchfeed.model;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * An Ed25519 signature over the bytes of one manifest document exactly as they were sent (docs/protocol.md,
 * section 5.10), and the id of the key that made it.
 *
 * @param keyId     the first 8 bytes of the SHA-256 of the signer's raw 32-byte public key (copied in and out)
 * @param signature the 64-byte Ed25519 signature (copied in and out)
 */
public record ManifestSignature(byte[] keyId, byte[] signature) {
  /** Bytes of a key id. */
  public static final int KEY_ID_LENGTH = 8;
  /** Bytes of an Ed25519 signature. */
  public static final int SIGNATURE_LENGTH = 64;

  public ManifestSignature {
    if (keyId.length != KEY_ID_LENGTH) {
      throw new IllegalArgumentException("key id of " + keyId.length + " bytes, expected " + KEY_ID_LENGTH);
    }
    if (signature.length != SIGNATURE_LENGTH) {
      throw new IllegalArgumentException("signature of " + signature.length + " bytes, expected "
          + SIGNATURE_LENGTH);
    }
    keyId = keyId.clone();
    signature = signature.clone();
  }

  @Override
  public byte[] keyId() {
    return keyId.clone();
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  /** The key id as 16 lower-case hex digits, as the CLI, the logs and the HTTP API show it. */
  public String keyIdHex() {
    return HexFormat.of().formatHex(keyId);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ManifestSignature s && Arrays.equals(s.keyId, keyId)
        && Arrays.equals(s.signature, signature);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(keyId) + Arrays.hashCode(signature);
  }

  @Override
  public String toString() {
    return "ManifestSignature[keyId=" + keyIdHex() + ", signature=" + HexFormat.of().formatHex(signature) + "]";
  }
}
