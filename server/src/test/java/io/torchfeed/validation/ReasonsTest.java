package io.torchfeed.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ReasonsTest {
  @Test
  void neverEmptyNeverMultiLineNeverLong() {
    assertEquals("unknown error", Reasons.oneLine(null));
    assertEquals("unknown error", Reasons.oneLine(" \n\t\n"));
    assertEquals("a b c", Reasons.oneLine("a\tb\u0000 c\r"));
    String longLine = Reasons.oneLine("x".repeat(1000));
    assertEquals(Reasons.MAX_LENGTH, longLine.length());
    assertTrue(longLine.endsWith("..."));
  }
}
