package io.torchfeed.model;

/** Base of torchfeed's domain exceptions; the message is one line meant for a person. */
public abstract class TorchfeedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  protected TorchfeedException(String message) {
    super(message);
  }

  protected TorchfeedException(String message, Throwable cause) {
    super(message, cause);
  }
}
