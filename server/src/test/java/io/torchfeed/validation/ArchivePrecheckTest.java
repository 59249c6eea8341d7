package io.torchfeed.validation;

import static io.torchfeed.validation.LibTorchInspectorTest.assertOneLine;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.model.FileFacts;
import io.torchfeed.model.Manifest;
import io.torchfeed.support.HostileFixtures;
import io.torchfeed.support.HostileFixtures.Expectation;
import io.torchfeed.support.HostileFixtures.Stage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The pre-check against the hostile corpus (test-fixtures/hostile/expected.tsv) and the good fixtures. */
class ArchivePrecheckTest {
  private static final Map<String, String> BAD = Map.of(
      "empty", "not a TorchScript archive: empty file",
      "random", "not a TorchScript archive: not a zip archive (no end-of-central-directory record)",
      "truncated", "not a TorchScript archive: truncated zip archive (no end-of-central-directory record)",
      "state_dict", "not a TorchScript archive: " + ArchivePrecheck.TORCH_SAVE,
      "not_torchscript", "not a TorchScript archive: no version record");

  private final ArchiveFacts facts = new ArchiveFacts();
  @TempDir Path dir;

  static List<Expectation> hostile() {
    return HostileFixtures.all();
  }

  static Stream<String> good() {
    return io.torchfeed.support.Fixtures.goodModels();
  }

  @Test
  void theExpectationsListEveryHostileFileOnce() throws IOException {
    Set<String> listed = hostile().stream().map(Expectation::file).collect(Collectors.toSet());
    assertEquals(hostile().size(), listed.size(), "a file is listed twice");
    try (Stream<Path> files = Files.list(HostileFixtures.dir())) {
      assertEquals(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".pt"))
          .collect(Collectors.toSet()), listed);
    }
    assertTrue(listed.size() >= 20, "at least 20 hostile files");
  }

  @ParameterizedTest
  @MethodSource("hostile")
  void everyHostileFileGetsItsReason(Expectation expected) {
    if (expected.stage() == Stage.LIBTORCH) {
      assertDoesNotThrow(() -> facts.read(expected.path()), "the zip is sound; LibTorch rejects it");
      return;
    }
    ModelRejectedException e = assertThrows(ModelRejectedException.class, () -> facts.read(expected.path()));
    assertOneLine(e);
    assertTrue(e.getMessage().startsWith("not a TorchScript archive: "), e.getMessage());
    assertTrue(e.getMessage().contains(expected.reason()), e.getMessage());
  }

  @ParameterizedTest
  @MethodSource("good")
  void everyGoodFixturePassesWithItsGoldenFacts(String name) {
    Manifest golden = io.torchfeed.support.Fixtures.golden(name);
    // every fixture is under 8 MiB: one chunk, the whole file
    assertEquals(new FileFacts(golden.size(), golden.sha256(), golden.formatVersion(),
        new io.torchfeed.model.ChunkDigests(io.torchfeed.model.ChunkDigests.DEFAULT_SIZE, List.of(golden.sha256()))),
        facts.read(io.torchfeed.support.Fixtures.model(name)));
  }

  @Test
  void theOtherCommittedModelsPass() {
    assertEquals(3, facts.read(Fixtures.convnet()).formatVersion());
    assertEquals(3, facts.read(Fixtures.dtypes()).formatVersion());
    assertEquals(3, facts.read(io.torchfeed.support.Fixtures.root().resolve("../models/toynet/1/model.pt"))
        .formatVersion());
  }

  @ParameterizedTest
  @MethodSource("good")
  void everyGoodFixturePassesInZip64Form(String name) {
    Path file = TorchArchives.copyOf(io.torchfeed.support.Fixtures.model(name)).zip64().write(dir, "z.pt");
    assertEquals(io.torchfeed.support.Fixtures.golden(name).formatVersion(), facts.read(file).formatVersion());
  }

  @Test
  void theBadFixturesGetTheirReasons() {
    assertEquals(Set.copyOf(io.torchfeed.support.Fixtures.BAD), BAD.keySet());
    BAD.forEach((stem, reason) -> {
      ModelRejectedException e = assertThrows(ModelRejectedException.class,
          () -> facts.read(io.torchfeed.support.Fixtures.bad(stem)), stem);
      assertEquals(reason, e.getMessage(), stem);
    });
  }

  @Test
  void aDirectoryOrADanglingSymlinkIsNotReadable() throws IOException {
    Path directory = Files.createDirectory(dir.resolve("model.pt"));
    Path link = Files.createSymbolicLink(dir.resolve("link.pt"), dir.resolve("missing.pt"));
    assertEquals("cannot read file: it is a directory",
        assertThrows(ModelRejectedException.class, () -> facts.read(directory)).getMessage());
    assertEquals("cannot read file: a symbolic link to a missing file",
        assertThrows(ModelRejectedException.class, () -> facts.read(link)).getMessage());
  }

  @Test
  void recordsSpanningReadBuffersAreChecked() throws IOException {
    byte[] noise = new byte[ArchiveFacts.BUFFER_SIZE * 3 + 12345];
    new Random(7).nextBytes(noise);
    Path good = TorchArchives.minimal("m", "3\n").add("m/data/0", noise)
        .addDeflated("m/code/__torch__.py", noise).write(dir, "good.pt");
    assertEquals(Files.size(good), facts.read(good).size());

    byte[] bytes = Files.readAllBytes(good);
    bytes[ArchiveFacts.BUFFER_SIZE * 2 + 7] ^= 0x10; // inside m/data/0, stored
    assertTrue(reason(Files.write(dir.resolve("tensor.pt"), bytes))
        .startsWith("not a TorchScript archive: record 'm/data/0' is corrupt (CRC-32 "));
    bytes[ArchiveFacts.BUFFER_SIZE * 2 + 7] ^= 0x10;
    bytes[bytes.length - ArchiveFacts.BUFFER_SIZE] ^= 0x10; // inside m/code/__torch__.py, deflated
    String reason = reason(Files.write(dir.resolve("code.pt"), bytes));
    assertTrue(reason.startsWith("not a TorchScript archive: deflated record 'm/code/__torch__.py' is corrupt (")
        || reason.startsWith("not a TorchScript archive: record 'm/code/__torch__.py' is corrupt (CRC-32 "), reason);
  }

  @Test
  void aCrcOfZeroMeansNotComputed() {
    Path file = TorchArchives.copyOf(io.torchfeed.support.Fixtures.model("controlflow")).withoutCrcs()
        .write(dir, "nocrc.pt");
    assertEquals(3, facts.read(file).formatVersion());
  }

  @Test
  void aDeflatedRecordMustInflateToItsDeclaredSize() {
    byte[] code = "def forward(self, x):\n    return x\n".repeat(20).getBytes(StandardCharsets.US_ASCII);
    TorchArchives archive = TorchArchives.minimal("m", "3\n").addDeflated("m/code/__torch__.py", code);
    Path larger = archive.declare("m/code/__torch__.py", code.length + 1).write(dir, "larger.pt");
    assertEquals("not a TorchScript archive: deflated record 'm/code/__torch__.py' inflates to " + code.length
        + " bytes, not the " + (code.length + 1) + " it declares", reason(larger));
    Path smaller = archive.declare("m/code/__torch__.py", code.length - 1).write(dir, "smaller.pt");
    assertEquals("not a TorchScript archive: deflated record 'm/code/__torch__.py' inflates to more than the "
        + (code.length - 1) + " bytes it declares", reason(smaller));
  }

  @Test
  void theLimitsAreConfigurable() {
    Path controlflow = io.torchfeed.support.Fixtures.model("controlflow");
    assertEquals("not a TorchScript archive: the archive declares 11 records, more than the 10 allowed",
        reason(controlflow, new ArchivePrecheck.Limits(10, 1024, 1 << 20, 1 << 20, 1 << 20, 100)));
    assertEquals("not a TorchScript archive: record name of 14 bytes (central directory entry 4), more than the 13 "
        + "allowed", reason(controlflow, new ArchivePrecheck.Limits(100, 13, 1 << 20, 1 << 20, 1 << 20, 100)));
    assertEquals("not a TorchScript archive: the central directory is 798 bytes, more than the 797 allowed",
        reason(controlflow, new ArchivePrecheck.Limits(100, 1024, 797, 1 << 20, 1 << 20, 100)));
    assertEquals("not a TorchScript archive: deflated record 'model/code/__torch__.py.debug_pkl' would inflate to "
        + "1727 bytes, more than the 1500 allowed",
        reason(controlflow, new ArchivePrecheck.Limits(100, 1024, 1 << 20, 1500, 1 << 20, 100)));
    assertEquals("not a TorchScript archive: the deflated records inflate to more than the 3000 bytes allowed "
        + "together", reason(controlflow, new ArchivePrecheck.Limits(100, 1024, 1 << 20, 1 << 20, 3000, 100)));
  }

  private String reason(Path file) {
    ModelRejectedException e = assertThrows(ModelRejectedException.class, () -> facts.read(file));
    assertOneLine(e);
    return e.getMessage();
  }

  private static String reason(Path file, ArchivePrecheck.Limits limits) {
    ArchiveFacts limited = new ArchiveFacts(new ArchivePrecheck(limits));
    return assertThrows(ModelRejectedException.class, () -> limited.read(file)).getMessage();
  }
}
