package io.torchfeed.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ModelIdTest {
  @Test
  void parsesNameAndOptionalVersion() {
    assertEquals(new ModelId("toynet", 0), ModelId.parse("toynet"));
    assertTrue(ModelId.parse("toynet").isLatest());
    assertEquals(new ModelId("resnet-50.v2", 12), ModelId.parse("resnet-50.v2:12"));
    assertEquals("toynet:3", ModelId.parse("toynet:3").toString());
  }

  @Test
  void rejectsBadNamesAndVersions() {
    for (String bad : new String[] {"", ".hidden", "../etc", "a/b", "a b", "x".repeat(129), "na\0me"}) {
      assertFalse(ModelId.isValidName(bad), bad);
      assertThrows(InvalidRequestException.class, () -> ModelId.parse(bad));
    }
    assertTrue(ModelId.isValidName("x".repeat(128)));
    for (String bad : new String[] {"toynet:0", "toynet:-1", "toynet:x", "toynet:", "toynet:99999999999"}) {
      InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> ModelId.parse(bad));
      assertFalse(e.getMessage().contains("\n"));
    }
  }

  @Test
  void controlCharactersAreEscapedInMessages() {
    InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> new ModelId("a\nb", 1));
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
  }
}
