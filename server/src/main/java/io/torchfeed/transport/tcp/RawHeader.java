package io.torchfeed.transport.tcp;

import java.nio.ByteBuffer;

/** What the raw port sends before a model's bytes (docs/protocol.md, section 6). */
public enum RawHeader {
  /** Nothing: the client reads until the socket closes. */
  NONE,
  /** The size as a 4-byte signed big-endian integer, Python's {@code struct.unpack('!i', ...)}. */
  U32,
  /** The size as an 8-byte unsigned big-endian integer. */
  U64;

  public ByteBuffer encode(long size) {
    return switch (this) {
      case NONE -> ByteBuffer.allocate(0);
      case U32 -> {
        if (size > Integer.MAX_VALUE) {
          throw new IllegalArgumentException("a model of " + size + " bytes does not fit a u32 raw header "
              + "(signed, at most 2147483647); use --raw-header u64");
        }
        yield ByteBuffer.allocate(4).putInt(0, (int) size);
      }
      case U64 -> ByteBuffer.allocate(8).putLong(0, size);
    };
  }
}
