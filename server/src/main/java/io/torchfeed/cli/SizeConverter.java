package io.torchfeed.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** Parses a size in bytes: {@code 1048576}, or with a binary unit: {@code 512KiB}, {@code 64MiB}, {@code 4GiB}. */
public final class SizeConverter implements CommandLine.ITypeConverter<Long> {
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(|B|KiB|MiB|GiB|TiB)", Pattern.CASE_INSENSITIVE);

  @Override
  public Long convert(String value) {
    Matcher m = SIZE.matcher(value.trim());
    if (!m.matches()) {
      throw new CommandLine.TypeConversionException("'" + value + "' is not a size (e.g. 1048576, 512MiB, 4GiB)");
    }
    int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
      case "kib" -> 10;
      case "mib" -> 20;
      case "gib" -> 30;
      case "tib" -> 40;
      default -> 0;
    };
    try {
      long n = Long.parseLong(m.group(1));
      if (n <= 0 || Long.numberOfLeadingZeros(n) <= shift) {
        throw new NumberFormatException();
      }
      return n << shift;
    } catch (NumberFormatException e) {
      throw new CommandLine.TypeConversionException("'" + value + "' is not a positive size that fits in 63 bits");
    }
  }
}
