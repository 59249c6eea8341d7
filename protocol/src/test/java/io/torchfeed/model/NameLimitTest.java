package io.torchfeed.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class NameLimitTest {
  @Test
  void namesAndAliasesUpToTheLimitPass() {
    NameLimit limit = new NameLimit(8);
    ModelId id = ModelId.parse("eightchr@stable123");
    assertThrows(InvalidRequestException.class, () -> limit.check(id));
    ModelId within = ModelId.parse("eightchr@stable12");
    assertSame(within, limit.check(within));
    assertEquals("a", limit.check("alias", "a"));
  }

  @Test
  void aLongerNameIsRefusedInOneLineNamingTheLimit() {
    NameLimit limit = new NameLimit(8);
    assertEquals("invalid model name 'ninechars': 9 characters, at most 8 are allowed on this server",
        assertThrows(InvalidRequestException.class, () -> limit.check(new ModelId("ninechars", 0))).getMessage());
    assertEquals("invalid alias 'abcdefghijklmnop...': 20 characters, at most 8 are allowed on this server",
        assertThrows(InvalidRequestException.class,
            () -> limit.check(new ModelId("m", 0, "abcdefghijklmnopqrst"))).getMessage());
  }

  @Test
  void theLimitIsOneToTheProtocolsMaximum() {
    assertEquals(ModelId.MAX_NAME_LENGTH, NameLimit.PROTOCOL.max());
    assertEquals("the name length limit must be 1 to 128, not 0",
        assertThrows(IllegalArgumentException.class, () -> new NameLimit(0)).getMessage());
    assertThrows(IllegalArgumentException.class, () -> new NameLimit(ModelId.MAX_NAME_LENGTH + 1));
  }
}
