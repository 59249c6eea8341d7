package io.torchfeed.signing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.model.ManifestSignature;
import io.torchfeed.support.Keys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The signer and the trust key against key files and signatures of the real openssl. */
class ManifestSignerTest {
  private static final byte[] DOCUMENT =
      "{\"name\":\"toynet\",\"version\":1,\"size\":17,\"sha256\":\"394b\"}".getBytes(StandardCharsets.UTF_8);

  @TempDir
  Path dir;

  @Test
  void signsWithAnOpensslKeyWhatTheOpensslPublicKeyVerifies() throws Exception {
    Path key = Keys.signingKey(dir, "a");
    ManifestSigner signer = ManifestSigner.load(key);
    TrustKey trusted = TrustKey.load(Keys.publicKey(key, dir, "a"));
    assertEquals(trusted.keyIdHex(), signer.publicKey().keyIdHex());
    assertEquals(16, trusted.keyIdHex().length());
    ManifestSignature signature = signer.sign(DOCUMENT);
    assertEquals(trusted.keyIdHex(), signature.keyIdHex());
    assertTrue(trusted.verifies(DOCUMENT, signature));
    // the public key the server derives is the one openssl writes, and openssl verifies the JDK's signature
    assertEquals(Files.readString(dir.resolve("a.pub.pem")), signer.publicKey().pem());
    Files.write(dir.resolve("doc"), DOCUMENT);
    Files.write(dir.resolve("sig"), signature.signature());
    String verified = Keys.openssl("pkeyutl", "-verify", "-pubin", "-inkey", dir.resolve("a.pub.pem").toString(),
        "-rawin", "-in", dir.resolve("doc").toString(), "-sigfile", dir.resolve("sig").toString());
    assertTrue(verified.contains("Signature Verified Successfully"), verified);
  }

  @Test
  void aTamperedDocumentOrSignatureDoesNotVerify() {
    ManifestSigner signer = ManifestSigner.load(Keys.signingKey(dir, "a"));
    ManifestSignature signature = signer.sign(DOCUMENT);
    for (int i = 0; i < DOCUMENT.length; i += 7) {
      byte[] tampered = DOCUMENT.clone();
      tampered[i] ^= 1;
      assertFalse(signer.publicKey().verifies(tampered, signature), "byte " + i + " flipped");
    }
    for (int i = 0; i < ManifestSignature.SIGNATURE_LENGTH; i += 5) {
      byte[] bytes = signature.signature();
      bytes[i] ^= (byte) 0x80;
      assertFalse(signer.publicKey().verifies(DOCUMENT, new ManifestSignature(signature.keyId(), bytes)));
    }
  }

  @Test
  void anotherKeyDoesNotVerifyEvenUnderTheRightKeyId() {
    ManifestSigner a = ManifestSigner.load(Keys.signingKey(dir, "a"));
    TrustKey b = ManifestSigner.load(Keys.signingKey(dir, "b")).publicKey();
    ManifestSignature byA = a.sign(DOCUMENT);
    assertNotEquals(a.publicKey().keyIdHex(), b.keyIdHex());
    assertFalse(b.verifies(DOCUMENT, byA));
    assertFalse(b.verifies(DOCUMENT, new ManifestSignature(b.keyId(), byA.signature())));
  }

  @Test
  void signaturesAreDeterministic() {
    ManifestSigner signer = ManifestSigner.load(Keys.signingKey(dir, "a"));
    assertEquals(signer.sign(DOCUMENT), signer.sign(DOCUMENT));
  }

  @Test
  void unusableSigningKeysAreOneLineErrors() throws Exception {
    Path missing = dir.resolve("missing.pem");
    assertMessage("signing key " + missing + " does not exist", () -> ManifestSigner.load(missing));

    Path ec = dir.resolve("ec.pem");
    Keys.openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", ec.toString());
    assertMessage("signing key " + ec + " is not an Ed25519 private key (make one with: openssl genpkey "
        + "-algorithm ed25519 -out key.pem)", () -> ManifestSigner.load(ec));

    Path pub = Keys.publicKey(Keys.signingKey(dir, "a"), dir, "a");
    assertMessage("signing key " + pub + " holds a PUBLIC KEY block, not a PRIVATE KEY block",
        () -> ManifestSigner.load(pub));

    Path text = Files.writeString(dir.resolve("text.pem"), "not a key\n");
    assertMessage("signing key " + text + " holds no PEM block, not a PRIVATE KEY block",
        () -> ManifestSigner.load(text));

    Path encrypted = dir.resolve("encrypted.pem");
    Keys.openssl("genpkey", "-algorithm", "ed25519", "-aes-128-cbc", "-pass", "pass:secret", "-out",
        encrypted.toString());
    assertMessage("signing key " + encrypted + " holds an ENCRYPTED PRIVATE KEY block, not a PRIVATE KEY block",
        () -> ManifestSigner.load(encrypted));
  }

  @Test
  void unusableTrustKeysAreOneLineErrors() {
    Path key = Keys.signingKey(dir, "a");
    assertMessage("trust key " + key + " holds a PRIVATE KEY block, not a PUBLIC KEY block",
        () -> TrustKey.load(key));
    Path ec = dir.resolve("ec.pem");
    Keys.openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", ec.toString());
    Path ecPub = Keys.publicKey(ec, dir, "ec");
    assertMessage("trust key " + ecPub + " is not an Ed25519 public key (make one with: openssl pkey -in key.pem "
        + "-pubout -out key.pub.pem)", () -> TrustKey.load(ecPub));
  }

  private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable load) {
    SigningKeyException e = assertThrows(SigningKeyException.class, load);
    assertEquals(expected, e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
  }
}
