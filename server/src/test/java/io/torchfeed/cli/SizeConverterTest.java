package io.torchfeed.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

class SizeConverterTest {
  private final SizeConverter converter = new SizeConverter();

  @Test
  void parsesBytesAndBinaryUnits() {
    assertEquals(1048576L, converter.convert("1048576"));
    assertEquals(100L, converter.convert("100B"));
    assertEquals(512L * 1024, converter.convert("512KiB"));
    assertEquals(64L << 20, converter.convert("64MiB"));
    assertEquals(4L << 30, converter.convert("4GiB"));
    assertEquals(4L << 30, converter.convert(" 4 gib "));
    assertEquals(2L << 40, converter.convert("2TiB"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "0", "-1", "4GB", "1.5GiB", "lots", "99999999999999999999", "9000000TiB"})
  void refusesAnythingElse(String text) {
    assertThrows(CommandLine.TypeConversionException.class, () -> converter.convert(text));
  }
}
