package io.torchfeed.model;

/** The request conflicts with the repository's state, e.g. deleting a version an alias points at. */
public class ConflictException extends TorchfeedException {
  private static final long serialVersionUID = 1L;

  public ConflictException(String message) {
    super(message);
  }
}
