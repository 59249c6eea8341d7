package io.torchfeed.store;

import io.torchfeed.model.TorchfeedException;

/** An object in the bucket is not the document its key says (not JSON, wrong fields, another model's record). */
public class UnreadableObjectException extends TorchfeedException {
  private static final long serialVersionUID = 1L;

  public UnreadableObjectException(String message) {
    super(message);
  }
}
