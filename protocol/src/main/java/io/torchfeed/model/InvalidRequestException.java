package io.torchfeed.model;

/** A request that cannot be answered as asked: a bad name, version or range. */
public class InvalidRequestException extends TorchfeedException {
  private static final long serialVersionUID = 1L;

  public InvalidRequestException(String message) {
    super(message);
  }
}
