package io.torchfeed.validation;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

/**
 * Little-endian reads of small structures (zip headers) at given offsets of a file, through a window of a few
 * KiB so that a central directory read entry by entry costs one system call per window, not one per field.
 * Callers check that what they read lies inside the file first (they reject a file with a specific reason);
 * a read outside it is a bug and throws {@link IllegalArgumentException}.
 */
final class ArchiveReader {
  /** The most one read may ask for: a name, an extra field or a comment (u16 lengths). */
  static final int MAX_READ = 0xFFFF;
  private static final int READ_AHEAD = 8 * 1024;

  private final FileChannel channel;
  private final long size;
  private final ByteBuffer window = ByteBuffer.allocate(MAX_READ + READ_AHEAD).order(ByteOrder.LITTLE_ENDIAN);
  private long windowStart;
  private int windowLength;

  ArchiveReader(FileChannel channel, long size) {
    this.channel = channel;
    this.size = size;
  }

  long size() {
    return size;
  }

  /** {@code length} bytes at {@code position}, as a little-endian buffer positioned at 0. */
  ByteBuffer read(long position, int length) throws IOException {
    if (length < 0 || length > MAX_READ || position < 0 || position > size - length) {
      throw new IllegalArgumentException("read of " + length + " bytes at " + position + " in a file of "
          + size + " bytes");
    }
    if (position < windowStart || position + length > windowStart + windowLength) {
      fill(position, (int) Math.min(size - position, Math.max(length, READ_AHEAD)));
    }
    int from = (int) (position - windowStart);
    return window.duplicate().position(from).limit(from + length).slice().order(ByteOrder.LITTLE_ENDIAN);
  }

  /** The bytes of {@link #read} as an array. */
  byte[] bytes(long position, int length) throws IOException {
    byte[] out = new byte[length];
    read(position, length).get(out);
    return out;
  }

  private void fill(long position, int length) throws IOException {
    window.clear().limit(length);
    while (window.hasRemaining()) {
      if (channel.read(window, position + window.position()) < 0) {
        windowLength = 0;
        throw new IOException("the file shrank while it was being read");
      }
    }
    windowStart = position;
    windowLength = length;
  }
}
