package io.torchfeed.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.support.Cli;
import io.torchfeed.support.HostileFixtures;
import io.torchfeed.support.HostileFixtures.Expectation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code torchfeed inspect FILE} on every hostile file: exit 1 and one line saying why. */
class HostileInspectIT {
  private static final Map<String, Cli.Result> RESULTS = new ConcurrentHashMap<>();
  @TempDir
  static Path tmp;

  /** Runs all the commands up front, two at a time: each is a JVM, some start a LibTorch worker. */
  @BeforeAll
  static void inspectEveryFile() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<Object>> runs = hostile().stream().map(e -> pool.submit(() -> {
        RESULTS.put(e.file(), Cli.run("inspect", e.path().toString()));
        return null;
      })).toList();
      for (Future<Object> run : runs) {
        run.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  static List<Expectation> hostile() {
    return HostileFixtures.all();
  }

  @ParameterizedTest
  @MethodSource("hostile")
  void inspectRejectsEveryHostileFileWithOneLine(Expectation expected) {
    assertRejected(RESULTS.get(expected.file()), expected.reason());
  }

  @Test
  void inspectRejectsADirectoryAndADanglingLink() throws Exception {
    Path directory = Files.createDirectories(tmp.resolve("dir/model.pt"));
    assertRejected(Cli.run("inspect", directory.toString()), "cannot read file: it is a directory");
    Path link = Files.createSymbolicLink(tmp.resolve("model.pt"), tmp.resolve("missing.pt"));
    assertRejected(Cli.run("inspect", link.toString()), link + ": no such file");
  }

  private static void assertRejected(Cli.Result result, String reason) {
    assertEquals(1, result.exit(), result.toString());
    assertEquals("", result.out(), result.toString());
    String[] lines = result.err().strip().split("\n");
    assertEquals(1, lines.length, result.toString());
    assertTrue(lines[0].startsWith("torchfeed: "), result.toString());
    assertTrue(lines[0].contains(reason), result.toString());
  }
}
