package io.torchfeed.client;

/**
 * The connection to a server could not be opened or was lost: refused, reset, closed, timed out. Another replica
 * may still answer ({@link Replicas}); a protocol error, a refused TLS handshake or a checksum mismatch is not
 * one of these.
 */
public class ConnectionFailedException extends ClientException {
  private static final long serialVersionUID = 1L;

  public ConnectionFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
