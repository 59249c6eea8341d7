package io.torchfeed.model;

import java.util.regex.Pattern;

/**
 * A model name and a version; version 0 means "the latest". Parsed from {@code NAME[:VERSION]}.
 */
public record ModelId(String name, int version) {
  public static final int LATEST = 0;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  public ModelId {
    if (!isValidName(name)) {
      throw new InvalidRequestException("invalid model name '" + printable(name)
          + "': use 1-128 of A-Z a-z 0-9 . _ - starting with a letter or digit");
    }
    if (version < 0) {
      throw new InvalidRequestException("invalid version " + Integer.toUnsignedString(version));
    }
  }

  public static boolean isValidName(String name) {
    return name != null && NAME.matcher(name).matches();
  }

  /** Parses {@code NAME} or {@code NAME:VERSION}. */
  public static ModelId parse(String text) {
    int colon = text.lastIndexOf(':');
    if (colon < 0) {
      return new ModelId(text, LATEST);
    }
    String version = text.substring(colon + 1);
    try {
      int v = Integer.parseInt(version);
      if (v <= 0) {
        throw new NumberFormatException();
      }
      return new ModelId(text.substring(0, colon), v);
    } catch (NumberFormatException e) {
      throw new InvalidRequestException("invalid version '" + printable(version) + "' in '"
          + printable(text) + "': expected a positive integer");
    }
  }

  public boolean isLatest() {
    return version == LATEST;
  }

  @Override
  public String toString() {
    return isLatest() ? name : name + ":" + version;
  }

  private static String printable(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder();
    s.codePoints().limit(140).forEach(c -> {
      if (c < 0x20 || c == 0x7f) {
        out.append(String.format("\\x%02x", c));
      } else {
        out.appendCodePoint(c);
      }
    });
    return out.toString();
  }
}
