package io.torchfeed.validation;

import io.torchfeed.client.libtorch.LibTorch;
import io.torchfeed.client.libtorch.LoadException;
import io.torchfeed.model.ModuleInfo;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The real {@link ModuleInspector}: LibTorch through the JVM's one LibTorch boundary,
 * {@link LibTorch} of {@code torchfeed-client-libtorch}, which loads the file with {@code torch::jit::load(path)}
 * (LibTorch's supported API) inside a {@code PointerScope}, lists its parameters and buffers, and frees it. Its
 * one-line reasons ({@code torch::jit::load failed: ...}) become {@link ModelRejectedException}s. Loading a hostile
 * file can abort or crash the process, which is why the server only uses this class inside the validation worker
 * process ({@link ValidationWorker}).
 */
public final class LibTorchInspector implements ModuleInspector {
  /**
   * Loads the TorchScript module in {@code file} on the CPU and lists its parameters and buffers.
   *
   * @throws ModelRejectedException with a one-line reason if LibTorch cannot load it
   */
  @Override
  public ModuleInfo inspect(Path file) {
    Objects.requireNonNull(file, "file");
    try {
      return LibTorch.describe(file);
    } catch (LoadException e) {
      throw new ModelRejectedException(e.getMessage(), e);
    }
  }

  /** The LibTorch version of the bindings, e.g. {@code 2.10.0}. Loads LibTorch if it is not loaded yet. */
  @Override
  public String libtorchVersion() {
    return LibTorch.version();
  }
}
