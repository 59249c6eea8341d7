package io.torchfeed.signing;

import io.torchfeed.model.TorchfeedException;

/** A key file that cannot be used: missing, unreadable, not PEM, not an Ed25519 key of the expected kind. */
public final class SigningKeyException extends TorchfeedException {
  private static final long serialVersionUID = 1L;

  public SigningKeyException(String message) {
    super(message);
  }

  public SigningKeyException(String message, Throwable cause) {
    super(message, cause);
  }
}
