package io.torchfeed.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.metrics.Metrics;
import io.torchfeed.model.Manifest;
import io.torchfeed.store.TestBlobs.Blob;
import io.torchfeed.support.S3Server;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/** Reading the catalog a bucket holds, as a replica does at start and when it polls (a real S3 service, S3Proxy). */
class BucketSnapshotIT {
  private static final String PREFIX = "shared/tf";

  @TempDir
  Path tmp;

  private S3Server s3;
  private final List<ObjectStore> stores = new ArrayList<>();
  private BucketRepository writer;

  @BeforeEach
  void start() throws Exception {
    s3 = S3Server.start(Files.createDirectories(tmp.resolve("bucket")));
    writer = replica("writer", new Metrics());
  }

  @AfterEach
  void stop() {
    stores.forEach(ObjectStore::close);
    s3.close();
  }

  private BucketRepository replica(String name, Metrics metrics) {
    ObjectStore store = s3.store(PREFIX, metrics);
    stores.add(store);
    return new BucketRepository(store, new BucketLayout(PREFIX), name);
  }

  private Manifest publish(String model, long seed) {
    Blob blob = TestBlobs.of(tmp, model, seed, 1000);
    return writer.publish(blob.manifest(), blob.file());
  }

  @Test
  void aReplicaStartedAgainstABucketWrittenByOthersSeesEveryModelVersionAndAlias() throws Exception {
    Manifest a1 = publish("alpha", 1);
    Manifest a2 = publish("alpha", 2);
    Manifest b1 = publish("beta", 3);
    writer.moveAlias("alpha", "stable", 1);
    writer.moveAlias("beta", "canary", 1);
    s3.close();
    s3 = s3.restart();

    BucketSnapshot snapshot = replica("newcomer", new Metrics()).snapshot();
    assertEquals(List.of("alpha", "beta"), List.copyOf(snapshot.models().keySet()));
    BucketSnapshot.Model alpha = snapshot.model("alpha").orElseThrow();
    assertEquals(Map.of(1, a1, 2, a2), Map.of(1, alpha.versions().get(1).manifest(), 2,
        alpha.versions().get(2).manifest()));
    assertEquals(a2, alpha.latest().orElseThrow().manifest());
    assertEquals(Map.of("stable", 1), alpha.aliases());
    BucketSnapshot.Model beta = snapshot.model("beta").orElseThrow();
    assertEquals(b1, beta.latest().orElseThrow().manifest());
    assertEquals("writer", beta.latest().orElseThrow().publishedBy());
    assertEquals(Map.of("canary", 1), beta.aliases());
    assertEquals(List.of(), snapshot.problems());
  }

  @Test
  void aPollReadsOnlyTheObjectsThatChangedSinceTheLastSnapshot() {
    publish("alpha", 1);
    publish("alpha", 2);
    writer.moveAlias("alpha", "stable", 1);
    Metrics metrics = new Metrics();
    BucketRepository reader = replica("reader", metrics);
    BucketSnapshot first = reader.snapshot();
    assertEquals(3, gets(metrics));

    publish("alpha", 3);
    writer.moveAlias("alpha", "stable", 3);
    BucketSnapshot second = reader.snapshot(first);
    assertEquals(3 + 2, gets(metrics), "the new record and the changed alias map");
    assertEquals(List.of(1, 2, 3), List.copyOf(second.model("alpha").orElseThrow().versions().keySet()));
    assertEquals(Map.of("stable", 3), second.model("alpha").orElseThrow().aliases());

    writer.delete("alpha", 2);
    BucketSnapshot third = reader.snapshot(second);
    assertEquals(3 + 2 + 1, gets(metrics), "the tombstone");
    assertEquals(List.of(1, 3), List.copyOf(third.model("alpha").orElseThrow().versions().keySet()));
    reader.snapshot(third);
    assertEquals(3 + 2 + 1, gets(metrics), "nothing changed");
  }

  @Test
  void objectsThatCannotBeReadAreReportedAndOthersKeysAreIgnored() {
    publish("alpha", 1);
    publish("alpha", 2);
    try (S3Client raw = s3.client()) {
      put(raw, PREFIX + "/models/alpha/versions/7.json", "not json");
      put(raw, PREFIX + "/models/alpha/versions/8.json", new String(BucketJson.write(new VersionRecord(
          TestBlobs.manifest("beta", new byte[1]), "t", "someone", "id", null)), StandardCharsets.UTF_8));
      put(raw, PREFIX + "/models/alpha/aliases.json", "{\"stable\":1,\"ghost\":5}");
      put(raw, PREFIX + "/models/alpha/notes.txt", "not torchfeed's");
      put(raw, PREFIX + "/models/gamma/aliases.json", "{\"stable\":1}");
      put(raw, "shared/other/models/delta/versions/1.json", "another prefix");
    }
    BucketSnapshot snapshot = replica("reader", new Metrics()).snapshot();
    assertEquals(List.of("alpha"), List.copyOf(snapshot.models().keySet()));
    assertEquals(List.of(1, 2), List.copyOf(snapshot.model("alpha").orElseThrow().versions().keySet()));
    assertEquals(Map.of("stable", 1), snapshot.model("alpha").orElseThrow().aliases());
    String bucket = "s3://" + S3Server.BUCKET + "/" + PREFIX;
    List<String> problems = snapshot.problems();
    assertEquals(4, problems.size(), problems.toString());
    assertTrue(problems.get(0).startsWith(bucket + "/models/alpha/versions/7.json: not a version record:"
        + " Unrecognized token 'not'"), problems.get(0));
    assertEquals(List.of(
        bucket + "/models/alpha/versions/8.json: the record is of beta:0, not alpha:8",
        "alpha@ghost names version 5, which is not published",
        "gamma: aliases [stable] of a model with no published version"), problems.subList(1, 4));
    assertTrue(problems.stream().noneMatch(p -> p.contains("\n")), problems.toString());
  }

  private static void put(S3Client raw, String key, String content) {
    raw.putObject(b -> b.bucket(S3Server.BUCKET).key(key), RequestBody.fromString(content));
  }

  private static int gets(Metrics metrics) {
    String start = "torchfeed_store_requests_total{operation=\"get\",outcome=\"ok\"} ";
    return metrics.scrape().lines().filter(l -> l.startsWith(start))
        .mapToInt(l -> (int) Double.parseDouble(l.substring(start.length()))).findFirst().orElse(0);
  }
}
