package io.torchfeed.transport.http;

import io.undertow.server.HttpHandler;
import io.undertow.util.Headers;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * The bearer token of the mutating endpoints. With no token configured every one of them is 403 (the server is
 * read-only); a missing or wrong token is 401. Tokens are compared as SHA-256 digests with
 * {@link MessageDigest#isEqual}, so the time taken says nothing about the token, not even its length.
 */
final class AdminAuth {
  private static final String SCHEME = "Bearer ";

  private final Optional<byte[]> expected;

  AdminAuth(Optional<String> token) {
    this.expected = token.filter(t -> !t.isEmpty()).map(AdminAuth::digest);
  }

  boolean enabled() {
    return expected.isPresent();
  }

  /** {@code next}, behind the token check. */
  HttpHandler require(HttpHandler next) {
    return exchange -> {
      check(exchange.getRequestHeaders().getFirst(Headers.AUTHORIZATION));
      next.handleRequest(exchange);
    };
  }

  /** Checks an {@code Authorization} header (null if absent). */
  void check(String authorization) {
    if (expected.isEmpty()) {
      throw HttpException.forbidden("this server is read-only: start it with --admin-token (or "
          + "TORCHFEED_ADMIN_TOKEN) to allow changes");
    }
    if (authorization == null || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
      throw HttpException.unauthorized("this endpoint needs the header Authorization: Bearer <admin token>");
    }
    byte[] given = digest(authorization.substring(SCHEME.length()).strip());
    if (!MessageDigest.isEqual(expected.get(), given)) {
      throw HttpException.unauthorized("wrong admin token");
    }
  }

  private static byte[] digest(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
