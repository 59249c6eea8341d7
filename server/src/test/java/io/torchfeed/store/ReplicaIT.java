package io.torchfeed.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.torchfeed.bus.nats.BusLocation;
import io.torchfeed.client.RemoteException;
import io.torchfeed.client.TorchfeedClient;
import io.torchfeed.config.ServerConfig;
import io.torchfeed.event.Event;
import io.torchfeed.model.LoadStatus;
import io.torchfeed.model.ModelId;
import io.torchfeed.protocol.ErrorCode;
import io.torchfeed.protocol.LoadReceipt;
import io.torchfeed.support.Await;
import io.torchfeed.support.Fixtures;
import io.torchfeed.support.HttpApi;
import io.torchfeed.support.NatsServer;
import io.torchfeed.support.S3Server;
import io.torchfeed.support.TestServer;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Replicas of one bucket ({@code serve --store}), each a real server in this JVM with its own copy and cache, over
 * a real S3 service (S3Proxy) and, where a test says so, a real NATS JetStream: what one replica publishes, every
 * replica serves after checking it itself; faults of the bucket and the bus lose nothing.
 */
class ReplicaIT {
  private static final String PREFIX = "fleet";
  /** So long that a test passing with it did not rely on polling. */
  private static final Duration NEVER = Duration.ofHours(1);
  private static final Duration OFTEN = Duration.ofMillis(200);

  @TempDir
  Path tmp;

  private final List<AutoCloseable> cleanup = new ArrayList<>();
  private S3Server s3;

  @BeforeAll
  static void credentials() {
    // The replicas take the AWS SDK's default chain, as in production: here its system properties.
    System.setProperty("aws.accessKeyId", S3Server.ACCESS_KEY);
    System.setProperty("aws.secretAccessKey", S3Server.SECRET_KEY);
  }

  @BeforeEach
  void bucket() throws Exception {
    s3 = S3Server.start(Files.createDirectories(tmp.resolve("s3")));
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = cleanup.size() - 1; i >= 0; i--) {
      cleanup.get(i).close();
    }
    s3.close();
  }

  @Test
  void aVersionPublishedOnOneReplicaIsServedByAnotherWithTheSameBytes() throws Exception {
    TestServer a = replica("a", OFTEN, Optional.empty());
    TestServer b = replica("b", OFTEN, Optional.empty());

    HttpResponse<byte[]> created = upload(a, "toynet", Fixtures.model("toynet"));
    assertEquals(201, created.statusCode(), HttpApi.describe(created));
    assertEquals(1, HttpApi.json(created).get("version").asInt());

    awaitServed(b, "toynet", 1);
    assertEquals(sha256(Fixtures.model("toynet")), fetchSha256(b, new ModelId("toynet", 1)));
    assertTrue(b.server().metrics().scrape().lines().anyMatch(
        "torchfeed_replica_copies_total{outcome=\"ok\",source=\"bucket\"} 1.0"::equals), "one GET of the blob");
    assertEquals(Fixtures.golden("toynet").module(), b.server().catalog().current()
        .resolve(new ModelId("toynet", 1)).manifest().module(), "B validated its copy itself");
  }

  @Test
  void twoReplicasPublishingAtTheSameMomentGetTwoVersionsAndBothServeBoth() throws Exception {
    TestServer a = replica("a", OFTEN, Optional.empty());
    TestServer b = replica("b", OFTEN, Optional.empty());

    CompletableFuture<HttpResponse<byte[]>> onA = CompletableFuture.supplyAsync(
        () -> upload(a, "racer", Fixtures.model("toynet")));
    CompletableFuture<HttpResponse<byte[]>> onB = CompletableFuture.supplyAsync(
        () -> upload(b, "racer", Fixtures.model("toynet")));
    Set<Integer> versions = new TreeSet<>();
    for (HttpResponse<byte[]> response : List.of(onA.join(), onB.join())) {
      assertEquals(201, response.statusCode(), HttpApi.describe(response));
      versions.add(HttpApi.json(response).get("version").asInt());
    }
    assertEquals(Set.of(1, 2), versions, "two publishes, two numbers");
    for (TestServer replica : List.of(a, b)) {
      for (int version : versions) {
        assertEquals(sha256(Fixtures.model("toynet")), fetchSha256(replica, new ModelId("racer", version)));
      }
    }
  }

  @Test
  void aReplicaStartedAgainstABucketWrittenByOthersServesItsVersionsAndAliases() {
    TestServer a = replica("a", OFTEN, Optional.empty());
    assertEquals(201, upload(a, "toynet", Fixtures.model("toynet")).statusCode());
    assertEquals(201, upload(a, "toynet", Fixtures.model("toynet")).statusCode());
    assertEquals(200, new HttpApi(a).put("/v1/models/toynet/aliases/stable", "{\"version\":1}", HttpApi.ADMIN)
        .statusCode());

    TestServer late = replica("late", NEVER, Optional.empty());

    assertTrue(late.server().catalog().current().versions("toynet").keySet().containsAll(List.of(1, 2)),
        "the first sync, before the TCP port opened, brought both versions");
    assertEquals(1, late.server().catalog().current().resolve(new ModelId("toynet", ModelId.LATEST, "stable"))
        .manifest().version());
  }

  @Test
  void aDeleteAndAnAliasMoveOnOneReplicaReachTheOthersAndTheirSubscribersWhetherOrNotTheyHoldTheVersions()
      throws Exception {
    TestServer a = replica("a", OFTEN, Optional.empty());
    for (int i = 0; i < 3; i++) {
      assertEquals(201, upload(a, "toynet", Fixtures.model("toynet")).statusCode());
    }
    TestServer b = replica("b", NEVER, Optional.empty());
    TestServer c = replica("c", OFTEN, Optional.empty());
    assertEquals(Set.of(3), held(b, "toynet"));
    try (TorchfeedClient onB = b.client(); TorchfeedClient onC = c.client()) {
      onB.subscribe(List.of("toynet"));
      onC.subscribe(List.of("toynet"));

      assertEquals(200, new HttpApi(b).put("/v1/models/toynet/aliases/stable", "{\"version\":1}", HttpApi.ADMIN)
          .statusCode());
      Await.until(() -> held(b, "toynet").contains(1) && aliasOf(b, "stable") == 1,
          "b to bring in the version its alias now names, unasked, then point the alias at it");
      assertEquals(204, new HttpApi(b).delete("/v1/models/toynet/versions/2", HttpApi.ADMIN).statusCode());

      Await.until(() -> !a.server().catalog().current().versions("toynet").containsKey(2)
          && aliasOf(a, "stable") == 1, "A to follow B's delete and alias move");
      HttpResponse<byte[]> gone = new HttpApi(b).get("/v1/models/toynet/versions/2/content");
      assertEquals(404, gone.statusCode(), HttpApi.describe(gone));
      // neither b nor c ever held toynet:2: their subscribers hear of the alias and the delete, and of nothing
      // else (the aliased version's arrival is not a publish)
      for (TorchfeedClient subscriber : List.of(onB, onC)) {
        assertEquals(new Event.AliasChanged("toynet", "stable", 1), subscriber.nextNotice(Await.DEADLINE)
            .orElseThrow());
        assertEquals(new Event.Removed("toynet", 2), subscriber.nextNotice(Await.DEADLINE).orElseThrow());
      }
    }
  }

  @Test
  void aBlobAlteredInTheBucketIsRefusedWithTheReasonWhileTheOtherModelsAreServed() throws Exception {
    TestServer a = replica("a", OFTEN, Optional.empty());
    assertEquals(201, upload(a, "toynet", Fixtures.model("toynet")).statusCode());
    assertEquals(201, upload(a, "bnnet", Fixtures.model("bnnet")).statusCode());
    String key = alterBlob(Fixtures.model("toynet"));

    TestServer late = replica("late", NEVER, Optional.empty());

    assertFalse(late.server().catalog().current().versions("toynet").containsKey(1), "never served");
    assertEquals(sha256(Fixtures.model("bnnet")), fetchSha256(late, new ModelId("bnnet", 1)));
    List<String> problems = late.server().mirror().orElseThrow().problems();
    assertTrue(problems.stream().anyMatch(p -> p.contains(key) && p.contains("was altered in the bucket")),
        problems.toString());
  }

  @Test
  void aVersionTheReplicaDoesNotHoldArrivesOnItsFirstUseWithOneGetAndIsNotAnnounced() throws Exception {
    TestServer a = replica("a", OFTEN, Optional.empty());
    assertEquals(201, upload(a, "m", Fixtures.model("bnnet")).statusCode());
    assertEquals(201, reshape(a, "m", Fixtures.model("controlflow")).statusCode());

    TestServer b = replica("b", NEVER, Optional.empty());

    assertEquals(Set.of(2), b.server().catalog().current().versions("m").keySet(), "the latest only, at start");
    try (TorchfeedClient subscriber = b.client()) {
      assertEquals(List.of(1, 2), subscriber.list().models().get(0).versions(), "listed: the bucket's versions");
      subscriber.subscribe(List.of("m"));
      String expected = sha256(Fixtures.model("bnnet"));
      List<Check<String>> requests = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        requests.add(() -> fetchSha256(b, new ModelId("m", 1)));
        requests.add(() -> httpSha256(b, "/v1/models/m/versions/1/content"));
      }
      requests.add(() -> httpSha256(b, "/v1/blobs/sha256:" + expected));
      for (String got : together(requests)) {
        assertEquals(expected, got);
      }
      assertEquals(2.0, copies(b, "bucket", "ok"), "one GET for the latest at start, one for m:1 on first use");

      // a version published since b's last read of the bucket: b reads it again and brings the new latest in,
      // announced; m:1's arrival was not (the first notice is m:3's)
      assertEquals(201, reshape(a, "m", Fixtures.model("dtypes")).statusCode());
      assertEquals(sha256(Fixtures.model("dtypes")), fetchSha256(b, new ModelId("m", 3)));
      Event notice = subscriber.nextNotice(Await.DEADLINE).orElseThrow();
      assertEquals(new Event.Published("m", 3, sha256(Fixtures.model("dtypes")),
          Files.size(Fixtures.model("dtypes"))), notice);
    }
  }

  @Test
  void theLeastRecentlyUsedVersionMakesRoomAndComesBackOnItsNextUse() throws Exception {
    TestServer a = replica("a", OFTEN, Optional.empty());
    for (int i = 0; i < 4; i++) {
      assertEquals(201, upload(a, "m", Fixtures.model("controlflow")).statusCode());
    }
    long size = Files.size(Fixtures.model("controlflow"));
    TestServer small = replica("small", NEVER, Optional.empty(), 3 * size);
    try (TorchfeedClient subscriber = small.client()) {
      subscriber.subscribe(List.of("m"));

      fetchSha256(small, new ModelId("m", 1));
      fetchSha256(small, new ModelId("m", 2));
      assertEquals(Set.of(1, 2, 4), held(small, "m"));
      fetchSha256(small, new ModelId("m", 1));
      fetchSha256(small, new ModelId("m", 3));
      assertEquals(Set.of(1, 3, 4), held(small, "m"), "m:2, the least recently used, made room for m:3");
      assertEquals(sha256(Fixtures.model("controlflow")), fetchSha256(small, new ModelId("m", 2)));
      assertEquals(Set.of(2, 3, 4), held(small, "m"), "m:2 is back, in place of m:1");

      // none of it was news to subscribers: the first notice they get is the next publish's (m:5 arrives as
      // the new latest; m:4, the latest served until then, is kept, and m:3 makes room)
      assertEquals(201, upload(a, "m", Fixtures.model("controlflow")).statusCode());
      fetchSha256(small, new ModelId("m", 5));
      Event notice = subscriber.nextNotice(Await.DEADLINE).orElseThrow();
      assertEquals(new Event.Published("m", 5, sha256(Fixtures.model("controlflow")), size), notice);
      assertEquals(Set.of(2, 4, 5), held(small, "m"));
    }
  }

  @Test
  void aVersionThatCannotBeBroughtInIsRefusedWithTheReasonAndTheLatestIsStillServed() throws Exception {
    TestServer a = replica("a", OFTEN, Optional.empty());
    assertEquals(201, upload(a, "m", Fixtures.model("toynet")).statusCode());
    assertEquals(201, reshape(a, "m", Fixtures.model("controlflow")).statusCode());
    assertEquals(201, reshape(a, "m", Fixtures.model("bnnet")).statusCode());
    String key = alterBlob(Fixtures.model("controlflow"));
    TestServer small = replica("small", NEVER, Optional.empty(), 2 * Files.size(Fixtures.model("bnnet")));

    HttpResponse<byte[]> tooBig = new HttpApi(small).get("/v1/models/m/versions/1/content");
    assertEquals(503, tooBig.statusCode(), HttpApi.describe(tooBig));
    assertTrue(HttpApi.json(tooBig).get("message").asText().startsWith("m:1 (" + Files.size(Fixtures.model("toynet"))
        + " bytes) does not fit in --cache-size"), HttpApi.describe(tooBig));
    try (TorchfeedClient client = small.client()) {
      RemoteException altered = assertThrows(RemoteException.class, () -> client.fetch(new ModelId("m", 2), 0, 0,
          new ByteArrayOutputStream(), null));
      assertEquals(ErrorCode.UNAVAILABLE, altered.code());
      assertTrue(altered.getMessage().contains(key) && altered.getMessage().contains("was altered in the bucket"),
          altered.getMessage());
    }
    HttpResponse<byte[]> refused = new HttpApi(small).get("/v1/models/m/versions/2");
    assertEquals(502, refused.statusCode(), HttpApi.describe(refused));
    assertEquals(Set.of(3), held(small, "m"));
    assertEquals(sha256(Fixtures.model("bnnet")), fetchSha256(small, new ModelId("m", ModelId.LATEST)));
  }

  @Test
  void anUnreachableBucketLeavesWhatIsCachedServedAndUploadsRefusedWithTheReason() throws Exception {
    TestServer a = replica("a", OFTEN, Optional.empty());
    assertEquals(201, upload(a, "toynet", Fixtures.model("toynet")).statusCode());
    long syncs = a.server().mirror().orElseThrow().syncsCompleted();

    s3.close();
    Await.until(() -> a.server().mirror().orElseThrow().syncsCompleted() > syncs + 1, "a sync to fail");

    assertEquals(sha256(Fixtures.model("toynet")), fetchSha256(a, new ModelId("toynet", 1)));
    HttpResponse<byte[]> refused = upload(a, "toynet", Fixtures.model("toynet"));
    assertEquals(503, refused.statusCode(), HttpApi.describe(refused));
    assertTrue(HttpApi.json(refused).get("message").asText().startsWith("bucket store unavailable: "),
        HttpApi.describe(refused));
    JsonNode ready = HttpApi.json(new HttpApi(a).get("/readyz"));
    assertTrue(ready.at("/conditions/store").asText().startsWith("bucket store unavailable: "), ready.toString());

    s3 = s3.restart();
    Await.until(() -> "ok".equals(HttpApi.json(new HttpApi(a).get("/readyz")).at("/conditions/store").asText()),
        "the bucket to answer again");
    assertEquals(201, upload(a, "toynet", Fixtures.model("toynet")).statusCode());
  }

  @Test
  void withTheBusAPublishReachesAReplicaThatNeverPollsAndItsSubscribersHearIt() throws Exception {
    NatsServer nats = NatsServer.start(tmp.resolve("nats"));
    cleanup.add(nats);
    TestServer a = replica("a", NEVER, Optional.of(nats.location()));
    TestServer b = replica("b", NEVER, Optional.of(nats.location()));
    awaitOnTheBus(b, a);
    try (TorchfeedClient subscriber = b.client()) {
      subscriber.subscribe(List.of("toynet"));

      assertEquals(201, upload(a, "toynet", Fixtures.model("toynet")).statusCode());

      Event notice = subscriber.nextNotice(Await.DEADLINE).orElseThrow();
      assertEquals(new Event.Published("toynet", 1, sha256(Fixtures.model("toynet")),
          Files.size(Fixtures.model("toynet"))), notice);
    }
    assertEquals(sha256(Fixtures.model("toynet")), fetchSha256(b, new ModelId("toynet", 1)));
  }

  @Test
  void aReceiptSentToOneReplicaShowsItsClientInTheOtherReplicasClientList() throws Exception {
    NatsServer nats = NatsServer.start(tmp.resolve("nats"));
    cleanup.add(nats);
    TestServer a = replica("a", NEVER, Optional.of(nats.location()));
    TestServer b = replica("b", NEVER, Optional.of(nats.location()));
    awaitOnTheBus(b, a);
    byte[] sha = HexFormat.of().parseHex(sha256(Fixtures.model("toynet")));
    try (TorchfeedClient client = b.client()) {
      client.receipt(new LoadReceipt("toynet", 1, sha, LoadStatus.LOADED, "", "2.10.0"));

      Await.until(() -> fleetEntry(a, "b").isPresent(), "A to list B's client");
      JsonNode entry = fleetEntry(a, "b").orElseThrow();
      assertEquals("toynet", entry.at("/receipts/0/name").asText());
      assertEquals("loaded", entry.at("/receipts/0/status").asText());
      assertEquals(sha256(Fixtures.model("toynet")), entry.at("/receipts/0/sha256").asText());
      JsonNode own = HttpApi.json(new HttpApi(b).get("/v1/clients"));
      assertEquals("b", own.get(0).get("replica").asText(), own.toString());
    }
  }

  @Test
  void withTheBusDownReplicasConvergeByPollingAndHearEachOtherAgainWhenItIsBack() {
    NatsServer nats = NatsServer.start(tmp.resolve("nats"));
    cleanup.add(nats);
    TestServer a = replica("a", NEVER, Optional.of(nats.location()));
    TestServer polling = replica("b", OFTEN, Optional.of(nats.location()));
    TestServer deaf = replica("c", NEVER, Optional.of(nats.location()));

    nats.stop();
    assertEquals(201, upload(a, "toynet", Fixtures.model("toynet")).statusCode());
    awaitServed(polling, "toynet", 1);

    nats.restart();
    awaitOnTheBus(a, deaf);
    assertEquals(201, upload(a, "toynet", Fixtures.model("toynet")).statusCode());
    awaitServed(deaf, "toynet", 2);
  }

  private TestServer replica(String id, Duration poll, Optional<BusLocation> bus) {
    return replica(id, poll, bus, Long.MAX_VALUE);
  }

  private TestServer replica(String id, Duration poll, Optional<BusLocation> bus, long cacheSize) {
    ServerConfig config = TestServer.config(tmp.resolve(id).resolve("copy"), tmp.resolve(id).resolve("cache"),
        Optional.empty(), TestServer.limits(), 0, new ServerConfig.Http(0, Optional.of(TestServer.TOKEN)))
        .withReplica(new ServerConfig.Replica(s3.location(PREFIX), poll, cacheSize, bus, "it", id));
    try {
      Files.createDirectories(tmp.resolve(id).resolve("copy"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    TestServer server = TestServer.start(config);
    cleanup.add(server);
    return server;
  }

  private static HttpResponse<byte[]> upload(TestServer server, String name, Path file) {
    return new HttpApi(server).upload("/v1/models/" + name + "/versions", file, HttpApi.ADMIN);
  }

  /** An upload allowed to change the model's parameter shapes (another fixture under the same name). */
  private static HttpResponse<byte[]> reshape(TestServer server, String name, Path file) {
    return new HttpApi(server).upload("/v1/models/" + name + "/versions?allowShapeChange=true", file, HttpApi.ADMIN);
  }

  private static void awaitServed(TestServer server, String name, int version) {
    Await.until(() -> server.server().catalog().current().versions(name).containsKey(version),
        () -> name + ":" + version + " served on " + server.http("/"));
  }

  /** Waits until every replica's {@code /readyz} says its bus link is up. */
  private static void awaitOnTheBus(TestServer... replicas) {
    for (TestServer replica : replicas) {
      Await.until(() -> "ok".equals(HttpApi.json(new HttpApi(replica).get("/readyz")).at("/conditions/bus")
          .asText()), () -> "the bus link of " + replica.http("/"));
    }
  }

  /** The entry of {@code /v1/clients} on {@code server} of a client connected to {@code replica}. */
  private static Optional<JsonNode> fleetEntry(TestServer server, String replica) {
    for (JsonNode client : HttpApi.json(new HttpApi(server).get("/v1/clients"))) {
      if (replica.equals(client.path("replica").asText())) {
        return Optional.of(client);
      }
    }
    return Optional.empty();
  }

  private static int aliasOf(TestServer server, String alias) {
    try {
      return server.server().catalog().current().resolve(new ModelId("toynet", ModelId.LATEST, alias)).manifest()
          .version();
    } catch (RuntimeException e) {
      return 0;
    }
  }

  private static String fetchSha256(TestServer server, ModelId id) throws Exception {
    try (TorchfeedClient client = server.client()) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      client.fetch(id, 0, 0, bytes, null);
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.toByteArray()));
    }
  }

  /** Flips one bit of {@code file}'s blob in the bucket behind every replica's back; returns its key. */
  private String alterBlob(Path file) throws Exception {
    String key = new BucketLayout(PREFIX).blob(sha256(file));
    try (S3Client client = s3.client()) {
      byte[] altered = Files.readAllBytes(file);
      altered[altered.length / 2] ^= 1;
      client.putObject(b -> b.bucket(S3Server.BUCKET).key(key), RequestBody.fromBytes(altered));
    }
    return key;
  }

  private static Set<Integer> held(TestServer server, String name) {
    return new TreeSet<>(server.server().catalog().current().versions(name).keySet());
  }

  private static double copies(TestServer server, String source, String outcome) {
    String line = "torchfeed_replica_copies_total{outcome=\"" + outcome + "\",source=\"" + source + "\"} ";
    return server.server().metrics().scrape().lines().filter(l -> l.startsWith(line))
        .mapToDouble(l -> Double.parseDouble(l.substring(line.length()))).sum();
  }

  private static String httpSha256(TestServer server, String path) throws Exception {
    HttpResponse<byte[]> response = new HttpApi(server).get(path);
    assertEquals(200, response.statusCode(), HttpApi.describe(response));
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(response.body()));
  }

  private interface Check<T> {
    T get() throws Exception;
  }

  /** Runs every request on a thread of its own, all released at once; their answers in order. */
  private static <T> List<T> together(List<Check<T>> requests) throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(requests.size());
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<T>> answers = new ArrayList<>();
      for (Check<T> request : requests) {
        answers.add(threads.submit(() -> {
          start.await();
          return request.get();
        }));
      }
      start.countDown();
      List<T> results = new ArrayList<>();
      for (Future<T> answer : answers) {
        results.add(answer.get());
      }
      return results;
    } finally {
      threads.shutdownNow();
    }
  }

  private static String sha256(Path file) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }
}
