package io.torchfeed.protocol;

import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes the fields of one payload, big-endian, behind room for the frame header, which {@link #toFrame}
 * fills in. A value the layout cannot hold is an {@link IllegalArgumentException}: a bug of the sender.
 */
final class PayloadWriter {
  private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

  private byte[] buf = new byte[128];
  private int pos = Protocol.HEADER_LENGTH;

  PayloadWriter u8(int value) {
    return unsigned(value, 1, "u8");
  }

  PayloadWriter u16(int value) {
    return unsigned(value, 2, "u16");
  }

  PayloadWriter u32(long value) {
    return unsigned(value, 4, "u32");
  }

  PayloadWriter u64(long value) {
    return unsigned(value, 8, "u64");
  }

  PayloadWriter bytes(byte[] bytes) {
    ensure(bytes.length);
    System.arraycopy(bytes, 0, buf, pos, bytes.length);
    pos += bytes.length;
    return this;
  }

  /** A {@code str}: u16 byte count, then the UTF-8 bytes. */
  PayloadWriter str(String field, String value) {
    byte[] utf8 = utf8(field, value);
    if (utf8.length > Protocol.MAX_STRING_BYTES) {
      throw new IllegalArgumentException(field + " is " + utf8.length
          + " bytes of UTF-8; a str holds at most " + Protocol.MAX_STRING_BYTES);
    }
    return u16(utf8.length).bytes(utf8);
  }

  /** A {@code json} field from the document's bytes as they are. */
  PayloadWriter jsonBytes(byte[] utf8) {
    return u32(utf8.length).bytes(utf8);
  }

  /** The document as the whole payload. */
  PayloadWriter jsonDocument(Object document) {
    return bytes(Json.write(document));
  }

  /** The complete frame: type, payload length, payload. */
  byte[] toFrame(FrameType type) {
    byte[] frame = Arrays.copyOf(buf, pos);
    frame[0] = (byte) type.code();
    put(frame, 1, pos - Protocol.HEADER_LENGTH, 4);
    return frame;
  }

  private PayloadWriter unsigned(long value, int size, String kind) {
    if (value < 0 || (size < 8 && value >>> (8 * size) != 0)) {
      throw new IllegalArgumentException(value + " does not fit a " + kind);
    }
    ensure(size);
    put(buf, pos, value, size);
    pos += size;
    return this;
  }

  private static void put(byte[] into, int at, long value, int size) {
    for (int i = size - 1; i >= 0; i--) {
      into[at + i] = (byte) value;
      value >>>= 8;
    }
  }

  private void ensure(int more) {
    long needed = (long) pos + more;
    if (needed > MAX_ARRAY) {
      throw new IllegalArgumentException("frame of " + needed + " bytes is too large to build");
    }
    if (needed > buf.length) {
      buf = Arrays.copyOf(buf, (int) Math.min(MAX_ARRAY, Math.max(2L * buf.length, needed)));
    }
  }

  private static byte[] utf8(String field, String value) {
    try {
      var encoded = StandardCharsets.UTF_8.newEncoder().encode(CharBuffer.wrap(value));
      return Arrays.copyOf(encoded.array(), encoded.limit());
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(field + " is not valid Unicode (an unpaired surrogate)", e);
    }
  }
}
