package io.torchfeed.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.torchfeed.event.Event;
import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModelId;
import io.torchfeed.protocol.FetchHeader;
import io.torchfeed.support.Await;
import io.torchfeed.support.Cli;
import io.torchfeed.support.Fixtures;
import io.torchfeed.support.HttpApi;
import io.torchfeed.support.ServerProcess;
import io.torchfeed.support.TcpRelay;
import io.torchfeed.support.TestServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients given several replicas: real server processes over one copy of toynet and bnnet (a, b; c with other
 * bytes under toynet:1; d, a watcher's, killed), the first of a list refused, cut mid-transfer by a {@link TcpRelay},
 * over its connection limit (UNAVAILABLE) or killed.
 */
class FailoverIT {
  @TempDir
  static Path tmp;
  static Path repo;
  static ServerProcess a;
  static ServerProcess b;

  @BeforeAll
  static void start() throws IOException {
    repo = tmp.resolve("repo");
    for (String name : List.of("toynet", "bnnet")) {
      Fixtures.copy(Fixtures.model(name), repo.resolve(name).resolve("1").resolve("model.pt"));
    }
    a = ServerProcess.start(repo, tmp.resolve("cache-a"), tmp.resolve("logs"));
    b = ServerProcess.start(repo, tmp.resolve("cache-b"), tmp.resolve("logs"));
  }

  @AfterAll
  static void stop() {
    a.close();
    b.close();
  }

  static ServerAddress address(ServerProcess server) {
    return new ServerAddress("127.0.0.1", server.tcpPort());
  }

  /** A loopback port nothing listens on. */
  static ServerAddress refused() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return new ServerAddress("127.0.0.1", socket.getLocalPort());
    }
  }

  static String sha256(Path file) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }

  /** Bytes the server sent in downloads it completed over TCP (its /metrics). */
  static double completedBytes(ServerProcess server) {
    HttpResponse<byte[]> response = server.api().get("/metrics");
    assertEquals(200, response.statusCode());
    String series = "torchfeed_fetch_size_bytes_sum{outcome=\"complete\",transport=\"tcp\"} ";
    return new String(response.body(), StandardCharsets.UTF_8).lines().filter(l -> l.startsWith(series))
        .findFirst().map(l -> Double.parseDouble(l.substring(series.length()).strip())).orElse(0.0);
  }

  /** The offset of every FETCH_HEADER a download got. */
  record Offsets(List<Long> seen) implements TorchfeedClient.Progress {
    Offsets() {
      this(new CopyOnWriteArrayList<>());
    }

    @Override
    public void started(FetchHeader header) {
      seen.add(header.offset());
    }

    @Override
    public void advanced(long received) {}
  }

  @Test
  void aRefusedServerIsPassedOverByTheApiAndTheCommandLine() throws Exception {
    ServerAddress down = refused();
    Manifest golden = Fixtures.golden("toynet");
    try (TorchfeedClient client = TorchfeedClient.connect(Replicas.of(List.of(down, address(a))).inOrder(true))) {
      assertEquals(address(a), client.address());
      MemoryDownload.Result result = new MemoryDownload(client).download(ModelId.parse("toynet"), null);
      assertEquals(golden.sha256(), result.manifest().sha256());
    }
    Path target = tmp.resolve("refused-first.pt");
    Cli.Result fetch = Cli.run("fetch", "--server", down + "," + address(a), "--in-order", "toynet", "-o",
        target.toString());
    assertEquals(0, fetch.exit(), fetch.toString());
    assertEquals(golden.sha256(), sha256(target));
    Cli.Result list = Cli.run("list", "--server", down + "," + address(b));  // whichever it starts at
    assertEquals(0, list.exit(), list.toString());
    assertTrue(list.out().contains("toynet"), list.toString());
  }

  @Test
  void whenEveryServerIsDownItGivesUpInOneLineNamingThem() throws Exception {
    ServerAddress first = refused();
    ServerAddress second = refused();
    ClientException e = assertThrows(ConnectionFailedException.class,
        () -> TorchfeedClient.connect(Replicas.of(List.of(first, second)).inOrder(true)));
    String expected = "every server failed (" + first + ", " + second + "); the last error: cannot connect to "
        + second + ": connection refused";
    assertEquals(expected, e.getMessage());
    Cli.Result list = Cli.run("list", "--server", first + "," + second, "--in-order");
    assertEquals(1, list.exit(), list.toString());
    assertEquals("torchfeed: " + expected + "\n", list.err());
  }

  @Test
  void anUnavailableServerIsPassedOverAtOnce() throws Exception {
    try (TestServer full = TestServer.start(TestServer.config(repo, tmp.resolve("cache-full"), Optional.empty(),
        TestServer.limits().withMaxConnections(1), 0, new io.torchfeed.config.ServerConfig.Http(0,
            Optional.empty())));
        TorchfeedClient holder = full.client()) {  // its one connection
      RemoteException refused = assertThrows(RemoteException.class, full::client);
      assertEquals(io.torchfeed.protocol.ErrorCode.UNAVAILABLE, refused.code());
      try (TorchfeedClient client = Replicas.of(List.of(full.serverAddress(), address(a))).inOrder(true)
          .connect()) {
        assertEquals(address(a), client.address());
        assertEquals(1, client.manifest(ModelId.parse("toynet")).version());
      }
      assertTrue(holder.isOpen());
    }
  }

  @Test
  void withoutChunkDigestsATransferCutMidStreamResumesOnTheOtherServerAtTheOffsetReached() throws Exception {
    Manifest golden = Fixtures.golden("toynet");
    Path target = tmp.resolve("resumed.pt");
    Offsets offsets = new Offsets();
    double before = completedBytes(b);
    try (TcpRelay dying = new TcpRelay(a.tcpPort())) {
      dying.cutAfter(100_000);  // of toynet's 257596 bytes, after the hello, the manifest and the header
      ServerAddress first = new ServerAddress("127.0.0.1", dying.port());
      try (TorchfeedClient client = Replicas.of(List.of(first, address(b))).inOrder(true).chunkDigests(false)
          .connect()) {  // with them, toynet's one chunk would be sent again whole: ChunksIT
        FileDownload.Result result = new FileDownload(client).download(ModelId.parse("toynet"), target, offsets);
        assertEquals(golden, result.manifest());
        assertFalse(client.isOpen(), "the client's own connection, the one cut, stays closed");
      }
    }
    assertEquals(2, offsets.seen().size(), offsets.toString());
    assertEquals(0, offsets.seen().get(0));
    long resumedAt = offsets.seen().get(1);
    assertTrue(resumedAt > 0 && resumedAt < golden.size(), "resumed at " + resumedAt);
    assertEquals(golden.sha256(), sha256(target), "the whole file, from both servers");
    // b sent the rest only: a FETCH from the offset reached, not from 0
    double sent = Await.value(() -> completedBytes(b) > before ? completedBytes(b) - before : null,
        "b's completed download");
    assertEquals(golden.size() - resumedAt, (long) sent);
  }

  @Test
  void anotherSha256ForTheSameVersionOnTheNextServerIsAReplicaMismatch() throws Exception {
    Path otherRepo = tmp.resolve("other-repo");  // toynet:1 holds bnnet's bytes there
    Fixtures.copy(Fixtures.model("bnnet"), otherRepo.resolve("toynet").resolve("1").resolve("model.pt"));
    try (ServerProcess c = ServerProcess.start(otherRepo, tmp.resolve("cache-c"), tmp.resolve("logs"));
        TcpRelay dying = new TcpRelay(a.tcpPort())) {
      dying.cutAfter(100_000);
      ServerAddress first = new ServerAddress("127.0.0.1", dying.port());
      Path target = tmp.resolve("mismatch.pt");
      try (TorchfeedClient client = Replicas.of(List.of(first, address(c))).inOrder(true).connect()) {
        ReplicaMismatchException e = assertThrows(ReplicaMismatchException.class,
            () -> new FileDownload(client).download(ModelId.parse("toynet"), target, null));
        assertEquals("replica mismatch for toynet:1: " + first + " serves it with sha256 "
            + Fixtures.golden("toynet").sha256() + ", " + address(c) + " with sha256 "
            + Fixtures.golden("bnnet").sha256() + "; the servers hold different files for the same version",
            e.getMessage());
      }
      assertFalse(Files.exists(target));
    }
  }

  @Test
  void aWatcherResubscribesToTheOtherServerWhenItsServerDiesAndGetsItsNotices() throws Exception {
    ServerProcess d = ServerProcess.start(repo, tmp.resolve("cache-d"), tmp.resolve("logs"));
    List<Manifest> loads = new CopyOnWriteArrayList<>();
    List<Event> notices = new CopyOnWriteArrayList<>();
    List<List<String>> subscriptions = new CopyOnWriteArrayList<>();
    Replicas replicas = Replicas.of(List.of(address(d), address(b))).inOrder(true)
        .timeouts(Duration.ofSeconds(5), Duration.ofSeconds(30)).libtorch("9.9.9");
    ModelWatcher watcher = new ModelWatcher(replicas, List.of("bnnet"), (manifest, file) -> loads.add(manifest))
        .reconnectDelay(Duration.ofMillis(100)).listener(new ModelWatcher.Listener() {
          @Override
          public void subscribed(List<String> names) {
            subscriptions.add(names);
          }

          @Override
          public void notice(Event event) {
            notices.add(event);
          }
        });
    try (watcher) {
      watcher.start();
      Await.until(() -> loads.size() == 1, "bnnet:1 loaded from d");
      d.kill();
      Await.until(() -> subscriptions.size() == 2, "the subscription again, to b");
      Await.until(() -> subscribers(b) == 1, "b to list the watcher's subscription");
      HttpResponse<byte[]> published = b.api().upload("/v1/models/bnnet/versions", Fixtures.model("bnnet"),
          HttpApi.ADMIN);
      assertEquals(201, published.statusCode(), HttpApi.describe(published));
      Await.until(() -> loads.stream().anyMatch(m -> m.version() == 2), "bnnet:2 loaded from b");
      assertTrue(notices.stream().anyMatch(e -> e instanceof Event.Published p && p.version() == 2),
          notices.toString());
      Await.until(() -> receipts(b, "bnnet", 2) == 1, "b to show the receipt for bnnet:2");
    } finally {
      if (d.isAlive()) {
        d.close();
      }
    }
  }

  /** How many clients of b subscribe to bnnet with LibTorch 9.9.9 (GET /v1/clients). */
  static int subscribers(ServerProcess server) {
    int count = 0;
    for (JsonNode client : clients(server)) {
      if (client.path("libtorch").asText().equals("9.9.9")
          && client.path("subscriptions").toString().contains("\"bnnet\"")) {
        count++;
      }
    }
    return count;
  }

  static int receipts(ServerProcess server, String name, int version) {
    int count = 0;
    for (JsonNode client : clients(server)) {
      for (JsonNode receipt : client.path("receipts")) {
        if (receipt.path("name").asText().equals(name) && receipt.path("version").asInt() == version) {
          count++;
        }
      }
    }
    return count;
  }

  static JsonNode clients(ServerProcess server) {
    HttpResponse<byte[]> response = server.api().get("/v1/clients");
    assertEquals(200, response.statusCode(), HttpApi.describe(response));
    return HttpApi.json(response);
  }
}
