package io.torchfeed.validation;


/**
 * The worker crashed or timed out on a file. The file is rejected, but the verdict may not repeat (memory
 * pressure, a busy machine), so it is not remembered in the manifest cache: the next scan tries again.
 */
public final class ValidatorFailureException extends ModelRejectedException {
  private static final long serialVersionUID = 1L;

  public ValidatorFailureException(String reason) {
    super(reason);
  }
}
