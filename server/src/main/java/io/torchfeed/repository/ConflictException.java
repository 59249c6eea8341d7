package io.torchfeed.repository;

import io.torchfeed.model.TorchfeedException;

/** The request conflicts with the repository's state, e.g. deleting a version an alias points at. */
public class ConflictException extends TorchfeedException {
  private static final long serialVersionUID = 1L;

  public ConflictException(String message) {
    super(message);
  }
}
