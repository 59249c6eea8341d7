package io.torchfeed.signing;

import io.torchfeed.model.ManifestSignature;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Objects;

/**
 * The server's Ed25519 private key ({@code serve --signing-key}): signs manifest documents, byte for byte as they
 * are sent. Read from a PEM PKCS#8 file ({@code -----BEGIN PRIVATE KEY-----}) as {@code openssl genpkey -algorithm
 * ed25519} writes it. Immutable and thread-safe (each signature uses its own {@link Signature}).
 */
public final class ManifestSigner {
  private static final byte[] SELF_TEST = "torchfeed signing key self-test".getBytes(StandardCharsets.US_ASCII);

  private final PrivateKey key;
  private final TrustKey publicKey;

  private ManifestSigner(PrivateKey key, TrustKey publicKey) {
    this.key = key;
    this.publicKey = publicKey;
  }

  /**
   * Reads a PEM private key file and checks that it signs what its public key verifies.
   *
   * @throws SigningKeyException a one-line reason when the file is missing, encrypted or not an Ed25519 key
   */
  public static ManifestSigner load(Path file) {
    byte[] der = Pem.read(file, "PRIVATE KEY", "signing key");
    PrivateKey key;
    try {
      key = Ed25519.keyFactory().generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new SigningKeyException("signing key " + file + " is not an Ed25519 private key"
          + " (make one with: openssl genpkey -algorithm ed25519 -out key.pem)", e);
    }
    return of(key);
  }

  /** @throws IllegalArgumentException when {@code key} is not a usable Ed25519 private key */
  public static ManifestSigner of(PrivateKey key) {
    Objects.requireNonNull(key, "key");
    if (!(key instanceof EdECPrivateKey ed) || ed.getBytes().isEmpty()
        || !NamedParameterSpec.ED25519.getName().equalsIgnoreCase(ed.getParams().getName())) {
      throw new IllegalArgumentException("not an Ed25519 private key: " + key.getAlgorithm());
    }
    ManifestSigner signer = new ManifestSigner(key, TrustKey.of(derivePublic(ed).getPublic()));
    if (!signer.publicKey.verifies(SELF_TEST, signer.sign(SELF_TEST))) {
      throw new IllegalArgumentException("the Ed25519 key does not verify its own signature");
    }
    return signer;
  }

  /**
   * The key pair of this private key. The JDK (17) has no API that derives an EdDSA public key, but its key pair
   * generator takes the 32-byte private key from the random source it is given: given exactly this key's bytes,
   * it computes the matching public key (RFC 8032, 5.1.5).
   */
  private static KeyPair derivePublic(EdECPrivateKey key) {
    byte[] seed = key.getBytes().orElseThrow();
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
      generator.initialize(NamedParameterSpec.ED25519, new SecureRandom() {
        private static final long serialVersionUID = 1L;

        @Override
        public void nextBytes(byte[] bytes) {
          if (bytes.length != seed.length) {
            throw new IllegalStateException("asked for " + bytes.length + " random bytes, not " + seed.length);
          }
          System.arraycopy(seed, 0, bytes, 0, seed.length);
        }
      });
      KeyPair pair = generator.generateKeyPair();
      if (!(pair.getPrivate() instanceof EdECPrivateKey derived)
          || !Arrays.equals(derived.getBytes().orElseThrow(), seed)) {
        throw new IllegalStateException("the JDK did not derive the key pair of this Ed25519 key");
      }
      return pair;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK has no Ed25519: " + e.getMessage(), e);
    } finally {
      Arrays.fill(seed, (byte) 0);
    }
  }

  /** The Ed25519 signature of exactly {@code document}, with this key's id. */
  public ManifestSignature sign(byte[] document) {
    try {
      Signature signer = Ed25519.signature();
      signer.initSign(key);
      signer.update(document);
      return new ManifestSignature(publicKey.keyId(), signer.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 signing failed: " + e.getMessage(), e);
    }
  }

  /** The public half: what clients trust, its PEM and its key id. */
  public TrustKey publicKey() {
    return publicKey;
  }

  @Override
  public String toString() {
    return "ManifestSigner[" + publicKey.keyIdHex() + "]";
  }
}
