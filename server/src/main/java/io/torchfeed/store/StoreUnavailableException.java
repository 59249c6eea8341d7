package io.torchfeed.store;

import io.torchfeed.model.TorchfeedException;

/**
 * The bucket cannot be used now: unreachable, failing, or refusing the server's credentials. The message is one
 * line: the operation, the object, the endpoint and the S3 client's reason. Replicas keep serving what they have;
 * a write that needs the bucket answers 503 with the message.
 */
public class StoreUnavailableException extends TorchfeedException {
  private static final long serialVersionUID = 1L;

  public StoreUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
