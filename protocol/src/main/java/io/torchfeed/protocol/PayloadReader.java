package io.torchfeed.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;

/**
 * Reads the fields of one payload in order, checking before every read that the bytes are there, and that
 * none are left over at the end. Every failure is a {@link MalformedMessageException} naming the frame type
 * and the field.
 */
final class PayloadReader {
  private final FrameType type;
  private final ByteBuffer in;

  PayloadReader(FrameType type, byte[] payload) {
    this.type = type;
    this.in = ByteBuffer.wrap(payload);
  }

  int u8(String field) {
    need(1, field);
    return in.get() & 0xFF;
  }

  int u16(String field) {
    need(2, field);
    return in.getShort() & 0xFFFF;
  }

  long u32(String field) {
    need(4, field);
    return in.getInt() & 0xFFFF_FFFFL;
  }

  /** A u32 version number, which must fit a positive {@code int} (or be 0). */
  int version(String field) {
    long value = u32(field);
    if (value > Integer.MAX_VALUE) {
      throw malformed(field + " " + value + " is out of range (at most " + Integer.MAX_VALUE + ")");
    }
    return (int) value;
  }

  /** A u64, which must fit a non-negative {@code long}. */
  long u64(String field) {
    need(8, field);
    long value = in.getLong();
    if (value < 0) {
      throw malformed(field + " " + Long.toUnsignedString(value) + " is out of range (at most "
          + Long.MAX_VALUE + ")");
    }
    return value;
  }

  byte[] bytes(int count, String field) {
    need(count, field);
    byte[] bytes = new byte[count];
    in.get(bytes);
    return bytes;
  }

  /** A {@code str}: u16 byte count, then that many bytes of UTF-8. */
  String str(String field) {
    return utf8(bytes(u16(field + " length"), field), field);
  }

  /** A {@code json} field's bytes (u32 byte count, then that many bytes), not yet parsed. */
  byte[] jsonBytes(String field) {
    long length = u32(field + " length");
    need(length, field);
    return bytes((int) length, field);
  }

  /** The rest of the payload's bytes. */
  byte[] rest(String field) {
    return bytes(in.remaining(), field);
  }

  /** Parses {@code bytes} (read from this payload as {@code field}) as one JSON document. */
  <T> T parse(byte[] bytes, Class<T> documentType, String field) {
    return Json.read(utf8(bytes, field), documentType, where() + ("document".equals(field) ? "" : ": " + field));
  }

  /** The rest of the payload as one JSON document. */
  <T> T jsonDocument(Class<T> documentType) {
    return Json.read(utf8(bytes(in.remaining(), "document"), "document"), documentType, where());
  }

  /** The rest of the payload as UTF-8 text. */
  String text(String field) {
    return utf8(bytes(in.remaining(), field), field);
  }

  /** Checks that the whole payload was read. */
  void end() {
    if (in.hasRemaining()) {
      int n = in.remaining();
      throw malformed(n + (n == 1 ? " trailing byte" : " trailing bytes") + " after the last field");
    }
  }

  MalformedMessageException malformed(String detail) {
    return new MalformedMessageException(where() + ": " + detail);
  }

  private void need(long count, String field) {
    if (in.remaining() < count) {
      throw malformed("payload too short: " + field + " needs " + count + " bytes, " + in.remaining()
          + " left");
    }
  }

  private String utf8(byte[] bytes, String field) {
    try {
      return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw malformed(field + " is not valid UTF-8");
    }
  }

  private String where() {
    return "malformed " + type + " payload";
  }
}
