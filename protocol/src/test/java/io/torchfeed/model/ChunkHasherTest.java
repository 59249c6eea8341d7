package io.torchfeed.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Chunk digests at the boundaries, against the digests of the chunks cut out of the file one by one. */
class ChunkHasherTest {
  private static final int CHUNK = 64;

  /** The digests computed independently: each chunk cut out with copyOfRange and hashed on its own. */
  private static List<String> expected(byte[] file, int chunkSize) throws Exception {
    List<String> digests = new ArrayList<>();
    int start = 0;
    do {
      int end = Math.min(file.length, start + chunkSize);
      digests.add(HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-256").digest(Arrays.copyOfRange(file, start, end))));
      start = end;
    } while (start < file.length);
    return digests;
  }

  private static byte[] file(int size) {
    byte[] bytes = new byte[size];
    new Random(size).nextBytes(bytes);
    return bytes;
  }

  private static ChunkDigests hashInPieces(byte[] file, int chunkSize, int piece) {
    ChunkHasher hasher = new ChunkHasher(chunkSize);
    for (int at = 0; at < file.length; at += piece) {
      hasher.update(file, at, Math.min(piece, file.length - at));
    }
    return hasher.digests();
  }

  @ParameterizedTest(name = "{0} bytes")
  @ValueSource(ints = {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * CHUNK + 17})
  void everyChunkIsHashedOnItsOwnAndTheLastMayBeShorter(int size) throws Exception {
    byte[] file = file(size);
    for (int piece : new int[] {1, 7, CHUNK, CHUNK + 5, 1000}) {
      ChunkDigests digests = hashInPieces(file, CHUNK, piece);
      assertEquals(new ChunkDigests(CHUNK, expected(file, CHUNK)), digests, "fed in pieces of " + piece);
      assertEquals(ChunkDigests.count(size, CHUNK), digests.digests().size());
    }
  }

  @Test
  void theBoundaryCasesHaveTheCountsTheSpecSays() {
    assertEquals(1, ChunkDigests.count(0, CHUNK), "an empty file is one empty chunk");
    assertEquals(1, ChunkDigests.count(CHUNK, CHUNK), "exactly one chunk");
    assertEquals(2, ChunkDigests.count(CHUNK + 1, CHUNK), "one byte over");
    assertEquals(12_800, ChunkDigests.count(100L * 1024 * 1024 * 1024, ChunkDigests.DEFAULT_SIZE));
    assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        new ChunkHasher(CHUNK).digests().digests().get(0), "the SHA-256 of nothing");
  }

  @Test
  void digestsThatDoNotFitTheFileAreRefused() throws Exception {
    ChunkDigests two = new ChunkDigests(CHUNK, expected(file(CHUNK + 1), CHUNK));
    two.checkFits(CHUNK + 1);
    two.checkFits(2 * CHUNK);
    assertThrows(IllegalArgumentException.class, () -> two.checkFits(CHUNK));
    assertThrows(IllegalArgumentException.class, () -> two.checkFits(2 * CHUNK + 1));
    assertThrows(IllegalArgumentException.class, () -> new ChunkDigests(0, List.of()));
    assertThrows(IllegalArgumentException.class, () -> new ChunkDigests(CHUNK, List.of("AB".repeat(32))));
  }
}
