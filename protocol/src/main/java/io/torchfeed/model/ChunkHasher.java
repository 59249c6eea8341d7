package io.torchfeed.model;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Computes a file's {@link ChunkDigests} from its bytes fed in order, in pieces of any size (one read pass can
 * feed it and a whole-file hash alike). Not thread-safe; one file per instance.
 */
public final class ChunkHasher {
  private final int chunkSize;
  private final MessageDigest chunk = sha256();
  private final List<String> digests = new ArrayList<>();
  private int inChunk;

  public ChunkHasher(int chunkSize) {
    if (chunkSize <= 0) {
      throw new IllegalArgumentException("chunkSize " + chunkSize + " is not positive");
    }
    this.chunkSize = chunkSize;
  }

  /** The next {@code length} bytes of the file, from {@code bytes[offset]}. */
  public void update(byte[] bytes, int offset, int length) {
    while (length > 0) {
      int take = Math.min(length, chunkSize - inChunk);
      chunk.update(bytes, offset, take);
      inChunk += take;
      offset += take;
      length -= take;
      if (inChunk == chunkSize) {
        endChunk();
      }
    }
  }

  /** The digests of every byte fed: the last chunk ends here. */
  public ChunkDigests digests() {
    if (inChunk > 0 || digests.isEmpty()) {
      endChunk();
    }
    return new ChunkDigests(chunkSize, digests);
  }

  private void endChunk() {
    digests.add(HexFormat.of().formatHex(chunk.digest()));
    inChunk = 0;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this Java has no SHA-256", e);
    }
  }
}
