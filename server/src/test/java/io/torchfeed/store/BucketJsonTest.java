package io.torchfeed.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.model.Manifest;
import io.torchfeed.model.TensorInfo;
import io.torchfeed.protocol.ManifestJson;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BucketJsonTest {
  private static final Manifest MANIFEST = new Manifest("toynet", 3, 1234, "ab".repeat(32), 3,
      List.of(new TensorInfo("fc.weight", List.of(4L, 2L), "float32")), List.of());

  private static String utf8(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  @Test
  void aRecordCarriesTheManifestAsTheProtocolWritesIt() {
    VersionRecord record = new VersionRecord(MANIFEST, "2026-05-01T12:00:00.123Z", "replica-a", "id-1", null);
    String json = utf8(BucketJson.write(record));
    assertTrue(json.startsWith("{\"manifest\":" + utf8(ManifestJson.write(MANIFEST)) + ",\"publishedAt\":"), json);
    assertFalse(json.contains("deletedAt"), json);
    assertEquals(record, BucketJson.readRecord(json.getBytes(StandardCharsets.UTF_8), "toynet", 3, "here"));
  }

  @Test
  void aRecordCarriesTheChunkDigestsAndOneWrittenBeforeThemReadsWithout() {
    Manifest chunked = new Manifest("toynet", 3, 3, "ab".repeat(32), 3, List.of(), List.of(), 2,
        List.of("cd".repeat(32), "ef".repeat(32)));
    VersionRecord record = new VersionRecord(chunked, "2026-05-01T12:00:00.123Z", "replica-a", "id-1", null);
    String json = utf8(BucketJson.write(record));
    assertTrue(json.contains(",\"chunkSize\":2,\"chunks\":[\"" + "cd".repeat(32)), json);
    assertEquals(record, BucketJson.readRecord(json.getBytes(StandardCharsets.UTF_8), "toynet", 3, "here"));

    String old = json.replaceFirst(",\"chunkSize\":2,\"chunks\":\\[[^]]*]", "");
    assertFalse(old.contains("chunk"), old);
    VersionRecord read = BucketJson.readRecord(old.getBytes(StandardCharsets.UTF_8), "toynet", 3, "here");
    assertEquals(chunked.withoutChunks(), read.manifest());
  }

  @Test
  void aTombstoneKeepsTheRecordAndSaysWhen() {
    VersionRecord record = new VersionRecord(MANIFEST, "2026-05-01T12:00:00Z", "replica-a", "id-1", null)
        .deletedAt(Instant.parse("2026-05-02T00:00:00Z"));
    VersionRecord read = BucketJson.readRecord(BucketJson.write(record), "toynet", 3, "here");
    assertTrue(read.deleted());
    assertEquals("2026-05-02T00:00:00Z", read.deletedAt());
    assertEquals(MANIFEST, read.manifest());
  }

  @Test
  void aRecordOfAnotherVersionOrModelOrNotARecordIsUnreadable() {
    byte[] json = BucketJson.write(new VersionRecord(MANIFEST, "t", "r", "id", null));
    assertEquals("here: the record is of toynet:3, not toynet:4", assertThrows(UnreadableObjectException.class,
        () -> BucketJson.readRecord(json, "toynet", 4, "here")).getMessage());
    assertThrows(UnreadableObjectException.class, () -> BucketJson.readRecord(json, "other", 3, "here"));
    for (String bad : new String[] {"", "null", "[]", "{\"manifest\":{}}", "{\"publishedAt\":\"t\"}", "{} {}"}) {
      UnreadableObjectException e = assertThrows(UnreadableObjectException.class,
          () -> BucketJson.readRecord(bad.getBytes(StandardCharsets.UTF_8), "toynet", 3, "here"), bad);
      assertTrue(e.getMessage().startsWith("here: not a version record: "), e.getMessage());
      assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
  }

  @Test
  void aliasMapsNameValidAliasesOfPositiveVersions() {
    byte[] json = BucketJson.writeAliases(Map.of("stable", 3, "canary", 4));
    assertEquals("{\"canary\":4,\"stable\":3}", utf8(json));
    assertEquals(Map.of("stable", 3, "canary", 4), BucketJson.readAliases(json, "here"));
    for (String bad : new String[] {"{\"stable\":0}", "{\"stable\":\"3\"}", "{\"../x\":3}", "{\"a\":1,\"a\":2}",
        "[1]", "null", "{\"stable\":null}"}) {
      assertThrows(UnreadableObjectException.class,
          () -> BucketJson.readAliases(bad.getBytes(StandardCharsets.UTF_8), "here"), bad);
    }
  }
}
