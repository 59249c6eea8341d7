package io.torchfeed.transport.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ContentHandlerTest {
  private static final String ETAG = "\"abc\"";

  @Test
  void ifNoneMatchComparesWeaklyAndAcceptsListsAndStar() {
    assertTrue(ContentHandler.matchesAny("\"abc\"", ETAG));
    assertTrue(ContentHandler.matchesAny("W/\"abc\"", ETAG));
    assertTrue(ContentHandler.matchesAny("\"x\", \"abc\"", ETAG));
    assertTrue(ContentHandler.matchesAny("*", ETAG));
    assertFalse(ContentHandler.matchesAny(null, ETAG));
    assertFalse(ContentHandler.matchesAny("\"abcd\"", ETAG));
    assertFalse(ContentHandler.matchesAny("abc", ETAG));
  }
}
