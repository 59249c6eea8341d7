package io.torchfeed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.client.ClientException;
import io.torchfeed.client.FileDownload;
import io.torchfeed.client.libtorch.LoadedModel;
import io.torchfeed.client.MemoryDownload;
import io.torchfeed.client.libtorch.ModelClient;
import io.torchfeed.client.ServerAddress;
import io.torchfeed.client.TorchfeedClient;
import io.torchfeed.client.UntrustedManifestException;
import io.torchfeed.config.ServerConfig;
import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModelId;
import io.torchfeed.protocol.FetchHeader;
import io.torchfeed.protocol.FetchRequest;
import io.torchfeed.protocol.ManifestJson;
import io.torchfeed.protocol.ManifestRequest;
import io.torchfeed.protocol.ManifestResult;
import io.torchfeed.protocol.Protocol;
import io.torchfeed.signing.TrustKey;
import io.torchfeed.support.Cli;
import io.torchfeed.support.Fixtures;
import io.torchfeed.support.HttpApi;
import io.torchfeed.support.Keys;
import io.torchfeed.support.TamperingProxy;
import io.torchfeed.support.TestServer;
import io.torchfeed.support.WireClient;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signed manifests end to end: a real server signing with key A (made by openssl), another signing nothing, over
 * the same repository; JVM clients trusting A or B, directly and through a man in the middle that changes one
 * byte; the HTTP signature checked with a plain JDK {@link Signature}; the CLI as an operator runs it.
 */
class SignedManifestIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  @TempDir
  static Path tmp;
  static Path keyA;
  static Path pubA;
  static Path pubB;
  static TrustKey trustA;
  static TrustKey trustB;
  static TestServer signed;
  static TestServer unsigned;
  static Manifest toynet;

  @BeforeAll
  static void start() throws Exception {
    keyA = Keys.signingKey(tmp, "a");
    pubA = Keys.publicKey(keyA, tmp, "a");
    pubB = Keys.publicKey(Keys.signingKey(tmp, "b"), tmp, "b");
    trustA = TrustKey.load(pubA);
    trustB = TrustKey.load(pubB);
    Path repository = tmp.resolve("repo");
    Fixtures.copy(Fixtures.model("toynet"), repository.resolve("toynet/1/model.pt"));
    ServerConfig config = TestServer.config(repository, tmp.resolve("cache"), Optional.empty(),
        TestServer.limits(), 0, new ServerConfig.Http(0, Optional.empty()));
    signed = TestServer.start(TestServer.signedWith(config, keyA));
    unsigned = TestServer.start(config);  // the same repository and cache: no second validation
    toynet = Fixtures.golden("toynet");
  }

  @AfterAll
  static void stop() {
    if (signed != null) {
      signed.close();
    }
    if (unsigned != null) {
      unsigned.close();
    }
  }

  private static TorchfeedClient client(InetSocketAddress address, Optional<TrustKey> trust) {
    return TorchfeedClient.connect(new ServerAddress("127.0.0.1", address.getPort()), TIMEOUT, TIMEOUT, "", trust);
  }

  @Test
  void aClientTrustingTheServersKeyChecksFetchesAndLoads() throws Exception {
    try (TorchfeedClient client = client(signed.address(), Optional.of(trustA))) {
      assertEquals(Protocol.CHUNKS_VERSION, client.serverHello().protocolVersion(), "3 has 2's signed frames");
      assertEquals(toynet.sha256(), client.manifest(ModelId.parse("toynet:1")).sha256());
      Path target = tmp.resolve("good.pt");
      new FileDownload(client).download(ModelId.parse("toynet"), target, null);
      assertArrayEquals(Files.readAllBytes(Fixtures.model("toynet")), Files.readAllBytes(target));
    }
    try (ModelClient client = ModelClient.connect(signed.serverAddress(), TIMEOUT, TIMEOUT, trustA);
        LoadedModel model = client.load("toynet")) {
      assertEquals(toynet.sha256(), model.manifest().sha256());
      assertEquals(toynet.parameters().size(), model.parameters().size());
    }
  }

  @Test
  void aClientWithoutATrustKeyIsServedAsBefore() {
    try (TorchfeedClient client = client(signed.address(), Optional.empty())) {
      assertEquals(Protocol.CHUNKS_VERSION, client.serverHello().protocolVersion());
      assertEquals(toynet.sha256(), new MemoryDownload(client).download(ModelId.parse("toynet"), null)
          .manifest().sha256());
    }
  }

  @Test
  void aClientTrustingAnotherKeyIsRefusedAndWritesNothing() {
    String expected = "refusing toynet: its manifest is signed by key " + trustA.keyIdHex()
        + ", not by the trusted key " + trustB.keyIdHex();
    Path target = tmp.resolve("refused.pt");
    try (TorchfeedClient client = client(signed.address(), Optional.of(trustB))) {
      assertEquals(expected, assertThrows(UntrustedManifestException.class,
          () -> new FileDownload(client).download(ModelId.parse("toynet"), target, null)).getMessage());
      assertNothingWritten(target);
      assertTrue(client.isOpen());
    }
    try (ModelClient client = ModelClient.connect(signed.serverAddress(), TIMEOUT, TIMEOUT, trustB)) {
      assertEquals(expected, assertThrows(UntrustedManifestException.class, () -> client.load("toynet"))
          .getMessage());
    }
  }

  @Test
  void aServerWithoutASigningKeyIsRefused() {
    try (TorchfeedClient client = client(unsigned.address(), Optional.of(trustA))) {
      assertEquals("refusing toynet:1: the server sent its manifest unsigned and --trust-key requires a "
          + "signature (start the server with --signing-key)", assertThrows(UntrustedManifestException.class,
          () -> client.manifest(ModelId.parse("toynet:1"))).getMessage());
      Path target = tmp.resolve("unsigned.pt");
      assertThrows(UntrustedManifestException.class,
          () -> client.fetch(ModelId.parse("toynet:1"), 0, 0, Files.newOutputStream(target), null));
      assertEquals(0, target.toFile().length());
    }
    try (TorchfeedClient client = client(unsigned.address(), Optional.empty())) {
      assertEquals(toynet.sha256(), client.manifest(ModelId.parse("toynet")).sha256());
    }
  }

  @Test
  void aFlippedByteOfTheManifestsSignatureIsRefused() throws Exception {
    TamperingProxy.Tamper flipSignature = new TamperingProxy.Tamper() {
      @Override
      public byte[] frame(int type, byte[] payload) {
        if (type == 0x88) {
          payload[payload.length - 20] ^= 1;
        }
        return payload;
      }
    };
    try (TamperingProxy proxy = new TamperingProxy(signed.address(), flipSignature);
        TorchfeedClient client = client(proxy.address(), Optional.of(trustA))) {
      assertEquals("refusing toynet: the signature of its manifest does not verify with the trusted key "
          + trustA.keyIdHex() + " (the manifest or its signature was altered)",
          assertThrows(UntrustedManifestException.class, () -> new MemoryDownload(client)
              .download(ModelId.parse("toynet"), null)).getMessage());
    }
  }

  @Test
  void aChangedSha256InTheSignedManifestIsRefused() throws Exception {
    String forged = (toynet.sha256().charAt(0) == '0' ? "1" : "0") + toynet.sha256().substring(1);
    TamperingProxy.Tamper forge = new TamperingProxy.Tamper() {
      @Override
      public byte[] frame(int type, byte[] payload) {
        return type == 0x88 || type == 0x89 ? replace(payload, toynet.sha256(), forged) : payload;
      }
    };
    Path target = tmp.resolve("forged.pt");
    try (TamperingProxy proxy = new TamperingProxy(signed.address(), forge);
        TorchfeedClient client = client(proxy.address(), Optional.of(trustA))) {
      assertThrows(UntrustedManifestException.class,
          () -> new FileDownload(client).download(ModelId.parse("toynet"), target, null));
      assertNothingWritten(target);
    }
  }

  @Test
  void aFlippedByteOfTheFetchHeadersSignatureIsRefusedBeforeAnyByteIsWritten() throws Exception {
    TamperingProxy.Tamper flipSignature = new TamperingProxy.Tamper() {
      @Override
      public byte[] frame(int type, byte[] payload) {
        if (type == 0x89) {
          payload[payload.length - 1] ^= 0x40;
        }
        return payload;
      }
    };
    Path target = tmp.resolve("header.pt");
    try (TamperingProxy proxy = new TamperingProxy(signed.address(), flipSignature);
        TorchfeedClient client = client(proxy.address(), Optional.of(trustA))) {
      UntrustedManifestException e = assertThrows(UntrustedManifestException.class,
          () -> new FileDownload(client).download(ModelId.parse("toynet"), target, null));
      assertTrue(e.getMessage().startsWith("refusing toynet:1: the signature of its manifest does not verify"),
          e.getMessage());
      assertNothingWritten(target);
      // the refused payload was read and dropped: the connection still answers
      assertTrue(client.isOpen());
      assertEquals(toynet.sha256(), client.manifest(ModelId.parse("toynet")).sha256());
    }
  }

  @Test
  void anUnsignedSha256FieldOrModelByteChangedInTransitIsRefused() throws Exception {
    TamperingProxy.Tamper shaField = new TamperingProxy.Tamper() {
      @Override
      public byte[] frame(int type, byte[] payload) {
        if (type == 0x89) {  // the binary sha256 of the header: name str (8) + u32 + 3 * u64 = 36
          payload[36] ^= 1;
        }
        return payload;
      }
    };
    try (TamperingProxy proxy = new TamperingProxy(signed.address(), shaField);
        TorchfeedClient client = client(proxy.address(), Optional.of(trustA))) {
      UntrustedManifestException e = assertThrows(UntrustedManifestException.class,
          () -> new MemoryDownload(client).download(ModelId.parse("toynet"), null));
      assertTrue(e.getMessage().contains("does not match its signed manifest"), e.getMessage());
    }
    TamperingProxy.Tamper modelByte = new TamperingProxy.Tamper() {
      @Override
      public void raw(byte[] chunk, int length, long offset) {
        if (offset <= 1000 && 1000 < offset + length) {
          chunk[(int) (1000 - offset)] ^= 1;
        }
      }
    };
    Path target = tmp.resolve("flipped.pt");
    try (TamperingProxy proxy = new TamperingProxy(signed.address(), modelByte);
        TorchfeedClient client = client(proxy.address(), Optional.of(trustA))) {
      ClientException e = assertThrows(ClientException.class,
          () -> new FileDownload(client).download(ModelId.parse("toynet"), target, null));
      assertTrue(e.getMessage().startsWith("chunk 0 of toynet:1 (offset 0) hashes to "), e.getMessage());
      assertNothingWritten(target);
    }
  }

  @Test
  void aVersion2ClientHasSignedTheDocumentItKnewAndAVersion3ClientTheOneWithChunks() throws Exception {
    for (int version : new int[] {Protocol.SIGNED_VERSION, Protocol.CHUNKS_VERSION}) {
      Manifest expected = version == Protocol.CHUNKS_VERSION ? Fixtures.goldenWithChunks("toynet") : toynet;
      try (WireClient wire = new WireClient(signed.address()).hello(version)) {
        wire.send(new ManifestRequest("toynet", 1));
        ManifestResult result = (ManifestResult) wire.readMessage();
        assertArrayEquals(ManifestJson.write(expected), result.json(), "version " + version);
        assertTrue(trustA.verifies(result.json(), result.signature().orElseThrow()), "version " + version);
        wire.send(new FetchRequest("toynet", 1, 0, 1));
        FetchHeader header = (FetchHeader) wire.readMessage();
        wire.readBytes(1);
        assertArrayEquals(ManifestJson.write(expected), header.manifestJson(), "version " + version);
        assertTrue(trustA.verifies(header.manifestJson(), header.signature().orElseThrow()), "version " + version);
      }
    }
  }

  @Test
  void theHttpManifestSignatureVerifiesWithAPlainJdkSignature() throws Exception {
    HttpApi http = new HttpApi(signed);
    HttpResponse<byte[]> key = http.get("/v1/signing-key");
    assertEquals(200, key.statusCode());
    assertEquals(Files.readString(pubA), new String(key.body(), StandardCharsets.US_ASCII));
    assertEquals(trustA.keyIdHex(), key.headers().firstValue("Torchfeed-Key-Id").orElseThrow());

    HttpResponse<byte[]> manifest = http.get("/v1/models/toynet/versions/latest/manifest");
    assertEquals(200, manifest.statusCode());
    assertArrayEquals(ManifestJson.write(Fixtures.goldenWithChunks("toynet")), manifest.body(),
        "the document a version 3 client gets over TCP");
    String[] header = manifest.headers().firstValue("Torchfeed-Signature").orElseThrow().split(" ");
    assertEquals("ed25519", header[0]);
    assertEquals(trustA.keyIdHex(), header[1]);
    String pem = new String(key.body(), StandardCharsets.US_ASCII).replaceAll("-----[A-Z ]+-----|\\s", "");
    PublicKey publicKey = KeyFactory.getInstance("Ed25519")
        .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(pem)));
    Signature verifier = Signature.getInstance("Ed25519");
    verifier.initVerify(publicKey);
    verifier.update(manifest.body());
    assertTrue(verifier.verify(Base64.getDecoder().decode(header[2])));
    verifier.initVerify(publicKey);
    verifier.update(replace(manifest.body(), "\"version\":1", "\"version\":2"));
    assertFalse(verifier.verify(Base64.getDecoder().decode(header[2])));

    HttpApi plain = new HttpApi(unsigned);
    assertEquals(404, plain.get("/v1/signing-key").statusCode());
    HttpResponse<byte[]> bare = plain.get("/v1/models/toynet/versions/1/manifest");
    assertEquals(200, bare.statusCode());
    assertTrue(bare.headers().firstValue("Torchfeed-Signature").isEmpty());
    assertEquals(404, plain.get("/v1/models/nonet/versions/1/manifest").statusCode());
  }

  @Test
  void theCliChecksSignaturesAndRefusesBadKeysWithOneLine() throws Exception {
    Cli.Result key = Cli.run("signing-key", "--signing-key", keyA.toString());
    assertEquals(0, key.exit(), key.toString());
    assertEquals(Files.readString(pubA), key.out());

    Path bad = Files.writeString(tmp.resolve("bad.pem"), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    Cli.Result serve = Cli.run("serve", "--models", tmp.resolve("repo").toString(), "--port", "0", "--http-port",
        "0", "--bind", "127.0.0.1", "--signing-key", bad.toString());
    assertEquals(1, serve.exit(), serve.toString());
    assertEquals("torchfeed: signing key " + bad + " is not an Ed25519 private key (make one with: openssl genpkey "
        + "-algorithm ed25519 -out key.pem)", serve.err().strip());

    String server = "127.0.0.1:" + signed.address().getPort();
    Path target = tmp.resolve("cli.pt");
    Cli.Result refused = Cli.run("fetch", "--server", server, "--trust-key", pubB.toString(), "toynet", "-o",
        target.toString());
    assertEquals(1, refused.exit(), refused.toString());
    assertEquals("torchfeed: refusing toynet: its manifest is signed by key " + trustA.keyIdHex()
        + ", not by the trusted key " + trustB.keyIdHex(), refused.err().strip());
    assertNothingWritten(target);

    Cli.Result fetched = Cli.run("fetch", "--server", server, "--trust-key", pubA.toString(), "toynet", "-o",
        target.toString());
    assertEquals(0, fetched.exit(), fetched.toString());
    assertArrayEquals(Files.readAllBytes(Fixtures.model("toynet")), Files.readAllBytes(target));

    Cli.Result manifest = Cli.run("manifest", "--server", "127.0.0.1:" + unsigned.address().getPort(),
        "--trust-key", pubA.toString(), "toynet");
    assertEquals(1, manifest.exit(), manifest.toString());
    assertTrue(manifest.err().startsWith("torchfeed: refusing toynet: the server sent its manifest unsigned"),
        manifest.toString());
  }

  private static void assertNothingWritten(Path target) {
    assertFalse(Files.exists(target), target + " was written");
    assertFalse(Files.exists(target.resolveSibling(target.getFileName() + ".part")));
    assertFalse(Files.exists(target.resolveSibling(target.getFileName() + ".part.sha256")));
  }

  private static byte[] replace(byte[] bytes, String from, String to) {
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    assertTrue(text.contains(from), "no " + from);
    return text.replace(from, to).getBytes(StandardCharsets.ISO_8859_1);
  }
}
