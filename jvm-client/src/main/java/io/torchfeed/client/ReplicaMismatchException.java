package io.torchfeed.client;

/**
 * A transfer resumed on another server of a {@link Replicas} list was announced another sha256 for the same model
 * version than the one it started with: the replicas do not hold the same file. Not retried; the message names
 * both servers.
 */
public class ReplicaMismatchException extends ClientException {
  private static final long serialVersionUID = 1L;

  public ReplicaMismatchException(String message) {
    super(message);
  }
}
