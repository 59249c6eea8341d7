package io.torchfeed.validation;

import java.nio.charset.StandardCharsets;

/**
 * One record of a zip archive as its central directory describes it, and, once the local header has been
 * checked, where its data is.
 *
 * @param name           the name's bytes as ISO-8859-1 characters, one char per byte, so that comparing names
 *                       compares bytes; {@link #shown()} decodes it as UTF-8 for messages
 * @param flags          the general-purpose bit flags
 * @param method         0 stored, 8 deflated
 * @param crc            CRC-32 of the uncompressed bytes
 * @param compressedSize bytes in the file
 * @param size           uncompressed bytes
 * @param localOffset    where its local header starts
 * @param dataOffset     where its data starts, or -1 before the local header has been read
 */
record ZipRecord(String name, int flags, int method, int crc, long compressedSize, long size, long localOffset,
    long dataOffset) {
  static final int STORED = 0;
  static final int DEFLATED = 8;
  private static final int MAX_SHOWN = 80;

  ZipRecord withData(long offset) {
    return new ZipRecord(name, flags, method, crc, compressedSize, size, localOffset, offset);
  }

  byte[] nameBytes() {
    return name.getBytes(StandardCharsets.ISO_8859_1);
  }

  /** The name for a message: quoted, decoded as UTF-8, control characters as '?', at most 80 characters. */
  String shown() {
    return shown(name);
  }

  static String shown(String name) {
    String text = new String(name.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8)
        .replaceAll("\\p{Cntrl}", "?");
    return "'" + (text.length() <= MAX_SHOWN ? text : text.substring(0, MAX_SHOWN) + "...") + "'";
  }
}
