package io.torchfeed.validation;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.torchfeed.model.FileFacts;
import io.torchfeed.support.Allocations;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Arbitrary bytes, written to a file, through {@link ArchiveFacts#read} and so {@link ArchivePrecheck}
 * (docs/fuzzing.md). What may happen: facts, or a {@link ModelRejectedException} whose reason is one line;
 * anything else fails, as does allocating far more than the file's size and the 1 MiB read buffer account for
 * (a declared size or count that is believed). The seeds are the committed models and hostile files
 * (test-fixtures/models/, hostile/, bad/; links in {@code ArchivePrecheckFuzzTestInputs/}); in a plain
 * {@code mvn test} only they run.
 */
class ArchivePrecheckFuzzTest {
  private static Path dir;

  @BeforeAll
  static void createDirectory() throws IOException {
    dir = Files.createTempDirectory("torchfeed-fuzz-");
  }

  @AfterAll
  static void deleteDirectory() throws IOException {
    Files.deleteIfExists(dir.resolve("model.pt"));
    Files.deleteIfExists(dir);
  }

  @FuzzTest(maxDuration = "5m")
  void readsOrRejects(byte[] input) throws IOException {
    Path file = Files.write(dir.resolve("model.pt"), input);
    long budget = Allocations.FUZZER_SLACK + 8L * input.length;
    long allocated = Allocations.measure(budget, () -> check(file, input.length));
    assertTrue(allocated <= budget, "checking " + input.length + " bytes allocated " + allocated + " bytes");
  }

  private static void check(Path file, long size) {
    try {
      FileFacts facts = new ArchiveFacts().read(file);
      assertTrue(facts.size() == size, "facts of " + facts.size() + " bytes for " + size);
    } catch (ModelRejectedException e) {
      String reason = e.getMessage();
      assertTrue(reason != null && !reason.isBlank() && reason.indexOf('\n') < 0 && reason.indexOf('\r') < 0,
          () -> "not a one-line reason: " + reason);
    } catch (RuntimeException e) {
      throw new AssertionError("ArchiveFacts.read threw " + e, e);
    }
  }
}
