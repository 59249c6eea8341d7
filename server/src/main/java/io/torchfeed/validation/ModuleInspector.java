package io.torchfeed.validation;

import io.torchfeed.model.ModuleInfo;
import java.nio.file.Path;

/**
 * Loads a model file in the current process and describes it. {@link LibTorchInspector} is the real one; the
 * {@link ValidationWorker} runs it in a child process, so the server itself never loads a model.
 */
public interface ModuleInspector {
  /**
   * Loads the TorchScript module in {@code file} and lists its parameters and buffers.
   *
   * @throws ModelRejectedException with a one-line reason if the file cannot be loaded
   */
  ModuleInfo inspect(Path file) throws ModelRejectedException;

  /** The version of LibTorch that loads the files, e.g. {@code 2.10.0}. */
  String libtorchVersion();
}
