package io.torchfeed.store;

import io.torchfeed.model.TorchfeedException;

/** The object a write was to replace has changed or is gone since its ETag was read (a put-if-match refused). */
public class EtagMismatchException extends TorchfeedException {
  private static final long serialVersionUID = 1L;

  public EtagMismatchException(String message) {
    super(message);
  }
}
