package io.torchfeed.transport.http;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class AdminAuthTest {
  private final AdminAuth auth = new AdminAuth(Optional.of("s3cret"));

  private static int status(AdminAuth auth, String header) {
    return assertThrows(HttpException.class, () -> auth.check(header)).status();
  }

  @Test
  void theRightBearerTokenPasses() {
    assertDoesNotThrow(() -> auth.check("Bearer s3cret"));
    assertDoesNotThrow(() -> auth.check("bearer s3cret"), "the scheme is case-insensitive");
  }

  @Test
  void aMissingOrWrongTokenIsUnauthorized() {
    assertEquals(401, status(auth, null));
    assertEquals(401, status(auth, "Bearer"));
    assertEquals(401, status(auth, "Bearer wrong"));
    assertEquals(401, status(auth, "Bearer s3cret2"));
    assertEquals(401, status(auth, "Bearer s3cre"));
    assertEquals(401, status(auth, "Basic czNjcmV0"));
  }

  @Test
  void withoutATokenEveryChangeIsForbidden() {
    AdminAuth readOnly = new AdminAuth(Optional.empty());
    assertFalse(readOnly.enabled());
    assertEquals(403, status(readOnly, "Bearer anything"));
    assertEquals(403, status(readOnly, null));
    assertEquals(403, status(new AdminAuth(Optional.of("")), "Bearer "), "an empty token is no token");
  }
}
