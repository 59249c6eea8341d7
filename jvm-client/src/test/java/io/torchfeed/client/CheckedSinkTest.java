package io.torchfeed.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.model.ChunkDigests;
import io.torchfeed.model.Manifest;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A download's sink over a {@code .part} kept from before: what it keeps, and when it says a chunk is bad. */
class CheckedSinkTest {
  private static final int CHUNK = 64;

  @TempDir
  Path tmp;

  /**
   * Chunk 0 of the {@code .part} is bad and found so while the sink is made (checked in line): the sink is made all
   * the same, drops what it is then sent, and {@code finish()} names the chunk, so that its caller discards the
   * {@code .part} (as for a bad chunk found later).
   */
  @Test
  void aKeptChunkFoundBadWhileTheSinkIsMadeIsThrownByFinish() throws Exception {
    byte[] file = ChunkCheckTest.file(2 * CHUNK + 10);
    ChunkDigests digests = ChunkCheckTest.digests(file, CHUNK);
    Manifest manifest = new Manifest("m", 1, file.length, sha256(file), 3, List.of(), List.of(), CHUNK,
        digests.digests());
    byte[] part = java.util.Arrays.copyOf(file, 2 * CHUNK);
    part[5] ^= 1;
    Path path = tmp.resolve("m.pt.part");
    Files.write(path, part);
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        CheckedSink sink = new CheckedSink(manifest, Landing.of(channel, part.length), Runnable::run)) {
      assertEquals(2 * CHUNK, sink.kept());
      sink.write(file, 2 * CHUNK, 10);  // the rest of the payload: read, dropped
      ChecksumMismatchException e = assertThrows(ChecksumMismatchException.class, sink::finish);
      assertTrue(e.getMessage().startsWith("chunk 0 of m:1 (offset 0) hashes to "), e.getMessage());
      assertEquals(2 * CHUNK, channel.size(), "nothing written after the bad chunk");
    }
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
