package io.torchfeed.store;

import io.torchfeed.model.TorchfeedException;

/** A blob's bytes, as downloaded, do not hash to the sha256 its key names: the object was altered in the bucket. */
public class BlobCorruptException extends TorchfeedException {
  private static final long serialVersionUID = 1L;

  public BlobCorruptException(String message) {
    super(message);
  }
}
