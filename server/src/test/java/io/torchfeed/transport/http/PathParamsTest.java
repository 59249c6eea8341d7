package io.torchfeed.transport.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.model.InvalidRequestException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PathParamsTest {
  private static final String HEX = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

  @Test
  void aSha256DigestIsItsHex() {
    assertEquals(HEX, PathParams.sha256("sha256:" + HEX));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "sha256:", "sha256", HEX, "SHA256:" + HEX, "sha512:" + HEX, "sha256:" + HEX + "0",
      "sha256:0123", "sha256: " + HEX, "sha256:" + HEX + "\n", "sha256:0123456789ABCDEF0123456789abcdef"
      + "0123456789abcdef0123456789abcdef", "sha256:g123456789abcdef0123456789abcdef0123456789abcdef"
      + "0123456789abcdef"})
  void anythingElseIsABadRequest(String digest) {
    assertThrows(InvalidRequestException.class, () -> PathParams.sha256(digest));
  }

  @Test
  void aBadDigestIsShownOnOneLineAndShort() {
    String message = assertThrows(InvalidRequestException.class,
        () -> PathParams.sha256("sha256:\n" + "x".repeat(500))).getMessage();
    assertFalse(message.contains("\n"), message);
    assertTrue(message.length() < 200, message);
  }
}
