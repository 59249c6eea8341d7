package io.torchfeed.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.torchfeed.model.Manifest;
import io.torchfeed.model.ManifestSignature;
import io.torchfeed.model.ModelId;
import io.torchfeed.protocol.FetchHeader;
import io.torchfeed.protocol.ManifestJson;
import io.torchfeed.protocol.ManifestResult;
import io.torchfeed.signing.ManifestSigner;
import io.torchfeed.support.Keys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a client with a trust key accepts and refuses, message by message; no sockets. */
class SignatureCheckTest {
  private static final String SHA = "394b921c154f8706b2203aa859a6cfdc999dfec1a60532eaff0ebe546c22eaa4";
  private static final Manifest TOYNET_1 = new Manifest("toynet", 1, 17, SHA, 3, List.of(), List.of());
  private static final Manifest BNNET_1 = new Manifest("bnnet", 1, 17, SHA, 3, List.of(), List.of());

  @TempDir
  static Path dir;

  private ManifestSigner a;
  private ManifestSigner b;
  private SignatureCheck trustsA;

  @BeforeEach
  void keys() {
    if (a == null) {
      a = ManifestSigner.load(Keys.signingKey(dir, "a"));
      b = ManifestSigner.load(Keys.signingKey(dir, "b"));
    }
    trustsA = new SignatureCheck(a.publicKey());
  }

  @Test
  void aManifestSignedByTheTrustedKeyIsAccepted() {
    assertEquals(TOYNET_1, trustsA.manifest(new ModelId("toynet", 1), signed(a, TOYNET_1)));
    assertEquals(TOYNET_1, trustsA.manifest(ModelId.parse("toynet"), signed(a, TOYNET_1)));
    assertEquals(TOYNET_1, trustsA.manifest(ModelId.parse("toynet@stable"), signed(a, TOYNET_1)));
    trustsA.fetchHeader(new ModelId("toynet", 1), header(a, TOYNET_1, SHA, 17));
  }

  @Test
  void anUnsignedManifestIsRefused() {
    assertRefused("refusing toynet:1: the server sent its manifest unsigned and --trust-key requires a signature "
        + "(start the server with --signing-key)", () -> trustsA.manifest(new ModelId("toynet", 1),
        new ManifestResult(TOYNET_1)));
    assertRefused("refusing toynet:1: the server sent its manifest unsigned and --trust-key requires a signature "
        + "(start the server with --signing-key)", () -> trustsA.fetchHeader(new ModelId("toynet", 1),
        new FetchHeader("toynet", 1, 17, 0, 17, HexFormat.of().parseHex(SHA), TOYNET_1)));
  }

  @Test
  void aManifestSignedByAnotherKeyIsRefusedNamingBothKeys() {
    assertRefused("refusing toynet:1: its manifest is signed by key " + b.publicKey().keyIdHex()
        + ", not by the trusted key " + a.publicKey().keyIdHex(),
        () -> trustsA.manifest(new ModelId("toynet", 1), signed(b, TOYNET_1)));
  }

  @Test
  void aTamperedDocumentOrSignatureIsRefused() {
    byte[] json = ManifestJson.write(TOYNET_1);
    ManifestSignature good = a.sign(json);
    byte[] tampered = new String(json, StandardCharsets.UTF_8).replace("\"size\":17", "\"size\":18")
        .getBytes(StandardCharsets.UTF_8);
    String expected = "refusing toynet:1: the signature of its manifest does not verify with the trusted key "
        + a.publicKey().keyIdHex() + " (the manifest or its signature was altered)";
    assertRefused(expected, () -> trustsA.manifest(new ModelId("toynet", 1),
        new ManifestResult(TOYNET_1, tampered, Optional.of(good))));
    byte[] flipped = good.signature();
    flipped[10] ^= 1;
    assertRefused(expected, () -> trustsA.manifest(new ModelId("toynet", 1),
        new ManifestResult(TOYNET_1, json, Optional.of(new ManifestSignature(good.keyId(), flipped)))));
  }

  @Test
  void aSignedManifestOfAnotherModelOrVersionIsRefused() {
    assertRefused("refusing toynet:1: the server sent the signed manifest of bnnet:1",
        () -> trustsA.manifest(new ModelId("toynet", 1), signed(a, BNNET_1)));
    assertRefused("refusing toynet:2: the server sent the signed manifest of toynet:1",
        () -> trustsA.manifest(new ModelId("toynet", 2), signed(a, TOYNET_1)));
  }

  @Test
  void aFetchHeaderThatDisagreesWithItsSignedManifestIsRefused() {
    String other = "00".repeat(32);
    assertRefused("refusing toynet:1: the FETCH_HEADER (toynet:1, 17 bytes, sha256 " + other + ") does not match "
        + "its signed manifest (17 bytes, sha256 " + SHA + ")",
        () -> trustsA.fetchHeader(new ModelId("toynet", 1), header(a, TOYNET_1, other, 17)));
    assertRefused("refusing toynet:1: the FETCH_HEADER (toynet:1, 18 bytes, sha256 " + SHA + ") does not match "
        + "its signed manifest (17 bytes, sha256 " + SHA + ")",
        () -> trustsA.fetchHeader(new ModelId("toynet", 1), header(a, TOYNET_1, SHA, 18)));
  }

  private static ManifestResult signed(ManifestSigner by, Manifest manifest) {
    byte[] json = ManifestJson.write(manifest);
    return ManifestResult.signed(manifest, json, by.sign(json));
  }

  private static FetchHeader header(ManifestSigner by, Manifest manifest, String sha256, long size) {
    FetchHeader unsigned = new FetchHeader(manifest.name(), manifest.version(), size, 0, size,
        HexFormat.of().parseHex(sha256), manifest);
    return unsigned.signed(by.sign(unsigned.manifestJson()));
  }

  private static void assertRefused(String expected, org.junit.jupiter.api.function.Executable check) {
    assertEquals(expected, assertThrows(UntrustedManifestException.class, check).getMessage());
  }
}
