package io.torchfeed.validation;

import io.torchfeed.model.TorchfeedException;

/** A model file failed validation; the message is the one-line reason shown to users. */
public class ModelRejectedException extends TorchfeedException {
  private static final long serialVersionUID = 1L;

  public ModelRejectedException(String reason) {
    super(reason);
  }

  public ModelRejectedException(String reason, Throwable cause) {
    super(reason, cause);
  }
}
