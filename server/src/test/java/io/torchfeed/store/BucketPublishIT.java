package io.torchfeed.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.metrics.Metrics;
import io.torchfeed.model.Manifest;
import io.torchfeed.repository.ConflictException;
import io.torchfeed.store.ObjectStore.StoredObject;
import io.torchfeed.store.TestBlobs.Blob;
import io.torchfeed.support.Await;
import io.torchfeed.support.S3Server;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/** Publishing into a real S3 service (S3Proxy): blobs, version numbers claimed by conditional creates, fetches. */
class BucketPublishIT {
  private static final String PREFIX = "tf";

  @TempDir
  Path tmp;

  private S3Server s3;
  private final Metrics metrics = new Metrics();
  private final List<ObjectStore> stores = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    s3 = S3Server.start(Files.createDirectories(tmp.resolve("bucket")));
  }

  @AfterEach
  void stop() {
    stores.forEach(ObjectStore::close);
    s3.close();
  }

  /** A replica's store: its own S3 client. */
  private ObjectStore store() {
    ObjectStore store = s3.store(PREFIX, metrics);
    stores.add(store);
    return store;
  }

  private BucketRepository replica(String name) {
    return new BucketRepository(store(), new BucketLayout(PREFIX), name);
  }

  @Test
  void publishersRacingOnOneModelFromTwoReplicasGetDistinctConsecutiveVersionsEachNamingItsOwnBlob()
      throws Exception {
    List<BucketRepository> replicas = List.of(replica("replica-a"), replica("replica-b"));
    int threads = 8;
    int perThread = 3;
    CyclicBarrier start = new CyclicBarrier(threads);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<List<Manifest>>> results = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      BucketRepository replica = replicas.get(t % 2);
      long seed = 1000L * t;
      List<Blob> blobs = IntStream.range(0, perThread)
          .mapToObj(i -> TestBlobs.of(tmp, "racer", seed + i, 4096)).toList();
      results.add(pool.submit(() -> {
        List<Manifest> published = new ArrayList<>();
        for (Blob blob : blobs) {
          start.await(Await.DEADLINE.toSeconds(), TimeUnit.SECONDS);
          published.add(replica.publish(blob.manifest(), blob.file()));
        }
        return published;
      }));
    }
    Map<Integer, String> shaByVersion = new TreeMap<>();
    List<Integer> versions = new ArrayList<>();
    try {
      for (Future<List<Manifest>> result : results) {
        for (Manifest m : result.get()) {
          versions.add(m.version());
          shaByVersion.put(m.version(), m.sha256());
        }
      }
    } finally {
      pool.shutdownNow();
    }

    int total = threads * perThread;
    assertEquals(IntStream.rangeClosed(1, total).boxed().toList(), versions.stream().sorted().toList(),
        "every publish got its own number, 1.." + total + " without a gap");
    BucketSnapshot snapshot = replica("reader").snapshot();
    Map<Integer, String> recorded = snapshot.model("racer").orElseThrow().versions().entrySet().stream()
        .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().manifest().sha256(), (a, b) -> a, TreeMap::new));
    assertEquals(shaByVersion, recorded, "each version record names the blob its publisher uploaded");
    assertEquals(List.of(), snapshot.problems());
  }

  @Test
  void theSameBytesPublishedAgainAreOneBlobThatIsNotUploadedOrRewritten() throws Exception {
    BucketRepository replica = replica("replica-a");
    Blob blob = TestBlobs.of(tmp, "twice", 1, 10_000);
    assertEquals(1, replica.publish(blob.manifest(), blob.file()).version());
    ObjectStore store = store();
    String key = new BucketLayout(PREFIX).blob(blob.manifest().sha256());
    StoredObject first = store.head(key).orElseThrow();

    assertEquals(2, replica.publish(blob.manifest(), blob.file()).version());
    assertEquals(first, store.head(key).orElseThrow());
    assertEquals(1, store.list(PREFIX + "/blobs/").size());
    assertCount("put", "ok", 3);
    assertThrows(ObjectExistsException.class, () -> store.putIfAbsent(key, Files.write(tmp.resolve("other"),
        "other bytes".getBytes(StandardCharsets.UTF_8))));
    assertEquals(first, store.head(key).orElseThrow(), "a blob is never rewritten");
  }

  @Test
  void aClaimWhoseAnswerWasLostIsRecognisedAsThePublishersOwn() {
    AtomicBoolean loseOne = new AtomicBoolean(true);
    ObjectStore lossy = new InterleavedStore(store(), (key, write) -> {
      StoredObject written = write.get();
      if (key.contains("/versions/") && loseOne.getAndSet(false)) {
        throw new ObjectExistsException(key + ": as the S3 client's retry of a write whose answer was lost");
      }
      return written;
    });
    BucketRepository replica = new BucketRepository(lossy, new BucketLayout(PREFIX), "replica-a");
    Blob blob = TestBlobs.of(tmp, "lossy", 2, 100);
    assertEquals(1, replica.publish(blob.manifest(), blob.file()).version());
    assertFalse(loseOne.get());
    assertEquals(List.of(1), List.copyOf(replica.snapshot().model("lossy").orElseThrow().versions().keySet()),
        "no second number was claimed");
  }

  @Test
  void aPublishThatLosesEveryNumberToOtherPublishersGivesUpWithAConflict() {
    BucketRepository other = replica("replica-b");
    Blob theirs = TestBlobs.of(tmp, "busy", 3, 100);
    ObjectStore contended = new InterleavedStore(store(), (key, write) -> {
      if (key.contains("/versions/")) {
        other.publish(theirs.manifest(), theirs.file());
      }
      return write.get();
    });
    BucketRepository replica = new BucketRepository(contended, new BucketLayout(PREFIX), "replica-a");
    Blob mine = TestBlobs.of(tmp, "busy", 4, 100);
    ConflictException e = assertThrows(ConflictException.class, () -> replica.publish(mine.manifest(), mine.file()));
    assertEquals("cannot number a new version of busy: " + BucketRepository.CLAIM_ATTEMPTS + " versions in a row"
        + " were claimed by other publishers first; publish again", e.getMessage());
    BucketSnapshot.Model busy = other.snapshot().model("busy").orElseThrow();
    assertEquals(BucketRepository.CLAIM_ATTEMPTS, busy.versions().size());
    assertTrue(busy.versions().values().stream().allMatch(r -> r.publishedBy().equals("replica-b")));
  }

  @Test
  void aFetchChecksTheBytesAndABlobAlteredInTheBucketIsReported() throws Exception {
    BucketRepository replica = replica("replica-a");
    Blob blob = TestBlobs.of(tmp, "fetched", 5, 200_000);
    Manifest published = replica.publish(blob.manifest(), blob.file());
    Path copy = tmp.resolve("copy.pt");
    replica.fetchBlob(published, copy);
    assertArrayEquals(Files.readAllBytes(blob.file()), Files.readAllBytes(copy));

    byte[] altered = Files.readAllBytes(blob.file());
    altered[altered.length / 2] ^= 1;
    try (S3Client raw = s3.client()) {
      raw.putObject(b -> b.bucket(S3Server.BUCKET).key(new BucketLayout(PREFIX).blob(published.sha256())),
          RequestBody.fromBytes(altered));
    }
    Path second = tmp.resolve("second.pt");
    BlobCorruptException e = assertThrows(BlobCorruptException.class, () -> replica.fetchBlob(published, second));
    assertTrue(e.getMessage().startsWith("s3://" + S3Server.BUCKET + "/" + PREFIX + "/blobs/sha256/"
        + published.sha256() + " was altered in the bucket: its 200000 bytes hash to " + TestBlobs.sha256(altered)),
        e.getMessage());
    assertFalse(Files.exists(second), "nothing is left of the bad download");
  }

  @Test
  void anUnreachableBucketFailsAPublishWithTheReason() {
    BucketRepository replica = replica("replica-a");
    s3.close();
    Blob blob = TestBlobs.of(tmp, "offline", 6, 100);
    StoreUnavailableException e = assertThrows(StoreUnavailableException.class,
        () -> replica.publish(blob.manifest(), blob.file()));
    assertTrue(e.getMessage().startsWith("bucket store unavailable: head s3://" + S3Server.BUCKET + "/" + PREFIX
        + "/blobs/sha256/" + blob.manifest().sha256() + " at " + s3.endpoint() + ": "), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
  }

  private void assertCount(String operation, String outcome, int count) {
    String line = "torchfeed_store_requests_total{operation=\"" + operation + "\",outcome=\"" + outcome + "\"} "
        + count + ".0";
    String scrape = metrics.scrape();
    assertTrue(scrape.lines().anyMatch(line::equals), "no line '" + line + "' in\n" + scrape);
  }
}
