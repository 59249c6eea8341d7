package io.torchfeed.validation;

import static io.torchfeed.validation.LibTorchInspectorTest.assertOneLine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.model.FileFacts;
import io.torchfeed.model.ModelRejectedException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArchiveFactsTest {
  private final ArchiveFacts facts = new ArchiveFacts();
  @TempDir Path dir;

  @Test
  void readsSizeHashAndFormatVersionOfAModel() throws Exception {
    Path model = Fixtures.convnet();
    byte[] bytes = Files.readAllBytes(model);
    assertEquals(new FileFacts(bytes.length, sha256(bytes), 3), facts.read(model));
  }

  @Test
  void hashesFilesLargerThanTheBuffer() throws Exception {
    byte[] payload = new byte[ArchiveFacts.BUFFER_SIZE * 2 + 12345];
    new Random(1).nextBytes(payload);
    String data = new String(payload, StandardCharsets.ISO_8859_1);
    byte[] bytes = Zips.of("big/version", "3\n", "big/data/0", data);
    Path file = Fixtures.write(dir, "big.pt", bytes);
    assertEquals(new FileFacts(bytes.length, sha256(bytes), 3), facts.read(file));
  }

  @Test
  void usesDataVersionWhenThereIsNoTopLevelVersion() {
    Path file = Fixtures.write(dir, "new.pt", Zips.of("new/data.pkl", "x", "new/.data/version", "10\n"));
    assertEquals(10, facts.read(file).formatVersion());
  }

  @Test
  void prefersTheTopLevelVersion() {
    Path file = Fixtures.write(dir, "both.pt",
        Zips.of("both/data.pkl", "x", "both/.data/version", "6\n", "both/version", "5\n"));
    assertEquals(5, facts.read(file).formatVersion());
  }

  @Test
  void takesTheTopLevelDirectoryFromTheFirstRecord() {
    Path file =
        Fixtures.write(dir, "two.pt", Zips.of("a/data.pkl", "x", "b/version", "3\n", "a/version", "4\n"));
    assertEquals(4, facts.read(file).formatVersion());
  }

  @Test
  void rejectsEmptyFiles() {
    assertRejected("not a TorchScript archive: empty file", "empty.pt", new byte[0]);
  }

  @Test
  void rejectsFilesThatAreNotZips() {
    assertRejectedStartsWith("not a TorchScript archive: not a zip archive (", "garbage.pt",
        "hello world\n".getBytes(StandardCharsets.UTF_8));
    assertRejectedStartsWith("not a TorchScript archive: not a zip archive (", "truncated.pt",
        Fixtures.truncated(5000));
  }

  @Test
  void rejectsZipsThatAreNotTorchScriptArchives() {
    assertRejected("not a TorchScript archive: no records", "none.pt", Zips.of());
    assertRejected("not a TorchScript archive: records are not in a top-level directory", "flat.pt",
        Zips.of("version", "3\n"));
    assertRejected("not a TorchScript archive: no version record", "noversion.pt",
        Zips.of("m/data.pkl", "x"));
    assertRejected("not a TorchScript archive: version record is empty", "blank.pt",
        Zips.versionOnly("m", "\n"));
    assertRejected("not a TorchScript archive: version record is not a number: 'abc'", "abc.pt",
        Zips.versionOnly("m", "abc\n"));
    assertRejected("not a TorchScript archive: version record is not a number: '"
        + "9".repeat(32) + "...'", "long.pt", Zips.versionOnly("m", "9".repeat(100)));
  }

  @Test
  void rejectsMissingFiles() {
    ModelRejectedException e =
        assertThrows(ModelRejectedException.class, () -> facts.read(dir.resolve("missing.pt")));
    assertEquals("cannot read file: no such file", e.getMessage());
  }

  private void assertRejected(String reason, String name, byte[] bytes) {
    ModelRejectedException e = reject(name, bytes);
    assertEquals(reason, e.getMessage());
  }

  private void assertRejectedStartsWith(String prefix, String name, byte[] bytes) {
    ModelRejectedException e = reject(name, bytes);
    assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
  }

  private ModelRejectedException reject(String name, byte[] bytes) {
    Path file = Fixtures.write(dir, name, bytes);
    ModelRejectedException e = assertThrows(ModelRejectedException.class, () -> facts.read(file));
    assertOneLine(e);
    return e;
  }

  private static String sha256(byte[] bytes) throws NoSuchAlgorithmException {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
