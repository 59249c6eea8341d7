package io.torchfeed.client.libtorch;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns multi-line messages (LibTorch errors with C++ stack traces, process output) into the one-line
 * reasons users see. The full text belongs in the log, not here.
 */
final class Reasons {
  static final int MAX_LENGTH = 300;

  /** {@code [enforce fail at inline_container.cc:180] . } in front of CAFFE_ENFORCE messages. */
  private static final Pattern ENFORCE_PREFIX = Pattern.compile("^\\[enforce fail at [^]]*]\\s*\\.?\\s*");
  /** The boilerplate TORCH_CHECK appends to conditions that have no message of their own. */
  private static final Pattern IMPROVE_SUFFIX =
      Pattern.compile("\\s*\\(Could this error message be improved\\?.*$");
  private static final Pattern CONTROL = Pattern.compile("\\p{Cntrl}");
  private static final Pattern SPACES = Pattern.compile("\\s{2,}");
  /** The first line of an error raised while the TorchScript interpreter ran a method. */
  private static final String INTERPRETER = "The following operation failed in the TorchScript interpreter.";
  /** The line after the TorchScript traceback that holds the error itself: {@code RuntimeError: ...}. */
  private static final Pattern RAISED = Pattern.compile("[A-Za-z_.]*(?:Error|Exception): (.*\\S.*)");

  private Reasons() {}

  /** The first non-blank line of a LibTorch message, without C++ boilerplate; never null or empty. */
  static String firstLine(String message) {
    String line = message == null ? "" : message.lines()
        .map(String::strip)
        .filter(l -> !l.isEmpty())
        .findFirst()
        .orElse("");
    line = ENFORCE_PREFIX.matcher(line).replaceFirst("");
    line = IMPROVE_SUFFIX.matcher(line).replaceFirst("");
    return oneLine(line);
  }

  /**
   * Like {@link #firstLine}, except for an error raised inside TorchScript code, whose first line only says so
   * and is followed by a TorchScript traceback: then the error after the traceback, without its
   * {@code RuntimeError: } prefix, e.g. {@code expected scalar type Long but found Float}.
   */
  static String raisedError(String message) {
    if (message != null && message.strip().startsWith(INTERPRETER)) {
      List<String> lines = message.lines().map(String::strip).toList();
      for (String line : lines.subList(1, lines.size())) {
        Matcher m = RAISED.matcher(line);
        if (m.matches()) {
          return firstLine(m.group(1));
        }
      }
    }
    return firstLine(message);
  }

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
