package io.torchfeed.validation;

import io.torchfeed.model.ModuleInfo;
import java.nio.file.Path;

/** Decides whether a model file can be served, and describes it if so. Safe for concurrent callers. */
public interface Validator extends AutoCloseable {
  /**
   * Loads the TorchScript module in {@code file} with LibTorch and lists its parameters and buffers.
   *
   * @throws ModelRejectedException with a one-line reason if the file cannot be loaded, including when
   *     loading it crashed the validator or took too long
   * @throws ValidatorUnavailableException if the validator itself cannot work (it cannot be started, or was
   *     closed or interrupted meanwhile); the file's fate is unknown, try again later
   * @throws IllegalStateException if the validator was closed before the call
   */
  ModuleInfo validate(Path file) throws ModelRejectedException;

  /** Stops the validator; further calls to {@link #validate} fail. */
  @Override
  void close();
}
