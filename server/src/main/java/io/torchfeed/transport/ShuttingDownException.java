package io.torchfeed.transport;

/**
 * A request that arrived after the server began to stop ({@link Drain#stop()}): TCP answers it with a fatal ERROR
 * UNAVAILABLE, HTTP with 503 and a close, so the client goes to another replica at once.
 */
public final class ShuttingDownException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The message every client of a stopping server gets, on every transport. */
  public static final String MESSAGE = "server shutting down: reconnect to another replica";

  public ShuttingDownException() {
    super(MESSAGE);
  }
}
