package io.torchfeed.store;

import io.torchfeed.model.TorchfeedException;

/** No object has the key read. */
public class ObjectNotFoundException extends TorchfeedException {
  private static final long serialVersionUID = 1L;

  public ObjectNotFoundException(String message) {
    super(message);
  }
}
