package io.torchfeed.client.libtorch;

/**
 * LibTorch failed while running a loaded model, e.g. on an input of the wrong shape. The message is one line,
 * {@code forward failed: } and the first line of LibTorch's error; the cause holds LibTorch's full text with its
 * C++ stack trace.
 */
public class InferenceException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InferenceException(String message, Throwable cause) {
    super(message, cause);
  }
}
