package io.torchfeed.client.libtorch;

/**
 * LibTorch could not load a model file, or lists a tensor torchfeed cannot describe. The message is one line,
 * e.g. {@code torch::jit::load failed: PytorchStreamReader failed locating file constants.pkl: file not found};
 * the cause, when there is one, holds LibTorch's full text with its C++ stack trace.
 */
public class LoadException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public LoadException(String message) {
    super(message);
  }

  public LoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
