package io.torchfeed.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class DurationConverterTest {
  private final DurationConverter converter = new DurationConverter();

  @Test
  void parsesShortAndIsoForms() {
    assertEquals(Duration.ofMillis(250), converter.convert("250ms"));
    assertEquals(Duration.ofSeconds(30), converter.convert("30s"));
    assertEquals(Duration.ofMinutes(5), converter.convert("5m"));
    assertEquals(Duration.ofHours(2), converter.convert("2h"));
    assertEquals(Duration.ofSeconds(90), converter.convert("PT1M30S"));
    assertThrows(CommandLine.TypeConversionException.class, () -> converter.convert("soon"));
  }
}
