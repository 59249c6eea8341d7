package io.torchfeed.transport.http;

import java.util.Map;

/**
 * A request refused by the HTTP layer itself: routing, authentication, size and range limits, readiness. The
 * domain never throws it; {@link ErrorMapper} turns it into its status, with its extra headers.
 */
final class HttpException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final transient Map<String, String> headers;

  private HttpException(int status, String message, Map<String, String> headers) {
    super(message);
    this.status = status;
    this.headers = Map.copyOf(headers);
  }

  int status() {
    return status;
  }

  Map<String, String> headers() {
    return headers;
  }

  static HttpException badRequest(String message) {
    return new HttpException(400, message, Map.of());
  }

  static HttpException unauthorized(String message) {
    return new HttpException(401, message, Map.of("WWW-Authenticate", "Bearer realm=\"torchfeed\""));
  }

  static HttpException forbidden(String message) {
    return new HttpException(403, message, Map.of());
  }

  static HttpException notFound(String message) {
    return new HttpException(404, message, Map.of());
  }

  static HttpException methodNotAllowed(String message, String allow) {
    return new HttpException(405, message, Map.of("Allow", allow));
  }

  static HttpException tooLarge(String message) {
    return new HttpException(413, message, Map.of());
  }

  static HttpException rangeNotSatisfiable(long size) {
    return new HttpException(416, "the range is outside the file's " + size + " bytes",
        Map.of("Content-Range", "bytes */" + size));
  }

  static HttpException unavailable(String message) {
    return new HttpException(503, message, Map.of("Retry-After", "5"));
  }
}
