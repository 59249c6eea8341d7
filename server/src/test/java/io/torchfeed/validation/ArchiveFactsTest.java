package io.torchfeed.validation;

import static io.torchfeed.validation.LibTorchInspectorTest.assertOneLine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.torchfeed.model.ChunkDigests;
import io.torchfeed.model.FileFacts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
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
    assertEquals(new FileFacts(bytes.length, sha256(bytes), 3, chunks(bytes, ChunkDigests.DEFAULT_SIZE)),
        facts.read(model));
    assertEquals(1, facts.read(model).chunks().digests().size(), "a file under 8 MiB is one chunk");
  }

  @Test
  void hashesFilesLargerThanTheBuffer() throws Exception {
    byte[] bytes = archiveLargerThanTheBuffer(1);
    Path file = Fixtures.write(dir, "big.pt", bytes);
    assertEquals(new FileFacts(bytes.length, sha256(bytes), 3, chunks(bytes, ChunkDigests.DEFAULT_SIZE)),
        facts.read(file));
  }

  @Test
  void hashesEachChunkInTheSamePassAcrossBufferBoundaries() throws Exception {
    byte[] bytes = archiveLargerThanTheBuffer(2);
    Path file = Fixtures.write(dir, "big.pt", bytes);
    for (int chunkSize : new int[] {ArchiveFacts.BUFFER_SIZE / 2 + 1, ArchiveFacts.BUFFER_SIZE,
        bytes.length - 1, bytes.length, bytes.length + 1}) {
      FileFacts read = new ArchiveFacts(new ArchivePrecheck(), chunkSize).read(file);
      assertEquals(chunks(bytes, chunkSize), read.chunks(), "chunks of " + chunkSize);
      assertEquals(sha256(bytes), read.sha256());
    }
    assertEquals(2, new ArchiveFacts(new ArchivePrecheck(), bytes.length - 1).read(file).chunks().digests().size(),
        "one byte over is a second chunk");
  }

  /** The chunk digests computed independently: each chunk cut out of the file and hashed on its own. */
  private static ChunkDigests chunks(byte[] file, int chunkSize) throws NoSuchAlgorithmException {
    List<String> digests = new ArrayList<>();
    for (int start = 0; start < file.length; start += chunkSize) {
      digests.add(sha256(Arrays.copyOfRange(file, start, Math.min(file.length, start + chunkSize))));
    }
    return new ChunkDigests(chunkSize, digests);
  }

  @Test
  void usesDataVersionWhenThereIsNoTopLevelVersion() {
    Path file = TorchArchives.minimal("new", "10\n").remove("new/version").add("new/.data/version", "10\n")
        .write(dir, "new.pt");
    assertEquals(10, facts.read(file).formatVersion());
  }

  @Test
  void prefersTheTopLevelVersion() {
    Path file = TorchArchives.minimal("both", "5\n").add("both/.data/version", "6\n").write(dir, "both.pt");
    assertEquals(5, facts.read(file).formatVersion());
  }

  @Test
  void rejectsEmptyFiles() {
    assertRejected("not a TorchScript archive: empty file", "empty.pt", new byte[0]);
  }

  @Test
  void rejectsFilesThatAreNotZips() {
    assertRejected("not a TorchScript archive: not a zip archive (no end-of-central-directory record)",
        "garbage.pt", "hello world\n".getBytes(StandardCharsets.UTF_8));
    assertRejected("not a TorchScript archive: truncated zip archive (no end-of-central-directory record)",
        "truncated.pt", Fixtures.truncated(5000));
  }

  @Test
  void rejectsZipsThatAreNotTorchScriptArchives() {
    assertRejected("not a TorchScript archive: no records", "none.pt", Zips.of());
    assertRejected("not a TorchScript archive: records are not in a top-level directory", "flat.pt",
        new TorchArchives().add("version", "3\n").bytes());
    assertRejected("not a TorchScript archive: records are not all in one top-level directory ('b/version' is "
        + "not in 'a/')", "two.pt", TorchArchives.minimal("a", "3\n").add("b/version", "3\n").bytes());
    assertRejected("not a TorchScript archive: no version record", "noversion.pt",
        TorchArchives.minimal("m", "3\n").remove("m/version").bytes());
    assertRejected("not a TorchScript archive: version record is empty", "blank.pt",
        TorchArchives.minimal("m", "\n").bytes());
    assertRejected("not a TorchScript archive: version record is not a number: 'abc'", "abc.pt",
        TorchArchives.minimal("m", "abc\n").bytes());
    assertRejected("not a TorchScript archive: version record is not a number: '"
        + "9".repeat(32) + "...'", "long.pt", TorchArchives.minimal("m", "9".repeat(100)).bytes());
  }

  @Test
  void rejectsWhatJavaUtilZipWrites() {
    assertRejected("not a TorchScript archive: record 'm/data.pkl' is deflated; PyTorch stores tensors and "
        + "pickles uncompressed and deflates only code/", "deflated.pt",
        Zips.of("m/data.pkl", "x", "m/constants.pkl", "x", "m/version", "3\n"));
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

  private ModelRejectedException reject(String name, byte[] bytes) {
    Path file = Fixtures.write(dir, name, bytes);
    ModelRejectedException e = assertThrows(ModelRejectedException.class, () -> facts.read(file));
    assertOneLine(e);
    return e;
  }

  private static String sha256(byte[] bytes) throws NoSuchAlgorithmException {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  /** A minimal archive whose one tensor record is two buffers and a bit of random bytes ({@code seed}). */
  private static byte[] archiveLargerThanTheBuffer(long seed) {
    byte[] payload = new byte[ArchiveFacts.BUFFER_SIZE * 2 + 12345];
    new Random(seed).nextBytes(payload);
    return TorchArchives.minimal("big", "3\n").add("big/data/0", payload).bytes();
  }
}
