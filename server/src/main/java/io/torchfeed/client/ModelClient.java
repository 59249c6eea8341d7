package io.torchfeed.client;

import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModelId;
import io.torchfeed.signing.TrustKey;
import io.torchfeed.validation.ModelRejectedException;
import io.torchfeed.validation.LibTorchInspector;
import io.torchfeed.validation.LibTorchInspector.LoadedModule;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;
import java.util.Comparator;
import java.util.Objects;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs models served by torchfeed in this JVM: fetches a model version over the protocol, checks its sha256, loads
 * it into LibTorch in this process (the JavaCPP bindings) and returns a {@link LoadedModel} whose {@code forward}
 * takes and returns PyTorch's Java API tensors ({@code org.pytorch.Tensor}).
 *
 * <pre>{@code
 * try (ModelClient client = ModelClient.connect("localhost", 7070);
 *     LoadedModel model = client.load("toynet")) {
 *   Tensor output = model.forward(Tensor.fromBlob(pixels, new long[] {1, 1, 28, 28}));
 * }
 * }</pre>
 *
 * <h2>In memory, no file</h2>
 *
 * A model is fetched into one direct buffer ({@link MemoryDownload}, which checks the sha256 before anything is
 * loaded) and LibTorch loads it from there ({@link LibTorchInspector#load(ByteBuffer)}); nothing is written to
 * disk, and the buffer is garbage once the model is loaded (while it exists it counts against
 * {@code -XX:MaxDirectMemorySize}, which defaults to the heap's maximum). Only a model of 2 GiB or more, which one Java buffer
 * cannot hold, goes through a file: it is downloaded and checked ({@link FileDownload}) into a new private
 * directory ({@code rwx------} under {@code java.io.tmpdir}), loaded, and deleted with its directory right after
 * the load, whether the load succeeded or not.
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
  /** Largest model fetched into memory: the capacity of one Java buffer. */
  static final long MEMORY_LIMIT = Integer.MAX_VALUE;

  private final TorchfeedClient connection;
  private final LibTorchInspector libtorch;
  private final long memoryLimit;
  private final Path tempRoot;

  ModelClient(TorchfeedClient connection, LibTorchInspector libtorch, long memoryLimit, Path tempRoot) {
    this.connection = connection;
    this.libtorch = libtorch;
    this.memoryLimit = memoryLimit;
    this.tempRoot = tempRoot;
  }

  /** Connects to {@code host:port} with the default timeouts (10 s to connect, 60 s of silence). */
  public static ModelClient connect(String host, int port) {
    return connect(new ServerAddress(host, port));
  }

  /** Connects with the default timeouts (10 s to connect, 60 s of silence). */
  public static ModelClient connect(ServerAddress address) {
    LibTorchInspector libtorch = new LibTorchInspector();
    return new ModelClient(TorchfeedClient.connect(address, libtorch.libtorchVersion()), libtorch, MEMORY_LIMIT,
        tempRoot());
  }

  /**
   * Connects and exchanges the hello.
   *
   * @param readTimeout how long the server may send nothing before a request fails
   */
  public static ModelClient connect(ServerAddress address, Duration connectTimeout, Duration readTimeout) {
    LibTorchInspector libtorch = new LibTorchInspector();
    TorchfeedClient connection =
        TorchfeedClient.connect(address, connectTimeout, readTimeout, libtorch.libtorchVersion());
    return new ModelClient(connection, libtorch, MEMORY_LIMIT, tempRoot());
  }

  /**
   * Connects and exchanges the hello; every model loaded must have a manifest signed by {@code trustKey}
   * (docs/protocol.md, section 5.10), else {@link #load} throws {@link UntrustedManifestException} and loads
   * nothing.
   */
  public static ModelClient connect(ServerAddress address, Duration connectTimeout, Duration readTimeout,
      TrustKey trustKey) {
    LibTorchInspector libtorch = new LibTorchInspector();
    TorchfeedClient connection = TorchfeedClient.connect(address, connectTimeout, readTimeout,
        libtorch.libtorchVersion(), Optional.of(trustKey));
    return new ModelClient(connection, libtorch, MEMORY_LIMIT, tempRoot());
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
    Path directory = null;
    try {
      Manifest manifest;
      ByteBuffer bytes = null;
      Path file = null;
      synchronized (connection) {
        manifest = connection.manifest(id);
        if (manifest.size() <= memoryLimit) {
          MemoryDownload.Result fetched = new MemoryDownload(connection).download(manifest.id(), null);
          manifest = fetched.manifest();
          bytes = fetched.bytes();
        } else {
          directory = privateDirectory(tempRoot);
          file = directory.resolve("model.pt");
          manifest = new FileDownload(connection).download(manifest.id(), file, null).manifest();
        }
      }
      return new LoadedModel(manifest, bytes != null ? load(manifest, bytes) : load(manifest, file));
    } finally {
      if (directory != null) {
        deleteTree(directory);
      }
    }
  }

  /** The LibTorch version models are loaded with, e.g. {@code 2.10.0}. */
  public String libtorchVersion() {
    return libtorch.libtorchVersion();
  }

  /** Closes the connection. Models already loaded stay usable. Idempotent. */
  @Override
  public void close() {
    connection.close();
  }

  private LoadedModule load(Manifest manifest, ByteBuffer bytes) {
    try {
      return libtorch.load(bytes);
    } catch (ModelRejectedException e) {
      throw notLoaded(manifest, e);
    }
  }

  private LoadedModule load(Manifest manifest, Path file) {
    try {
      return libtorch.load(file);
    } catch (ModelRejectedException e) {
      throw notLoaded(manifest, e);
    }
  }

  private ClientException notLoaded(Manifest manifest, ModelRejectedException e) {
    return new ClientException("LibTorch " + libtorch.libtorchVersion() + " could not load " + manifest.id() + ": "
        + e.getMessage(), e);
  }

  private static Path tempRoot() {
    return Path.of(System.getProperty("java.io.tmpdir"));
  }

  /** A new directory in {@code root} that only this user may enter (on file systems with POSIX permissions). */
  static Path privateDirectory(Path root) {
    try {
      if (root.getFileSystem().supportedFileAttributeViews().contains("posix")) {
        FileAttribute<?> ownerOnly = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
        return Files.createTempDirectory(root, "torchfeed-", ownerOnly);
      }
      return Files.createTempDirectory(root, "torchfeed-");
    } catch (IOException e) {
      throw new ClientException("cannot create a temporary directory in " + root + ": " + e.getMessage(), e);
    }
  }

  private static void deleteTree(Path directory) {
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      log.warn("could not delete the temporary directory {}: {}", directory, e.getMessage());
    }
  }
}
