package io.torchfeed.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.client.ClientException;
import io.torchfeed.client.ClientTls;
import io.torchfeed.client.ServerAddress;
import io.torchfeed.client.Subscription;
import io.torchfeed.client.TorchfeedClient;
import io.torchfeed.config.ServerConfig;
import io.torchfeed.event.Event;
import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModelId;
import io.torchfeed.protocol.FetchHeader;
import io.torchfeed.protocol.Hello;
import io.torchfeed.protocol.MessageEncoder;
import io.torchfeed.protocol.Protocol;
import io.torchfeed.support.Fixtures;
import io.torchfeed.support.HttpApi;
import io.torchfeed.support.TestPki;
import io.torchfeed.support.TestServer;
import io.torchfeed.transport.tcp.RawHeader;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * TLS on every port of a real server, with certificates made at run time by openssl ({@link TestPki}): the TCP
 * protocol with the JVM client, HTTPS and wss with {@code java.net.http}, the raw port with an {@code SSLSocket};
 * the PEM (RSA, EC) and PKCS#12 variants; and the clients the server must turn away without hanging or failing:
 * another CA, another name, plaintext, a handshake that never completes. The tests that check the bytes served
 * have a server of their own ({@link #toynetServer}), where nothing is published meanwhile, and compare the sha256
 * of the bytes with the golden manifest's.
 */
class TlsIT {
  private static final Duration IDLE = Duration.ofSeconds(3);
  private static final int DEADLINE_MS = 60_000;

  @TempDir
  static Path tmp;
  static TestPki pki;
  static TestServer server;
  static HttpClient https;

  @BeforeAll
  static void start() throws IOException {
    pki = TestPki.create(tmp.resolve("pki"));
    Path repo = tmp.resolve("repo");
    Fixtures.copy(Fixtures.model("toynet"), repo.resolve("toynet").resolve("1").resolve("model.pt"));
    server = TestServer.start(TestServer.config(repo, tmp.resolve("cache"),
        Optional.empty(), TestServer.limits().withIdleTimeout(IDLE), 0,
        new ServerConfig.Http(0, Optional.of(TestServer.TOKEN)))
        .withTls(pki.rsa()));
    https = httpsClient(pki.sslContext(pki.ca()));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void listManifestAndFetchOverTlsVerifyingTheServerAgainstTheCa() throws Exception {
    Manifest golden = Fixtures.golden("toynet");
    byte[] file = Files.readAllBytes(Fixtures.model("toynet"));
    try (TestServer alone = toynetServer("fetch")) {
      for (String host : List.of("127.0.0.1", "localhost")) {
        try (TorchfeedClient client = TorchfeedClient.connect(tls(host, alone.address().getPort()))) {
          assertEquals(List.of("toynet"), client.list().models().stream().map(m -> m.name()).toList());
          Manifest manifest = client.manifest(ModelId.parse("toynet"));
          assertEquals(golden.sha256(), manifest.sha256());
          ByteArrayOutputStream bytes = new ByteArrayOutputStream();
          FetchHeader header = client.fetch(ModelId.parse("toynet:1"), 0, 0, bytes, null);
          assertEquals(golden.size(), header.payloadSize());
          assertEquals(golden.sha256(), sha256(bytes.toByteArray()),
              "the bytes sent through TLS (buffered, not sendfile)");
          ByteArrayOutputStream tail = new ByteArrayOutputStream();
          client.fetch(ModelId.parse("toynet:1"), 1000, 0, tail, null);
          assertArrayEquals(Arrays.copyOfRange(file, 1000, file.length), tail.toByteArray(),
              "a resumed fetch on the same connection");
        }
      }
    }
  }

  @Test
  void httpsServesTheCatalogAndTheBytes() throws Exception {
    Manifest golden = Fixtures.golden("toynet");
    byte[] file = Files.readAllBytes(Fixtures.model("toynet"));
    try (TestServer alone = toynetServer("https")) {
      HttpApi api = new HttpApi(path -> httpsUri(alone, path), https);
      HttpResponse<byte[]> models = api.get("/v1/models");
      assertEquals(200, models.statusCode(), HttpApi.describe(models));
      assertTrue(new String(models.body()).contains("\"toynet\""));
      HttpResponse<byte[]> content = api.get("/v1/models/toynet/content");
      assertEquals(200, content.statusCode());
      assertEquals(golden.sha256(), sha256(content.body()), "the bytes sent through HTTPS");
      HttpResponse<byte[]> range = api.get("/v1/models/toynet/content", "Range", "bytes=100-199");
      assertEquals(206, range.statusCode());
      assertArrayEquals(Arrays.copyOfRange(file, 100, 200), range.body());
    }
  }

  @Test
  void aPublishReachesAWssListenerAndATlsSubscriber() throws Exception {
    LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();
    WebSocket socket = https.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
        .buildAsync(URI.create("wss://127.0.0.1:" + server.httpAddress().getPort() + "/v1/events"),
            new Collect(messages)).get(DEADLINE_MS, TimeUnit.MILLISECONDS);
    try (TorchfeedClient client = TorchfeedClient.connect(tls("127.0.0.1", server.address().getPort()))) {
      Subscription subscription = client.subscribe(List.of("toynet"));
      assertEquals(Optional.empty(), client.nextNotice(Duration.ofMillis(300)),
          "a read timeout on the TLS socket leaves the connection usable");
      HttpResponse<byte[]> upload = new HttpApi(this::httpsUri, https)
          .upload("/v1/models/toynet/versions", Fixtures.model("toynet"), HttpApi.ADMIN);
      assertEquals(201, upload.statusCode(), HttpApi.describe(upload));
      Event notice = subscription.next(Duration.ofMillis(DEADLINE_MS)).orElseThrow();
      Event.Published published = assertInstanceOf(Event.Published.class, notice);
      assertEquals("toynet", published.name());
      String message = messages.poll(DEADLINE_MS, TimeUnit.MILLISECONDS);
      assertTrue(message != null && message.contains("\"published\"") && message.contains("\"toynet\""),
          "wss message: " + message);
      assertEquals(published.version(), client.manifest(ModelId.parse("toynet")).version());
    } finally {
      socket.abort();
    }
  }

  @Test
  void theRawPortSendsTheModelThroughTls() throws Exception {
    Manifest golden = Fixtures.golden("toynet");
    SSLContext context = pki.sslContext(pki.ca());
    try (TestServer alone = toynetServer("raw");
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1",
            alone.server().rawAddress().orElseThrow().getPort())) {
      socket.setSoTimeout(DEADLINE_MS);
      DataInputStream in = new DataInputStream(socket.getInputStream());
      assertEquals(golden.size(), in.readInt(), "the u32 size header");
      assertEquals(golden.sha256(), sha256(in.readAllBytes()), "the bytes sent through TLS on the raw port");
    }
  }

  @Test
  void aClientTrustingAnotherCaIsRefusedInOneLineAndTheServerKeepsServing() {
    ServerAddress address = new ServerAddress("127.0.0.1", server.address().getPort())
        .withTls(ClientTls.trusting(pki.file("other-ca.pem")));
    ClientException e = assertThrows(ClientException.class, () -> TorchfeedClient.connect(address));
    assertTrue(e.getMessage().startsWith("TLS handshake with 127.0.0.1:" + server.address().getPort()
        + " failed: "), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
    assertServed();
  }

  @Test
  void aPlaintextClientOnTheTlsPortIsClosedInOneLineAndTheNextTlsClientIsServed() throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(server.address(), DEADLINE_MS);
      socket.setSoTimeout(DEADLINE_MS);
      socket.getOutputStream().write(MessageEncoder.encode(new Hello(Protocol.VERSION, "plain/1", "")));
      assertClosedByServer(socket.getInputStream());
    }
    ClientException e = assertThrows(ClientException.class,
        () -> TorchfeedClient.connect(new ServerAddress("127.0.0.1", server.address().getPort())));
    assertFalse(e.getMessage().contains("\n") || e.getMessage().contains("null"), e.getMessage());
    assertServed();
  }

  @Test
  void aHandshakeThatNeverCompletesIsClosedByTheIdleTimeout() throws IOException {
    try (Socket silent = new Socket(); Socket partial = new Socket()) {
      silent.connect(server.address(), DEADLINE_MS);
      partial.connect(server.address(), DEADLINE_MS);
      // the first bytes of a ClientHello record, then nothing
      partial.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x01, 0x00, 0x01, 0x00, 0x00});
      for (Socket socket : List.of(silent, partial)) {
        socket.setSoTimeout(DEADLINE_MS);  // the idle timeout is 3 s
        assertClosedByServer(socket.getInputStream());
      }
    }
    assertServed();
  }

  @Test
  void aCertificateForAnotherNameIsRefused() {
    try (TestServer elsewhere = emptyServer("elsewhere", pki.elsewhere())) {
      int port = elsewhere.address().getPort();
      for (String host : List.of("127.0.0.1", "localhost")) {
        ClientException e = assertThrows(ClientException.class, () -> TorchfeedClient.connect(tls(host, port)));
        assertTrue(e.getMessage().startsWith("TLS handshake with " + host + ":" + port + " failed: "),
            e.getMessage());
        assertTrue(e.getMessage().contains(host), e.getMessage());
      }
    }
  }

  static Stream<String> variants() {
    return Stream.of("ec", "keystore");
  }

  @ParameterizedTest
  @MethodSource("variants")
  void pemEcAndPkcs12KeysServeTcpAndHttps(String variant) {
    ServerConfig.Tls tls = variant.equals("ec") ? pki.ec() : pki.keystore();
    try (TestServer other = emptyServer(variant, tls)) {
      try (TorchfeedClient client = TorchfeedClient.connect(tls("localhost", other.address().getPort()))) {
        assertTrue(client.list().models().isEmpty());
      }
      HttpResponse<byte[]> health = new HttpApi(
          path -> URI.create("https://localhost:" + other.httpAddress().getPort() + path), https).get("/healthz");
      assertEquals(200, health.statusCode());
    }
  }

  /** A TLS server of the caller's own, serving toynet version 1 on the TCP, HTTP and raw (u32 header) ports. */
  private static TestServer toynetServer(String name) throws IOException {
    Path repo = tmp.resolve("toynet-" + name);
    Fixtures.copy(Fixtures.model("toynet"), repo.resolve("toynet").resolve("1").resolve("model.pt"));
    return TestServer.start(TestServer.config(repo, tmp.resolve("cache-toynet-" + name),
        Optional.of(TestServer.raw("toynet", RawHeader.U32)), TestServer.limits().withIdleTimeout(IDLE), 0,
        new ServerConfig.Http(0, Optional.empty())).withTls(pki.rsa()));
  }

  private static String sha256(byte[] bytes) throws NoSuchAlgorithmException {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  private static TestServer emptyServer(String name, ServerConfig.Tls tls) {
    Path repo = tmp.resolve("empty-" + name);
    try {
      Files.createDirectories(repo);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return TestServer.start(TestServer.config(repo, tmp.resolve("cache-" + name), Optional.empty(), TestServer.limits().withIdleTimeout(IDLE), 0,
        new ServerConfig.Http(0, Optional.empty())).withTls(tls));
  }

  private static ServerAddress tls(String host, int port) {
    return new ServerAddress(host, port).withTls(pki.clientTls());
  }

  /** A TLS client is served a listing. */
  private static void assertServed() {
    try (TorchfeedClient client = TorchfeedClient.connect(tls("127.0.0.1", server.address().getPort()))) {
      assertFalse(client.list().models().isEmpty());
    }
  }

  /** The server closes (end of stream or reset) well before the deadline; never a read timeout. */
  private static void assertClosedByServer(InputStream in) {
    try {
      byte[] buffer = new byte[4096];
      while (in.read(buffer) >= 0) {
        // whatever the server sent (an alert, an ERROR frame) before closing
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the server did not close the connection within " + DEADLINE_MS + " ms", e);
    } catch (IOException e) {
      // reset: closed too
    }
  }

  private URI httpsUri(String path) {
    return httpsUri(server, path);
  }

  private static URI httpsUri(TestServer on, String path) {
    return URI.create("https://127.0.0.1:" + on.httpAddress().getPort() + path);
  }

  private static HttpClient httpsClient(SSLContext context) {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(context)
        .connectTimeout(Duration.ofSeconds(10)).build();
  }

  /** Queues every text message of a WebSocket. */
  private record Collect(LinkedBlockingQueue<String> messages) implements WebSocket.Listener {
    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      messages.add(data.toString());
      webSocket.request(1);
      return CompletableFuture.completedFuture(null);
    }
  }

}
