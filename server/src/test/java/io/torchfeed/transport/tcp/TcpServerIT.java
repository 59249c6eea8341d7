package io.torchfeed.transport.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.client.RemoteException;
import io.torchfeed.client.Replicas;
import io.torchfeed.client.TorchfeedClient;
import io.torchfeed.model.ChunkDigests;
import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModelId;
import io.torchfeed.model.ModelListing;
import io.torchfeed.model.Rejection;
import io.torchfeed.protocol.ErrorCode;
import io.torchfeed.protocol.ErrorMessage;
import io.torchfeed.protocol.FetchHeader;
import io.torchfeed.protocol.FetchRequest;
import io.torchfeed.protocol.Hello;
import io.torchfeed.protocol.ListRequest;
import io.torchfeed.protocol.ListResult;
import io.torchfeed.protocol.ManifestRequest;
import io.torchfeed.protocol.ManifestResult;
import io.torchfeed.protocol.Message;
import io.torchfeed.protocol.Protocol;
import io.torchfeed.repository.PinnedFile;
import io.torchfeed.support.Await;
import io.torchfeed.support.Descriptors;
import io.torchfeed.support.Fixtures;
import io.torchfeed.support.RawDownload;
import io.torchfeed.support.RepositorySnapshot;
import io.torchfeed.support.TestServer;
import io.torchfeed.support.WireClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The TCP protocol against a real server on an ephemeral port, over every good and bad fixture. The tests that
 * count what the server holds or replace a file have a server of their own.
 */
class TcpServerIT {
  @TempDir
  static Path tmp;
  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start(Fixtures.repository(tmp.resolve("repo")), tmp.resolve("cache"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static List<String> goodModels() {
    return Fixtures.GOOD;
  }

  static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  static byte[] fetch(TorchfeedClient client, String name, long offset, long length, FetchHeader[] header) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    header[0] = client.fetch(ModelId.parse(name), offset, length, out, null);
    return out.toByteArray();
  }

  @ParameterizedTest
  @MethodSource("goodModels")
  void everyFixtureIsServedWithItsGoldenManifestAndExactBytes(String name) throws Exception {
    Manifest golden = Fixtures.goldenWithChunks(name);  // the JVM client speaks version 3
    byte[] file = Files.readAllBytes(Fixtures.model(name));
    try (TorchfeedClient client = server.client()) {
      assertEquals(golden, client.manifest(ModelId.parse(name)));
      FetchHeader[] header = new FetchHeader[1];
      byte[] bytes = fetch(client, name, 0, 0, header);
      assertArrayEquals(file, bytes);
      assertEquals(golden.sha256(), sha256(bytes));
      assertEquals(golden.sha256(), header[0].sha256Hex());
      assertEquals(golden, header[0].manifest());
      assertEquals(file.length, header[0].payloadSize());
      assertEquals(1, header[0].version());
    }
  }

  @Test
  void aVersion3ClientGetsTheDigestsOfTheChunksItFetchesAndAVersion2ClientTheDocumentItKnew(@TempDir Path own)
      throws Exception {
    Path repo = own.resolve("repo");
    byte[] file = Files.readAllBytes(Fixtures.padded(Fixtures.model("toynet"), repo.resolve("big/1/model.pt"), 20, 3));
    try (TestServer big = TestServer.start(repo, own.resolve("cache"));
        WireClient v3 = new WireClient(big.address()).hello(Protocol.CHUNKS_VERSION);
        WireClient v2 = new WireClient(big.address()).hello(Protocol.SIGNED_VERSION)) {
      v3.send(new ManifestRequest("big", 1));
      ManifestResult result = (ManifestResult) v3.readMessage();
      ChunkDigests chunks = result.manifest().chunkDigests().orElseThrow();
      assertEquals(ChunkDigests.DEFAULT_SIZE, chunks.chunkSize());
      List<String> expected = new ArrayList<>();
      for (int start = 0; start < file.length; start += chunks.chunkSize()) {
        expected.add(sha256(Arrays.copyOfRange(file, start, Math.min(file.length, start + chunks.chunkSize()))));
      }
      assertEquals(3, expected.size(), "20 MiB and a model: two whole chunks and a shorter one");
      assertEquals(expected, chunks.digests());
      v3.send(new FetchRequest("big", 1, 0, 0));
      FetchHeader header = (FetchHeader) v3.readMessage();
      assertArrayEquals(file, v3.readBytes(header.payloadSize()));
      assertArrayEquals(result.json(), header.manifestJson(), "the same document in FETCH_HEADER");

      String v3Json = new String(result.json(), StandardCharsets.UTF_8);
      String v2Json = v3Json.substring(0, v3Json.indexOf(",\"chunkSize\":")) + "}";
      v2.send(new ManifestRequest("big", 1));
      ManifestResult old = (ManifestResult) v2.readMessage();
      assertEquals(v2Json, new String(old.json(), StandardCharsets.UTF_8), "no chunk keys before version 3");
      assertTrue(old.manifest().chunkDigests().isEmpty());
      v2.send(new FetchRequest("big", 1, 0, 1));
      FetchHeader oldHeader = (FetchHeader) v2.readMessage();
      assertEquals(v2Json, new String(oldHeader.manifestJson(), StandardCharsets.UTF_8));
      assertEquals(file[0], v2.readBytes(1)[0]);
    }
  }

  @ParameterizedTest
  @MethodSource("goodModels")
  void aJvmClientAskingForChunkDigestsSpeaksVersion3AndGetsThem(String name) {
    try (TorchfeedClient client = Replicas.of(server.serverAddress()).chunkDigests(true).connect()) {
      assertEquals(Protocol.CHUNKS_VERSION, client.serverHello().protocolVersion());
      assertEquals(Fixtures.goldenWithChunks(name), client.manifest(ModelId.parse(name)));
      FetchHeader[] header = new FetchHeader[1];
      fetch(client, name, 0, 0, header);
      assertEquals(Fixtures.goldenWithChunks(name), header[0].manifest());
    }
  }

  @Test
  void listShowsEveryGoodModelAndEveryBadFileWithAOneLineReason() {
    ModelListing listing;
    try (TorchfeedClient client = server.client()) {
      listing = client.list();
    }
    assertEquals(Fixtures.GOOD, listing.models().stream().map(m -> m.name()).toList());
    listing.models().forEach(m -> {
      assertEquals(List.of(1), m.versions());
      assertEquals(1, m.latest());
    });
    assertEquals(Fixtures.BAD.size(), listing.rejected().size(), listing.rejected().toString());
    for (Rejection r : listing.rejected()) {
      assertTrue(r.path().matches("bad-[a-z-]+/1/model\\.pt"), r.path());
      assertFalse(r.reason().isBlank(), r.toString());
      assertFalse(r.reason().contains("\n"), r.toString());
    }
  }

  @Test
  void rejectedVersionIsNotFoundWithItsReason() {
    try (TorchfeedClient client = server.client()) {
      RemoteException e = assertThrows(RemoteException.class, () -> client.manifest(ModelId.parse("bad-empty")));
      assertEquals(ErrorCode.NOT_FOUND, e.code());
      assertTrue(e.getMessage().contains("was rejected"), e.getMessage());
      assertFalse(e.fatal());
      assertEquals("toynet", client.manifest(ModelId.parse("toynet")).name(), "the connection stays usable");
    }
  }

  @Test
  void resumesAtAnOffsetAndServesRanges() throws Exception {
    byte[] file = Files.readAllBytes(Fixtures.model("toynet"));
    FetchHeader[] header = new FetchHeader[1];
    try (TorchfeedClient client = server.client()) {
      byte[] tail = fetch(client, "toynet", 1000, 0, header);
      assertArrayEquals(Arrays.copyOfRange(file, 1000, file.length), tail);
      assertEquals(1000, header[0].offset());
      assertEquals(file.length, header[0].totalSize());
      assertEquals(Fixtures.golden("toynet").sha256(), header[0].sha256Hex(), "sha256 of the whole file");

      assertArrayEquals(Arrays.copyOfRange(file, 100, 150), fetch(client, "toynet:1", 100, 50, header));
      assertArrayEquals(Arrays.copyOfRange(file, file.length - 10, file.length),
          fetch(client, "toynet", file.length - 10, 1000, header), "a range past the end is cut");
      assertEquals(0, fetch(client, "toynet", file.length, 0, header).length);

      RemoteException past = assertThrows(RemoteException.class,
          () -> fetch(client, "toynet", file.length + 1, 0, header));
      assertEquals(ErrorCode.BAD_REQUEST, past.code());
      assertEquals(file.length, fetch(client, "toynet", 0, 0, header).length, "still usable");
    }
  }

  @Test
  void twentyConcurrentFetchesAllGetTheExactBytes() throws Exception {
    String golden = Fixtures.golden("toynet").sha256();
    ExecutorService pool = Executors.newFixedThreadPool(20);
    try {
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        results.add(pool.submit(() -> {
          try (TorchfeedClient client = server.client()) {
            return sha256(fetch(client, "toynet", 0, 0, new FetchHeader[1]));
          }
        }));
      }
      for (Future<String> result : results) {
        assertEquals(golden, result.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws Exception {
    try (WireClient wire = new WireClient(server.address()).hello()) {
      ByteArrayOutputStream batch = new ByteArrayOutputStream();
      batch.write(io.torchfeed.protocol.MessageEncoder.encode(new ManifestRequest("toynet", 0)));
      batch.write(io.torchfeed.protocol.MessageEncoder.encode(new FetchRequest("dtypes", 0, 0, 0)));
      batch.write(io.torchfeed.protocol.MessageEncoder.encode(new ManifestRequest("nope", 0)));
      batch.write(io.torchfeed.protocol.MessageEncoder.encode(new ListRequest()));
      wire.sendRaw(batch.toByteArray());
      assertEquals("toynet", ((io.torchfeed.protocol.ManifestResult) wire.readMessage()).manifest().name());
      FetchHeader header = (FetchHeader) wire.readMessage();
      assertEquals(header.sha256Hex(), sha256(wire.readBytes(header.payloadSize())));
      assertEquals(ErrorCode.NOT_FOUND, ((ErrorMessage) wire.readMessage()).code());
      assertInstanceOf(ListResult.class, wire.readMessage());
    }
  }

  @Test
  void unknownModelAndUnknownFrameTypeLeaveTheConnectionUsable() throws Exception {
    try (WireClient wire = new WireClient(server.address()).hello()) {
      wire.send(new ManifestRequest("resnet", 0));
      ErrorMessage notFound = (ErrorMessage) wire.readMessage();
      assertEquals(ErrorCode.NOT_FOUND, notFound.code());
      assertEquals("no model named 'resnet'", notFound.message());
      assertFalse(notFound.fatal());

      wire.sendRaw(new byte[] {0x42, 0, 0, 0, 3, 1, 2, 3});
      ErrorMessage unknown = (ErrorMessage) wire.readMessage();
      assertEquals(ErrorCode.UNSUPPORTED, unknown.code());
      assertFalse(unknown.fatal());

      wire.sendRaw(new byte[] {0x03, 0, 0, 0, 3, 0, 9, 'x'});
      ErrorMessage malformed = (ErrorMessage) wire.readMessage();
      assertEquals(ErrorCode.BAD_REQUEST, malformed.code());
      assertFalse(malformed.fatal());

      wire.send(new ListRequest());
      assertInstanceOf(ListResult.class, wire.readMessage());
    }
  }

  @Test
  void framingErrorsAreAnsweredThenTheConnectionIsClosed() throws Exception {
    try (WireClient wire = new WireClient(server.address())) {
      wire.send(new ListRequest());
      assertFatal(wire.readMessage(), ErrorCode.BAD_REQUEST);
      assertTrue(wire.closedByServer());
    }
    try (WireClient wire = new WireClient(server.address())) {
      wire.sendRaw(new byte[] {0x01, 0, 0, 0, 10, 'H', 'T', 'T', 'P', 0, 1, 0, 0, 0, 0});
      assertFatal(wire.readMessage(), ErrorCode.UNSUPPORTED);
      assertTrue(wire.closedByServer());
    }
    try (WireClient wire = new WireClient(server.address())) {
      wire.send(new Hello(4, "future/9", ""));
      assertFatal(wire.readMessage(), ErrorCode.UNSUPPORTED);
      assertTrue(wire.closedByServer());
    }
    try (WireClient wire = new WireClient(server.address()).hello()) {
      wire.sendRaw(new byte[] {0x03, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff});
      assertFatal(wire.readMessage(), ErrorCode.TOO_LARGE);
      assertTrue(wire.closedByServer());
    }
    try (WireClient wire = new WireClient(server.address()).hello()) {
      wire.sendRaw(new byte[] {0x02, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff});
      assertFatal(wire.readMessage(), ErrorCode.TOO_LARGE);
    }
    try (TorchfeedClient client = server.client()) {
      assertEquals(Fixtures.GOOD.size(), client.list().models().size(), "the server still serves");
    }
  }

  private static void assertFatal(Message message, ErrorCode code) {
    ErrorMessage error = assertInstanceOf(ErrorMessage.class, message);
    assertEquals(code, error.code(), error.message());
    assertTrue(error.fatal(), error.message());
    assertFalse(error.message().contains("\n"));
  }

  /**
   * 30 clients that each pipeline 40 fetches, read the first header and 1,000 bytes, then reset the connection:
   * afterwards every connection is cleaned up, the file's references are back to the catalog's own, this JVM has
   * no more descriptors open than before, and the next client gets the exact bytes. A server of its own, so the
   * counts are its alone; one vanishing client and one whole fetch go first, so what the first use of a class or a
   * connection opens for good is in the baseline.
   */
  @Test
  void clientsThatVanishMidStreamCostNothing(@TempDir Path own) throws Exception {
    Fixtures.copy(Fixtures.model("toynet"), own.resolve("repo/toynet/1/model.pt"));
    String golden = Fixtures.golden("toynet").sha256();
    try (TestServer alone = TestServer.start(own.resolve("repo"), own.resolve("cache"))) {
      TcpServer tcp = alone.server().tcpServer();
      PinnedFile file = alone.server().catalog().resolve(ModelId.parse("toynet")).file();
      vanishMidStream(alone);
      assertEquals(golden, fetchSha256(alone, "toynet"));
      awaitCleanedUp(tcp, file);
      long descriptors = Descriptors.open();

      for (int i = 0; i < 30; i++) {
        vanishMidStream(alone);
      }
      awaitCleanedUp(tcp, file);
      Descriptors.awaitAtMost(descriptors, "the descriptors of 30 vanished clients to be closed");
      assertEquals(golden, fetchSha256(alone, "toynet"), "a client afterwards gets the exact bytes");
    }
  }

  /** Pipelines 40 fetches of toynet, reads the first header and 1,000 bytes, then resets the connection. */
  private static void vanishMidStream(TestServer server) throws IOException {
    WireClient wire = new WireClient(server.address()).hello();
    ByteArrayOutputStream batch = new ByteArrayOutputStream();
    for (int j = 0; j < 40; j++) {
      batch.write(io.torchfeed.protocol.MessageEncoder.encode(new FetchRequest("toynet", 0, 0, 0)));
    }
    wire.sendRaw(batch.toByteArray());
    FetchHeader header = (FetchHeader) wire.readMessage();
    wire.readBytes(Math.min(1000, header.payloadSize()));
    wire.socket().setSoLinger(true, 0);
    wire.close();
  }

  /** No connection is open and no stream holds {@code file}: only the catalog's own reference is left. */
  private static void awaitCleanedUp(TcpServer tcp, PinnedFile file) {
    Await.until(() -> tcp.activeConnections() == 0,
        () -> "every connection to be cleaned up (" + tcp.activeConnections() + " open)");
    Await.until(() -> file.references() == 1,
        () -> "the file's references to be the catalog's alone (" + file.references() + ", 1 expected)");
  }

  private static String fetchSha256(TestServer server, String name) throws Exception {
    try (TorchfeedClient client = server.client()) {
      return sha256(fetch(client, name, 0, 0, new FetchHeader[1]));
    }
  }

  /**
   * A fetch of a 32 MiB model in flight (its header and 64 KiB read, through a 64 KiB receive buffer) while the
   * file is replaced by a rename. Once the server serves the new file, and the catalog has let the validated one
   * go while the stream still holds it, the stream in flight finishes with the validated bytes, those of the
   * sha256 in its header; a new fetch gets the new file. A server and repository of its own: nothing shared is
   * rewritten.
   */
  @Test
  void aFetchInFlightWhenItsFileIsReplacedByARenameFinishesWithTheValidatedBytes(@TempDir Path own)
      throws Exception {
    Path served = Fixtures.padded(Fixtures.model("toynet"), own.resolve("repo/big/1/model.pt"), 32, 19);
    Path replacement = Fixtures.padded(Fixtures.model("toynet"), own.resolve("next/model.pt"), 32, 23);
    String validated = RepositorySnapshot.sha256(served);
    String next = RepositorySnapshot.sha256(replacement);
    try (TestServer alone = TestServer.start(own.resolve("repo"), own.resolve("cache"));
        RawDownload inFlight = RawDownload.tcp(alone.address(), "big", 64 * 1024)) {
      PinnedFile file = alone.server().catalog().resolve(ModelId.parse("big")).file();
      assertEquals(validated, inFlight.announcedSha256());
      while (inFlight.received() < 64 * 1024) {
        inFlight.read(64 * 1024);
      }

      Files.move(replacement, served, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      try (TorchfeedClient client = alone.client()) {
        Await.until(() -> next.equals(client.manifest(ModelId.parse("big")).sha256()),
            "the server to serve the replaced file");
      }
      Await.until(() -> file.references() <= 1, "the catalog to let the validated file go");
      assertEquals(1, file.references(), "the stream in flight still holds the validated file");

      assertEquals(validated, inFlight.finish(), "the stream in flight sends the validated bytes to the end");
      try (RawDownload fresh = RawDownload.tcp(alone.address(), "big", 0)) {
        assertEquals(next, fresh.announcedSha256());
        assertEquals(next, fresh.finish(), "a new fetch gets the new file");
      }
    }
  }
}
