package io.torchfeed.model;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The SHA-256 of each fixed-size chunk of a file (docs/protocol.md, section 5.3, protocol version 3): chunk
 * {@code i} is the bytes {@code [i * chunkSize, min((i + 1) * chunkSize, size))}, so every chunk but the last holds
 * {@code chunkSize} bytes and the last holds the rest; a file of 0 to {@code chunkSize} bytes is one chunk (an empty
 * file, one empty chunk). {@link ChunkHasher} computes them.
 *
 * @param chunkSize bytes of every chunk but the last, positive
 * @param digests   lower-case hex SHA-256 of each chunk, in order
 */
public record ChunkDigests(int chunkSize, List<String> digests) {
  /**
   * torchfeed's chunk size, 8 MiB: a 100 GB model is 12,800 chunks, about 850 KB of hex in its manifest; a chunk
   * is large enough that hashing it costs far more than its bookkeeping, and small enough that a resumed download
   * re-sends little and that every core has a chunk to check soon after a download starts.
   */
  public static final int DEFAULT_SIZE = 8 * 1024 * 1024;

  private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

  public ChunkDigests {
    if (chunkSize <= 0) {
      throw new IllegalArgumentException("chunkSize " + chunkSize + " is not positive");
    }
    digests = List.copyOf(digests);
    for (int i = 0; i < digests.size(); i++) {
      if (!HEX.matcher(digests.get(i)).matches()) {
        throw new IllegalArgumentException("chunk " + i + "'s digest is not 64 lower-case hex digits");
      }
    }
  }

  /** How many chunks a file of {@code size} bytes has in chunks of {@code chunkSize}: at least one. */
  public static long count(long size, int chunkSize) {
    return size == 0 ? 1 : (size - 1) / chunkSize + 1;
  }

  /**
   * Checks that these can be the chunks of a file of {@code size} bytes.
   *
   * @throws IllegalArgumentException when their number is not {@link #count(long, int)}'s
   */
  public void checkFits(long size) {
    long expected = count(size, chunkSize);
    if (digests.size() != expected) {
      throw new IllegalArgumentException(digests.size() + " chunk digests for a file of " + size + " bytes in "
          + "chunks of " + chunkSize + ", which has " + expected);
    }
  }
}
