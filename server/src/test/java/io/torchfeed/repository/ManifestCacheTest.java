package io.torchfeed.repository;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
  @TempDir
  Path dir;

  @Test
  void remembersOutcomesPerStampAndValidator() throws IOException {
    Path file = Files.write(dir.resolve("model.pt"), new byte[] {1, 2, 3});
    FileStamp stamp = FileStamp.of(file);
    ModuleInfo module = new ModuleInfo(List.of(new TensorInfo("w", List.of(2L, 3L), "float32")), List.of());
    ManifestCache cache = new ManifestCache(dir.resolve("cache"), "v1");

    assertTrue(cache.get(stamp).isEmpty());
    cache.put(ManifestCache.Entry.valid(stamp, new FileFacts(3, "ab", 3), module));

    ManifestCache.Entry entry = new ManifestCache(dir.resolve("cache"), "v1").get(stamp).orElseThrow();
    assertEquals(module, entry.module());
    assertEquals(new FileFacts(3, "ab", 3), entry.facts());
    assertTrue(new ManifestCache(dir.resolve("cache"), "v2").get(stamp).isEmpty(), "a new validator misses");

    Files.write(file, new byte[] {1, 2, 3, 4});
    assertTrue(cache.get(FileStamp.of(file)).isEmpty(), "a changed file misses");
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
