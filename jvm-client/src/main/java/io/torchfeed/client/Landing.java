package io.torchfeed.client;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;

/**
 * Where a download's bytes are kept as they arrive, in order: a buffer in memory or a file. Bytes in place can be
 * read back from any thread ({@link ChunkCheck.Source}) while later ones are written; the receiving thread alone
 * writes and truncates.
 */
interface Landing extends ChunkCheck.Source {
  /** How many bytes are in place. */
  long size();

  /** The next bytes. */
  void write(byte[] bytes, int offset, int length) throws IOException;

  /** Keeps the first {@code size} bytes only; the next write goes after them. */
  void truncate(long size) throws IOException;

  /** Into a direct buffer sized from the manifest (MemoryDownload). */
  static Landing of(ByteBuffer buffer) {
    return new Landing() {
      @Override
      public long size() {
        return buffer.position();
      }

      @Override
      public void write(byte[] bytes, int offset, int length) {
        if (length > buffer.remaining()) {
          throw new ClientException("the server sent more bytes than its manifest announced");
        }
        buffer.put(bytes, offset, length);
      }

      @Override
      public void truncate(long size) {
        buffer.position((int) size);
      }

      @Override
      public void read(long offset, int length, MessageDigest digest) {
        digest.update(buffer.slice((int) offset, length));
      }
    };
  }

  /** Into an open file, of which the first {@code kept} bytes are kept (FileDownload's .part, ScratchFile). */
  static Landing of(FileChannel channel, long kept) throws IOException {
    channel.truncate(kept);
    return new Landing() {
      private long size = kept;

      @Override
      public long size() {
        return size;
      }

      @Override
      public void write(byte[] bytes, int offset, int length) throws IOException {
        ByteBuffer source = ByteBuffer.wrap(bytes, offset, length);
        while (source.hasRemaining()) {
          size += channel.write(source, size);
        }
      }

      @Override
      public void truncate(long size) throws IOException {
        channel.truncate(size);
        this.size = size;
      }

      @Override
      public void read(long offset, int length, MessageDigest digest) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(Math.min(length, 1 << 20));
        for (long at = offset, end = offset + length; at < end; ) {
          buffer.clear().limit((int) Math.min(buffer.capacity(), end - at));
          int n = channel.read(buffer, at);
          if (n < 0) {
            throw new IOException("the file ends at " + at + ", before the bytes written");
          }
          digest.update(buffer.flip());
          at += n;
        }
      }
    };
  }
}
