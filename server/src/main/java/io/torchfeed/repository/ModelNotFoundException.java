package io.torchfeed.repository;

import io.torchfeed.model.TorchfeedException;

/** No such model or version is being served. */
public class ModelNotFoundException extends TorchfeedException {
  private static final long serialVersionUID = 1L;

  public ModelNotFoundException(String message) {
    super(message);
  }
}
