package io.torchfeed.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.config.ServerConfig;
import io.torchfeed.model.ChunkDigests;
import io.torchfeed.model.InvalidRequestException;
import io.torchfeed.model.LoadStatus;
import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModelId;
import io.torchfeed.protocol.FetchHeader;
import io.torchfeed.protocol.Frame;
import io.torchfeed.protocol.FrameType;
import io.torchfeed.protocol.MessageDecoder;
import io.torchfeed.support.Await;
import io.torchfeed.support.Fixtures;
import io.torchfeed.support.OlderServer;
import io.torchfeed.support.TamperingProxy;
import io.torchfeed.support.TestServer;
import io.torchfeed.transport.tcp.ClientInfo;
import io.torchfeed.transport.tcp.ClientReceipt;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadPoolExecutor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ModelWatcher against a real server: initial load, published versions, failures, rollbacks, reconnects. */
class ModelWatcherIT {

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

  /** What a loader saw: the manifest and the sha256 of the file it was given. */
  record Load(Manifest manifest, String sha256) {}

  static String sha256(Path file) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }

  static ModelWatcher watcher(TestServer on, String model, List<Load> loads, boolean fail) {
    return new ModelWatcher(() -> TorchfeedClient.connect(on.serverAddress(), Duration.ofSeconds(5),
        Duration.ofSeconds(30), "9.9.9"), List.of(model), (manifest, file) -> {
          loads.add(new Load(manifest, sha256(file)));
          if (fail && manifest.version() > 1) {
            throw new IllegalStateException("this program wants 10 classes\nsecond line");
          }
        }).reconnectDelay(Duration.ofMillis(100));
  }

  static Manifest publish(TestServer on, String name, String fixture) throws Exception {
    return publish(on, name, Fixtures.model(fixture));
  }

  static Manifest publish(TestServer on, String name, Path model) throws Exception {
    Path upload = Files.createTempFile(tmp, "upload", ".pt");
    Files.copy(model, upload, StandardCopyOption.REPLACE_EXISTING);
    Files.setLastModifiedTime(upload, FileTime.from(Instant.now().minusSeconds(60)));
    return on.server().repository().publish(name, upload, true);
  }

  static Optional<ClientReceipt> receipt(TestServer on, String model, int version) {
    return on.server().clients().snapshot().stream().filter(c -> c.libtorch().equals("9.9.9"))
        .flatMap(c -> c.receipts().stream())
        .filter(r -> r.name().equals(model) && r.version() == version).findFirst();
  }

  @Test
  void loadsTheCurrentVersionThenEveryPublishedOneAndReportsEach() throws Exception {
    List<Load> loads = new CopyOnWriteArrayList<>();
    try (ModelWatcher watcher = watcher(server, "toynet", loads, false)) {
      watcher.start();
      Await.until(() -> receipt(server, "toynet", 1).isPresent(), "the receipt for toynet:1");
      assertEquals(Fixtures.goldenWithChunks("toynet"), loads.get(0).manifest());
      assertEquals(Fixtures.golden("toynet").sha256(), loads.get(0).sha256(), "the loader got the exact bytes");

      Manifest published = publish(server, "toynet", "toynet");
      Await.until(() -> receipt(server, "toynet", published.version()).isPresent(), "the receipt for v2");
      ClientReceipt receipt = receipt(server, "toynet", published.version()).orElseThrow();
      assertEquals(LoadStatus.LOADED, receipt.status());
      assertEquals("9.9.9", receipt.libtorch(), "the LibTorch of HELLO");
      assertEquals(published.sha256(), receipt.sha256());
      assertEquals(2, loads.size(), loads.toString());
      assertEquals(published, watcher.loaded().get("toynet"), "as a version 3 client has it");

      server.server().repository().delete(published.id());
      Await.until(() -> loads.size() == 3, "the rollback to the new latest");
      assertEquals(1, loads.get(2).manifest().version());
      assertEquals(1, watcher.loaded().get("toynet").version());
    }
  }

  @Test
  void aLoaderThatThrowsSendsAFailedReceiptWithItsMessage() throws Exception {
    List<Load> loads = new CopyOnWriteArrayList<>();
    try (ModelWatcher watcher = watcher(server, "bnnet", loads, true)) {
      watcher.start();
      Await.until(() -> receipt(server, "bnnet", 1).isPresent(), "the receipt for bnnet:1");
      Manifest published = publish(server, "bnnet", "bnnet");
      Await.until(() -> receipt(server, "bnnet", published.version()).isPresent(), "the failed receipt");
      ClientReceipt receipt = receipt(server, "bnnet", published.version()).orElseThrow();
      assertEquals(LoadStatus.FAILED, receipt.status());
      assertEquals("this program wants 10 classes", receipt.reason(), "the first line of the message");
      assertEquals(1, watcher.loaded().get("bnnet").version(), "the last version that loaded");
    }
  }

  @Test
  void refusesANameThatIsNotAModelName() {
    assertThrows(InvalidRequestException.class,
        () -> new ModelWatcher(() -> null, List.of("toynet@stable"), (m, b) -> {}));
  }

  @Test
  void reconnectsAndLoadsWhatWasPublishedWhileTheServerWasAway() throws Exception {
    Path repo = tmp.resolve("reconnect-repo");
    Fixtures.copy(Fixtures.model("toynet"), repo.resolve("toynet").resolve("1").resolve("model.pt"));
    List<Load> loads = new CopyOnWriteArrayList<>();
    TestServer first = TestServer.start(repo, tmp.resolve("cache"));
    int port = first.address().getPort();
    List<String> disconnects = new CopyOnWriteArrayList<>();
    try (ModelWatcher watcher = watcher(first, "toynet", loads, false)) {
      watcher.listener(disconnections(disconnects)).start();
      Await.until(() -> loads.size() == 1, "the first load");
      first.close();
      Fixtures.copy(Fixtures.model("toynet"), repo.resolve("toynet").resolve("2").resolve("model.pt"));
      Await.until(() -> !disconnects.isEmpty(), "the watcher to notice");
      ServerConfig config = new ServerConfig(repo, "127.0.0.1", port, Optional.empty(), TestServer.limits(),
          Duration.ofMinutes(2), tmp.resolve("cache"),
          List.of("-Xmx256m", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0"), Duration.ofMillis(200),
          Duration.ofSeconds(10), 0, false,
          new ServerConfig.Http(0, Optional.empty()));
      try (TestServer second = TestServer.start(config)) {
        Await.until(() -> loads.size() == 2, "the load of version 2 after reconnecting");
        assertEquals(new ModelId("toynet", 2), loads.get(1).manifest().id());
        Await.until(() -> receipt(second, "toynet", 2).isPresent(), "the receipt on the new server");
        List<ClientInfo> clients = second.server().clients().snapshot();
        assertEquals(List.of("toynet"), clients.get(0).subscriptions());
      }
    }
  }

  /** Records the cause of every disconnection. */
  static ModelWatcher.Listener disconnections(List<String> causes) {
    return new ModelWatcher.Listener() {
      @Override
      public void disconnected(ClientException cause, Duration retryIn) {
        causes.add(cause.getMessage());
      }
    };
  }

  /** The chunks the client's shared pool has checked so far. */
  static long chunksChecked() {
    return ((ThreadPoolExecutor) ChunkCheck.pool()).getCompletedTaskCount();
  }

  /**
   * Flips a byte of chunk 0 of every FETCH of {@code version}, and sends the bytes after chunk 0 only once the
   * client's pool has checked it (one more chunk checked than when the FETCH_HEADER came): so the bad chunk is found
   * while the rest of the payload is still to come, whatever the speed of either side. Records the version of
   * every FETCH_HEADER.
   */
  static TamperingProxy.Tamper badChunk0Found(int version, List<Integer> fetched) {
    return new TamperingProxy.Tamper() {
      // frames and raw bytes of one connection come on one thread, one after the other
      private int fetching;
      private long checkedBefore;

      @Override
      public byte[] frame(int type, byte[] payload) {
        if (type == FrameType.FETCH_HEADER.code() || type == FrameType.SIGNED_FETCH_HEADER.code()) {
          fetching = ((FetchHeader) MessageDecoder.decode(new Frame(type, payload.clone()))).version();
          fetched.add(fetching);
          checkedBefore = chunksChecked();  // no chunk of this FETCH is with the client yet
        }
        return payload;
      }

      @Override
      public void raw(byte[] bytes, int length, long offset) {
        if (fetching != version) {
          return;
        }
        if (offset <= 1000 && 1000 < offset + length) {
          bytes[(int) (1000 - offset)] ^= 1;
        }
        if (offset >= ChunkDigests.DEFAULT_SIZE) {  // chunk 0 is with the client, and is being checked
          Await.until(() -> chunksChecked() > checkedBefore, "the client's check of chunk 0");
        }
      }
    };
  }

  @Test
  void aBadChunkFoundMidTransferSendsAFailedReceiptKeepsTheVersionBeforeAndIsNotFetchedAgain() throws Exception {
    Manifest first = publish(server, "chunky", "toynet");
    Path padded = Fixtures.padded(Fixtures.model("toynet"), tmp.resolve("chunky-big").resolve("model.pt"), 20, 3);
    List<Integer> fetched = new CopyOnWriteArrayList<>();  // the version of every FETCH_HEADER
    List<Load> loads = new CopyOnWriteArrayList<>();
    List<String> disconnects = new CopyOnWriteArrayList<>();
    int bad = first.version() + 1;
    try (TamperingProxy proxy = new TamperingProxy(server.address(), badChunk0Found(bad, fetched));
        ModelWatcher watcher = new ModelWatcher(() -> TorchfeedClient.connect(
            new ServerAddress("127.0.0.1", proxy.address().getPort()), Duration.ofSeconds(5), Duration.ofSeconds(30),
            "9.9.9"), List.of("chunky"), (manifest, file) -> loads.add(new Load(manifest, sha256(file))))) {
      watcher.reconnectDelay(Duration.ofMillis(100)).listener(disconnections(disconnects)).start();
      Await.until(() -> receipt(server, "chunky", first.version()).isPresent(), "the receipt for chunky:1");

      Manifest big = publish(server, "chunky", padded);
      assertEquals(bad, big.version());
      assertEquals(3, big.chunkDigests().orElseThrow().digests().size(), "two chunks of 8 MiB and a shorter one");
      ClientReceipt failed = Await.value(() -> receipt(server, "chunky", bad).orElse(null), "a receipt for chunky:2");
      assertEquals(LoadStatus.FAILED, failed.status(), failed.toString());
      assertTrue(failed.reason().startsWith("chunk 0 of chunky:2 (offset 0) hashes to "), failed.reason());
      assertEquals(big.sha256(), failed.sha256());
      assertEquals(first, watcher.loaded().get("chunky"), "the version before stays loaded");

      Manifest next = publish(server, "chunky", "toynet");  // heard after the failed one, on the same connection
      Await.until(() -> receipt(server, "chunky", next.version()).isPresent(), "the receipt for chunky:3");
      assertEquals(LoadStatus.LOADED, receipt(server, "chunky", next.version()).orElseThrow().status());
      assertEquals(List.of(first.version(), next.version()), loads.stream().map(l -> l.manifest().version())
          .toList(), "the loader never saw the bad version");
      assertEquals(List.of(first.version(), bad, next.version()), fetched, "each fetched once");
      assertEquals(List.of(), disconnects, "the connection stayed up: a bad chunk is not a dead server");
    }
  }

  @Test
  void aVersionLoadedFromAServerOlderThanVersion3IsNotLoadedAgainFromOneOfVersion3() throws Exception {
    Manifest legacy = publish(server, "legacy", "toynet");
    publish(server, "legacygate", "bnnet");  // never loads: its failed receipt ends each catch-up
    List<Load> loads = new CopyOnWriteArrayList<>();
    List<ModelId> failures = new CopyOnWriteArrayList<>();
    try (OlderServer older = new OlderServer(server.address())) {
      Replicas replicas = Replicas.of(List.of(new ServerAddress("127.0.0.1", older.port()), server.serverAddress()))
          .inOrder(true).timeouts(Duration.ofSeconds(5), Duration.ofSeconds(30)).libtorch("9.9.9");
      try (ModelWatcher watcher = new ModelWatcher(replicas, List.of("legacy", "legacygate"), (manifest, file) -> {
        loads.add(new Load(manifest, sha256(file)));
        if (manifest.name().equals("legacygate")) {
          throw new IllegalStateException("not this one");
        }
      })) {
        watcher.reconnectDelay(Duration.ofMillis(100)).listener(new ModelWatcher.Listener() {
          @Override
          public void failed(ModelId id, String reason, boolean receiptSent) {
            failures.add(id);
          }
        }).start();
        Await.until(() -> failures.size() == 1, "the catch-up on the older server");
        assertEquals(List.of(3, 1), older.hellos(), "version 3 refused, version 1 spoken");
        assertTrue(watcher.loaded().get("legacy").chunkDigests().isEmpty(), "a manifest without chunk digests");

        older.close();  // the watcher reconnects to the next server, of version 3, and catches up there
        Await.until(() -> failures.size() == 2, "the catch-up on the version 3 server");
        assertEquals(List.of("legacy", "legacygate", "legacygate"), loads.stream().map(l -> l.manifest().name())
            .toList(), "legacy:1 not loaded again for its manifest's chunk digests");
        assertEquals(legacy.id(), watcher.loaded().get("legacy").id());
        assertEquals(legacy.sha256(), watcher.loaded().get("legacy").sha256());
      }
    }
  }
}
