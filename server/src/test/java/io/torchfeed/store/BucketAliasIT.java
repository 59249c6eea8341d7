package io.torchfeed.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.metrics.Metrics;
import io.torchfeed.repository.ConflictException;
import io.torchfeed.repository.ModelNotFoundException;
import io.torchfeed.store.TestBlobs.Blob;
import io.torchfeed.support.S3Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Aliases and deletes in a real S3 service (S3Proxy): compare-and-swap on the alias map, with another replica
 * writing between a replica's read and its write (run by {@link InterleavedStore} at exactly that point).
 */
class BucketAliasIT {
  private static final String PREFIX = "tf";
  private static final String MODEL = "net";

  @TempDir
  Path tmp;

  private S3Server s3;
  private final Metrics metrics = new Metrics();
  private final List<ObjectStore> stores = new ArrayList<>();
  private BucketRepository other;

  @BeforeEach
  void start() throws Exception {
    s3 = S3Server.start(Files.createDirectories(tmp.resolve("bucket")));
    other = new BucketRepository(store(), new BucketLayout(PREFIX), "replica-b");
    for (int seed = 1; seed <= 3; seed++) {
      Blob blob = TestBlobs.of(tmp, MODEL, seed, 100);
      other.publish(blob.manifest(), blob.file());
    }
  }

  @AfterEach
  void stop() {
    stores.forEach(ObjectStore::close);
    s3.close();
  }

  private ObjectStore store() {
    ObjectStore store = s3.store(PREFIX, metrics);
    stores.add(store);
    return store;
  }

  /** Replica A, whose first write of the alias map lets replica B run {@code meanwhile} just before it. */
  private BucketRepository replicaWith(Runnable meanwhile) {
    AtomicBoolean once = new AtomicBoolean(true);
    ObjectStore store = new InterleavedStore(store(), (key, write) -> {
      if (key.endsWith("/aliases.json") && once.getAndSet(false)) {
        meanwhile.run();
      }
      return write.get();
    });
    return new BucketRepository(store, new BucketLayout(PREFIX), "replica-a");
  }

  private Map<String, Integer> aliases() {
    return other.snapshot().model(MODEL).orElseThrow().aliases();
  }

  @Test
  void aFirstAliasMapThatAnotherReplicaCreatedMeanwhileIsReadAgainAndKept() {
    replicaWith(() -> other.moveAlias(MODEL, "canary", 2)).moveAlias(MODEL, "stable", 1);
    assertEquals(Map.of("canary", 2, "stable", 1), aliases());
    assertCount("put", "conflict", 1);
  }

  @Test
  void aMoveThatLosesItsCompareAndSwapIsAppliedAgainToTheOtherReplicasMap() {
    other.moveAlias(MODEL, "stable", 1);
    replicaWith(() -> other.moveAlias(MODEL, "canary", 3)).moveAlias(MODEL, "stable", 2);
    assertEquals(Map.of("canary", 3, "stable", 2), aliases());
    assertCount("put", "conflict", 1);
  }

  @Test
  void twoMovesOfOneAliasEndWithTheOneWrittenLast() {
    other.moveAlias(MODEL, "stable", 1);
    replicaWith(() -> other.moveAlias(MODEL, "stable", 3)).moveAlias(MODEL, "stable", 2);
    assertEquals(Map.of("stable", 2), aliases());
  }

  @Test
  void removingAnAliasThatAnotherReplicaRemovedMeanwhileReportsItMissing() {
    other.moveAlias(MODEL, "stable", 1);
    other.moveAlias(MODEL, "canary", 2);
    BucketRepository replica = replicaWith(() -> other.removeAlias(MODEL, "stable"));
    ModelNotFoundException e = assertThrows(ModelNotFoundException.class,
        () -> replica.removeAlias(MODEL, "stable"));
    assertEquals("model 'net' has no alias 'stable'", e.getMessage());
    assertEquals(Map.of("canary", 2), aliases());
  }

  @Test
  void anAliasNamesOnlyAPublishedVersionAndAMoveToWhereItIsWritesNothing() {
    assertEquals("model 'net' has no version 9", assertThrows(ModelNotFoundException.class,
        () -> other.moveAlias(MODEL, "stable", 9)).getMessage());
    assertThrows(ModelNotFoundException.class, () -> other.moveAlias("none", "stable", 1));
    assertThrows(ModelNotFoundException.class, () -> other.removeAlias(MODEL, "stable"));
    other.moveAlias(MODEL, "stable", 2);
    String before = metrics.scrape();
    other.moveAlias(MODEL, "stable", 2);
    assertEquals(line(before, "put", "ok"), line(metrics.scrape(), "put", "ok"));
  }

  @Test
  void aDeletedVersionLeavesATombstoneSoItsNumberIsNeverGivenAgain() {
    other.moveAlias(MODEL, "stable", 3);
    ConflictException refused = assertThrows(ConflictException.class, () -> other.delete(MODEL, 3));
    assertEquals("net:3 is the target of alias stable; point the alias elsewhere or remove it first",
        refused.getMessage());
    other.delete(MODEL, 2);
    assertEquals(List.of(1, 3), List.copyOf(other.snapshot().model(MODEL).orElseThrow().versions().keySet()));
    assertThrows(ModelNotFoundException.class, () -> other.delete(MODEL, 2));
    assertThrows(ModelNotFoundException.class, () -> other.moveAlias(MODEL, "canary", 2));

    other.removeAlias(MODEL, "stable");
    other.delete(MODEL, 3);
    Blob next = TestBlobs.of(tmp, MODEL, 4, 100);
    assertEquals(4, other.publish(next.manifest(), next.file()).version(), "3 was deleted, not forgotten");
  }

  @Test
  void theRemovalOfAnAliasKeepsTheMapForTheNextCompareAndSwap() {
    other.moveAlias(MODEL, "stable", 1);
    other.removeAlias(MODEL, "stable");
    assertTrue(aliases().isEmpty());
    other.moveAlias(MODEL, "stable", 2);
    assertEquals(Map.of("stable", 2), aliases());
  }

  private void assertCount(String operation, String outcome, int count) {
    String expected = "torchfeed_store_requests_total{operation=\"" + operation + "\",outcome=\"" + outcome + "\"} "
        + count + ".0";
    assertEquals(expected, line(metrics.scrape(), operation, outcome));
  }

  private static String line(String scrape, String operation, String outcome) {
    String start = "torchfeed_store_requests_total{operation=\"" + operation + "\",outcome=\"" + outcome + "\"} ";
    return scrape.lines().filter(l -> l.startsWith(start)).findFirst().orElse("none: " + start);
  }
}
