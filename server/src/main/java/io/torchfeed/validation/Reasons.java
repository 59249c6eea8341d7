package io.torchfeed.validation;

import java.util.regex.Pattern;

/**
 * Turns multi-line messages (process output, exceptions) into the one-line reasons users see. The full text
 * belongs in the log, not here. (LibTorch's own errors are cleaned up by the LibTorch boundary,
 * {@code io.torchfeed.client.libtorch.LibTorch}.)
 */
final class Reasons {
  static final int MAX_LENGTH = 300;

  private static final Pattern CONTROL = Pattern.compile("\\p{Cntrl}");
  private static final Pattern SPACES = Pattern.compile("\\s{2,}");

  private Reasons() {}

  /** Any text as one printable line of at most {@value #MAX_LENGTH} characters; never null or empty. */
  static String oneLine(String text) {
    String line = text == null ? "" : CONTROL.matcher(text).replaceAll(" ");
    line = SPACES.matcher(line.strip()).replaceAll(" ");
    if (line.isEmpty()) {
      return "unknown error";
    }
    return line.length() <= MAX_LENGTH ? line : line.substring(0, MAX_LENGTH - 3) + "...";
  }
}
