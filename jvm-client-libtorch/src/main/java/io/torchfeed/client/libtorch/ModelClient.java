package io.torchfeed.client.libtorch;

import io.torchfeed.client.ClientException;
import io.torchfeed.client.RemoteException;
import io.torchfeed.client.ScratchFile;
import io.torchfeed.client.ServerAddress;
import io.torchfeed.client.TorchfeedClient;
import io.torchfeed.client.UntrustedManifestException;
import io.torchfeed.model.ModelId;
import io.torchfeed.signing.TrustKey;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs models served by torchfeed in this JVM: fetches a model version over the protocol, checks its sha256, loads
 * it into LibTorch in this process (the JavaCPP presets) and returns a {@link LoadedModel} whose {@code forward}
 * takes and returns PyTorch's Java API tensors ({@code org.pytorch.Tensor}).
 *
 * <pre>{@code
 * try (ModelClient client = ModelClient.connect("localhost", 7070);
 *     LoadedModel model = client.load("toynet")) {
 *   Tensor output = model.forward(Tensor.fromBlob(pixels, new long[] {1, 1, 28, 28}));
 * }
 * }</pre>
 *
 * <h2>Through a private file in RAM</h2>
 *
 * LibTorch loads models through its supported API, {@code torch::jit::load(path)} (see {@link LibTorch}): a
 * version is downloaded into a {@link ScratchFile} (in {@code /dev/shm} when it has room, {@code rw-------} in a
 * {@code rwx------} directory, its sha256 checked before anything is loaded), loaded, and deleted right after the
 * load, whether the load succeeded or not. Peak memory: the file and the loaded model.
 *
 * <h2>Threads, connection, native memory</h2>
 *
 * A client holds one connection, which carries one request at a time: {@link #load} may be called from several
 * threads; their downloads take turns and the LibTorch loads run in parallel. A {@link LoadedModel} does not need
 * its client: it stays usable after {@link #close()}. The hello tells the server which LibTorch this client loads
 * models with ({@link #libtorchVersion()}), so LibTorch is loaded when the client connects.
 *
 * <p>Run processes that load models with {@code -Dorg.bytedeco.javacpp.maxPhysicalBytes=0}: JavaCPP otherwise
 * refuses native allocations beyond a multiple of the Java heap, which a large model exceeds.
 */
public final class ModelClient implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ModelClient.class);

  private final TorchfeedClient connection;
  private final Path scratchRoot; // null: ScratchFile.defaultRoot(size)

  ModelClient(TorchfeedClient connection, Path scratchRoot) {
    this.connection = Objects.requireNonNull(connection, "connection");
    this.scratchRoot = scratchRoot;
  }

  /** Connects to {@code host:port} with the default timeouts (10 s to connect, 60 s of silence). */
  public static ModelClient connect(String host, int port) {
    return connect(new ServerAddress(host, port));
  }

  /** Connects with the default timeouts (10 s to connect, 60 s of silence). */
  public static ModelClient connect(ServerAddress address) {
    return new ModelClient(TorchfeedClient.connect(address, LibTorch.version()), null);
  }

  /**
   * Connects and exchanges the hello.
   *
   * @param readTimeout how long the server may send nothing before a request fails
   */
  public static ModelClient connect(ServerAddress address, Duration connectTimeout, Duration readTimeout) {
    return new ModelClient(TorchfeedClient.connect(address, connectTimeout, readTimeout, LibTorch.version()), null);
  }

  /**
   * Connects and exchanges the hello; every model loaded must have a manifest signed by {@code trustKey}
   * (docs/protocol.md, section 5.10), else {@link #load} throws {@link UntrustedManifestException} and loads
   * nothing.
   */
  public static ModelClient connect(ServerAddress address, Duration connectTimeout, Duration readTimeout,
      TrustKey trustKey) {
    return new ModelClient(TorchfeedClient.connect(address, connectTimeout, readTimeout, LibTorch.version(),
        Optional.of(trustKey)), null);
  }

  /** Fetches and loads the latest version of {@code name}. */
  public LoadedModel load(String name) {
    return load(new ModelId(name, ModelId.LATEST));
  }

  /** Fetches and loads one version of {@code name} (0: the latest). */
  public LoadedModel load(String name, int version) {
    return load(new ModelId(name, version));
  }

  /**
   * Fetches a model version, checks its sha256 and loads it with LibTorch.
   *
   * @throws RemoteException with the server's message, e.g. {@code NOT_FOUND: no model named 'resnet'}
   * @throws ClientException if the connection fails, the bytes do not match their sha256, or LibTorch cannot
   *     load them
   */
  public LoadedModel load(ModelId id) {
    Objects.requireNonNull(id, "id");
    ScratchFile fetched;
    synchronized (connection) {
      fetched = scratchRoot == null ? ScratchFile.download(connection, id, null)
          : ScratchFile.download(connection, id, scratchRoot, null);
    }
    LoadedModel model;
    try {
      model = LoadedModel.load(fetched.manifest(), fetched.path());
    } catch (RuntimeException | Error e) {
      try {
        fetched.close();
      } catch (ClientException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    try {
      fetched.close();
    } catch (ClientException e) {
      // The model is loaded: a file that could not be deleted does not undo that (the JVM's exit or the next
      // scratch file's sweep deletes it).
      log.warn("{} is loaded, but its scratch file stays for now: {}", model.manifest().id(), e.getMessage());
    }
    return model;
  }

  /** The LibTorch version models are loaded with, e.g. {@code 2.10.0}. */
  public String libtorchVersion() {
    return LibTorch.version();
  }

  /** Closes the connection. Models already loaded stay usable. Idempotent. */
  @Override
  public void close() {
    connection.close();
  }
}
