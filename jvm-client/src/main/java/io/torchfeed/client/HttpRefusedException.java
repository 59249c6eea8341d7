package io.torchfeed.client;

/**
 * A request the server's HTTP API answered with an error status: the status, the error's type (e.g.
 * {@code UNPROCESSABLE}, {@code FORBIDDEN}, docs/http.md) and its message, the reason in the server's words.
 */
public final class HttpRefusedException extends ClientException {
  private static final long serialVersionUID = 1L;
  private final int status;
  private final String type;

  public HttpRefusedException(int status, String type, String reason) {
    super(type + " (HTTP " + status + "): " + reason);
    this.status = status;
    this.type = type;
  }

  public int status() {
    return status;
  }

  public String type() {
    return type;
  }
}
