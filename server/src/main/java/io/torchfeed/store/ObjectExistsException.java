package io.torchfeed.store;

import io.torchfeed.model.TorchfeedException;

/**
 * The object a write was to create exists already (a put-if-absent refused: HTTP 412, or 409
 * ConditionalRequestConflict).
 */
public class ObjectExistsException extends TorchfeedException {
  private static final long serialVersionUID = 1L;

  public ObjectExistsException(String message) {
    super(message);
  }
}
