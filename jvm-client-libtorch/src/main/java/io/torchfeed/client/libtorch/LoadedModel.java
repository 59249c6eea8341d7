package io.torchfeed.client.libtorch;

import io.torchfeed.client.ClientException;
import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModelId;
import io.torchfeed.model.ModuleInfo;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import org.pytorch.Tensor;

/**
 * A model version loaded into LibTorch in this process, on the CPU, in evaluation mode. Run it with
 * {@link #forward}, read its weights with {@link #parameters()}, and close it to free its native memory. Returned
 * by {@link ModelClient#load}, or by {@link #load(Manifest, Path)} for a file a
 * {@link io.torchfeed.client.ModelWatcher} hands over; it needs no connection.
 *
 * <p>Tensors are PyTorch's Java API types ({@code org.pytorch.Tensor}, from {@code pytorch_java_only}), so code
 * written against that API works with a fetched model. They hold {@code uint8}, {@code int8}, {@code int32},
 * {@code int64}, {@code float32} and {@code float64}; inputs may be {@code CONTIGUOUS} or channels-last. Every
 * tensor is copied in and out: what this class returns is plain Java memory, valid after {@link #close()}.
 * {@link #module()} describes every parameter and buffer, whatever its dtype.
 *
 * <p><b>Thread safety:</b> {@link #forward}, {@link #parameters()} and {@link #buffers()} may be called from many
 * threads at once, and one input tensor may be shared by them (it is read under its own lock: PyTorch's Java
 * {@code Tensor} rewinds its buffer on every read). A model whose {@code forward} changes its own state is racy,
 * as it is in LibTorch. {@link #close()} waits for calls in progress; later calls throw
 * {@link IllegalStateException}.
 */
public final class LoadedModel implements AutoCloseable {
  private final Manifest manifest;
  private final LibTorch.Module module;

  private LoadedModel(Manifest manifest, LibTorch.Module module) {
    this.manifest = Objects.requireNonNull(manifest, "manifest");
    this.module = Objects.requireNonNull(module, "module");
  }

  /**
   * Loads a model file whose bytes were checked against {@code manifest} (a {@link io.torchfeed.client.ScratchFile}
   * or the file a {@link io.torchfeed.client.ModelWatcher} hands its loader). The file may be deleted as soon as
   * this returns.
   *
   * @throws ClientException with LibTorch's one-line reason if it cannot load the file
   */
  public static LoadedModel load(Manifest manifest, Path file) {
    Objects.requireNonNull(manifest, "manifest");
    try {
      return new LoadedModel(manifest, LibTorch.load(file));
    } catch (LoadException e) {
      throw new ClientException("LibTorch " + LibTorch.version() + " could not load " + manifest.id() + ": "
          + e.getMessage(), e);
    }
  }

  /** The server's manifest of the version loaded: exact version, size, sha256, parameter and buffer shapes. */
  public Manifest manifest() {
    return manifest;
  }

  /** The exact name and version loaded (never "latest"). */
  public ModelId id() {
    return manifest.id();
  }

  /**
   * The parameters and buffers as LibTorch listed them when it loaded the model: names, shapes and dtypes (spelled
   * as in Python), in LibTorch's order. Compare with {@code manifest().module()} to check the server's claims
   * ({@link io.torchfeed.model.ModuleDiff}).
   */
  public ModuleInfo module() {
    return module.info();
  }

  /**
   * Runs the model's {@code forward} on the inputs, without autograd, and returns its result.
   *
   * @throws InferenceException with LibTorch's one-line error, e.g. for inputs of the wrong shape or dtype
   * @throws UnsupportedOperationException if {@code forward} does not return one tensor of a dtype listed above
   * @throws IllegalStateException after {@link #close()}
   */
  public Tensor forward(Tensor... inputs) {
    return module.forward(inputs);
  }

  /**
   * The values of {@code named_parameters()} (recursive), in LibTorch's order: the names and shapes of
   * {@link Manifest#parameters()}. Copied on every call; the map is unmodifiable.
   *
   * @throws UnsupportedOperationException if a parameter's dtype is not one listed above
   */
  public Map<String, Tensor> parameters() {
    return module.parameters();
  }

  /**
   * The values of {@code named_buffers()} (recursive), in LibTorch's order, like {@link #parameters()}.
   *
   * @throws UnsupportedOperationException if a buffer's dtype is not one listed above
   */
  public Map<String, Tensor> buffers() {
    return module.buffers();
  }

  /** Frees the model's native memory. Idempotent. */
  @Override
  public void close() {
    module.close();
  }

  @Override
  public String toString() {
    return manifest.id() + " (sha256 " + manifest.sha256() + ")";
  }
}
