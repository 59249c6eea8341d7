package io.torchfeed.repository;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.torchfeed.model.ChunkDigests;
import io.torchfeed.model.FileFacts;
import io.torchfeed.model.ModuleInfo;
import io.torchfeed.model.TensorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestCacheTest {
  private static final FileFacts FACTS = new FileFacts(3,
      "039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81", 3, new ChunkDigests(2, List.of(
          "a12871fee210fb8619291eaea194581cbd2531e4b23759d225f6806923f63222",
          "084fed08b978af4d7d196a7446a86b58009e636b611db16211b65a9aadff29c5")));

  @TempDir
  Path dir;

  @Test
  void remembersOutcomesPerStampAndValidator() throws IOException {
    Path file = Files.write(dir.resolve("model.pt"), new byte[] {1, 2, 3});
    FileStamp stamp = FileStamp.of(file);
    ModuleInfo module = new ModuleInfo(List.of(new TensorInfo("w", List.of(2L, 3L), "float32")), List.of());
    ManifestCache cache = new ManifestCache(dir.resolve("cache"), "v1");

    assertTrue(cache.get(stamp).isEmpty());
    cache.put(ManifestCache.Entry.valid(stamp, FACTS, module));

    ManifestCache.Entry entry = new ManifestCache(dir.resolve("cache"), "v1").get(stamp).orElseThrow();
    assertEquals(module, entry.module());
    assertEquals(FACTS, entry.facts());
    assertFalse(entry.lacksChunks());
    assertTrue(new ManifestCache(dir.resolve("cache"), "v2").get(stamp).isEmpty(), "a new validator misses");

    Files.write(file, new byte[] {1, 2, 3, 4});
    assertTrue(cache.get(FileStamp.of(file)).isEmpty(), "a changed file misses");
  }

  @Test
  void anEntryWrittenBeforeChunkDigestsSaysItLacksThem() throws IOException {
    Path file = Files.write(dir.resolve("model.pt"), new byte[] {1, 2, 3});
    FileStamp stamp = FileStamp.of(file);
    ManifestCache cache = new ManifestCache(dir.resolve("cache"), "v1");
    cache.put(ManifestCache.Entry.valid(stamp, FACTS, new ModuleInfo(List.of(), List.of())));
    cache.put(ManifestCache.Entry.rejected(FileStamp.of(Files.write(dir.resolve("bad.pt"), new byte[0])), "empty"));
    ObjectMapper json = new ObjectMapper();
    try (var entries = Files.list(dir.resolve("cache/manifests"))) {
      for (Path entry : entries.toList()) {  // as torchfeed wrote them before protocol version 3
        ObjectNode tree = (ObjectNode) json.readTree(entry.toFile());
        if (tree.get("facts").isObject()) {
          assertTrue(tree.get("facts").has("chunks"), tree.toString());
          ((ObjectNode) tree.get("facts")).remove("chunks");
        }
        json.writeValue(entry.toFile(), tree);
      }
    }

    ManifestCache.Entry old = cache.get(stamp).orElseThrow();
    assertTrue(old.lacksChunks());
    assertEquals(new FileFacts(3, FACTS.sha256(), 3, null), old.facts());
    assertFalse(cache.get(FileStamp.of(dir.resolve("bad.pt"))).orElseThrow().lacksChunks(), "a rejection has none");
  }

  @Test
  void remembersRejectionsAndIgnoresCorruptEntries() throws IOException {
    Path file = Files.write(dir.resolve("model.pt"), new byte[0]);
    FileStamp stamp = FileStamp.of(file);
    ManifestCache cache = new ManifestCache(dir, "v1");
    cache.put(ManifestCache.Entry.rejected(stamp, "empty file"));
    assertEquals("empty file", cache.get(stamp).orElseThrow().rejected());

    try (var entries = Files.list(dir.resolve("manifests"))) {
      for (Path entry : entries.toList()) {
        Files.writeString(entry, "{not json");
      }
    }
    assertTrue(cache.get(stamp).isEmpty());
  }
}
