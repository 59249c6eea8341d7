package io.torchfeed.transport.http;

import java.util.Optional;

/**
 * One range of bytes of a file, from a {@code Range} header (RFC 9110, section 14.2): {@code bytes=a-b},
 * {@code bytes=a-} or {@code bytes=-n} (the last n bytes). As the RFC allows, a header that is not a single
 * valid byte range (another unit, several ranges, {@code b < a}, garbage) is ignored and the whole file is sent.
 *
 * @param first offset of the first byte
 * @param last  offset of the last byte (inclusive)
 */
record ByteRange(long first, long last) {
  long length() {
    return last - first + 1;
  }

  /** {@code Content-Range} of this range of a file of {@code size} bytes. */
  String contentRange(long size) {
    return "bytes " + first + "-" + last + "/" + size;
  }

  /**
   * The range {@code header} asks for in a file of {@code size} bytes: empty for the whole file.
   *
   * @throws HttpException 416 if the range is valid but outside the file
   */
  static Optional<ByteRange> parse(String header, long size) {
    if (header == null || !header.regionMatches(true, 0, "bytes=", 0, 6)) {
      return Optional.empty();
    }
    String spec = header.substring(6).strip();
    int dash = spec.indexOf('-');
    if (dash < 0 || spec.indexOf(',') >= 0) {
      return Optional.empty();
    }
    String from = spec.substring(0, dash).strip();
    String to = spec.substring(dash + 1).strip();
    if (from.isEmpty()) {
      return digits(to) ? Optional.of(suffix(number(to), size)) : Optional.empty();
    }
    if (!digits(from) || !to.isEmpty() && !digits(to)) {
      return Optional.empty();
    }
    long first = number(from);
    long last = to.isEmpty() ? Long.MAX_VALUE : number(to);
    if (last < first) {
      return Optional.empty();
    }
    if (first >= size) {
      throw HttpException.rangeNotSatisfiable(size);
    }
    return Optional.of(new ByteRange(first, Math.min(last, size - 1)));
  }

  /** The last {@code n} bytes (all of them if the file is shorter). */
  private static ByteRange suffix(long n, long size) {
    if (n == 0 || size == 0) {
      throw HttpException.rangeNotSatisfiable(size);
    }
    return new ByteRange(Math.max(0, size - n), size - 1);
  }

  private static boolean digits(String text) {
    return !text.isEmpty() && text.chars().allMatch(c -> c >= '0' && c <= '9');
  }

  /** The decimal number; {@link Long#MAX_VALUE} if it is larger. */
  private static long number(String digits) {
    try {
      return Long.parseLong(digits);
    } catch (NumberFormatException e) {
      return Long.MAX_VALUE;
    }
  }
}
