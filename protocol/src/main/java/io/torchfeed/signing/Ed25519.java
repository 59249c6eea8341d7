package io.torchfeed.signing;

import io.torchfeed.model.ManifestSignature;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;

/** The JDK's Ed25519, and the key id: the first 8 bytes of the SHA-256 of the raw 32-byte public key. */
final class Ed25519 {
  /**
   * DER of an Ed25519 SubjectPublicKeyInfo up to the raw key (RFC 8410): SEQUENCE { SEQUENCE { OID 1.3.101.112 },
   * BIT STRING { 32 bytes } }.
   */
  static final byte[] SPKI_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
  static final int RAW_KEY_LENGTH = 32;

  private Ed25519() {}

  static KeyFactory keyFactory() throws GeneralSecurityException {
    return KeyFactory.getInstance("Ed25519");
  }

  static Signature signature() throws GeneralSecurityException {
    return Signature.getInstance("Ed25519");
  }

  /** The raw 32-byte key of an Ed25519 public key, or null when it is not one. */
  static byte[] raw(PublicKey key) {
    byte[] der = key.getEncoded();
    if (der == null || der.length != SPKI_PREFIX.length + RAW_KEY_LENGTH
        || !Arrays.equals(der, 0, SPKI_PREFIX.length, SPKI_PREFIX, 0, SPKI_PREFIX.length)) {
      return null;
    }
    return Arrays.copyOfRange(der, SPKI_PREFIX.length, der.length);
  }

  /** The public key whose SubjectPublicKeyInfo DER is {@code der}. */
  static PublicKey publicKey(byte[] der) throws GeneralSecurityException {
    return keyFactory().generatePublic(new X509EncodedKeySpec(der));
  }

  static byte[] keyId(byte[] rawPublicKey) {
    try {
      return Arrays.copyOf(MessageDigest.getInstance("SHA-256").digest(rawPublicKey),
          ManifestSignature.KEY_ID_LENGTH);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
