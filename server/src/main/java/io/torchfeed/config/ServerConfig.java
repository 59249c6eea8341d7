package io.torchfeed.config;

import io.torchfeed.bus.nats.BusLocation;
import io.torchfeed.model.ModelId;
import io.torchfeed.store.StoreLocation;
import io.torchfeed.model.NameLimit;
import io.torchfeed.transport.tcp.RawHeader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything {@code serve} needs, resolved from defaults &lt; config file &lt; environment &lt; command line.
 *
 * @param models             the model repository
 * @param bind               address to listen on
 * @param port               TCP protocol port (0 = any free port)
 * @param raw                the raw port, if enabled
 * @param limits             connections, sizes and timeouts of both transports
 * @param validationTimeout  time limit for validating one file
 * @param cacheDir           where manifests are cached
 * @param workerJvmOptions   JVM options of the validation worker process
 * @param settle             a model file is picked up once it has not changed for this long
 * @param rescanInterval     periodic rescan of the repository (file-system events make it prompt)
 * @param keep               versions kept on disk per model after a publish (0 = all)
 * @param allowShapeChange   accept versions whose parameters or buffers differ from the latest
 * @param http               the HTTP API
 * @param followSymlinks     serve model files whose real path is outside the repository (symbolic links)
 * @param tls                TLS on the TCP protocol, HTTP and raw ports; none = plaintext (docs/protocol.md 8)
 * @param signingKey         a PEM PKCS#8 Ed25519 private key file to sign manifests with; none: nothing is signed
 * @param shutdownGrace      on SIGTERM or SIGINT, how long transfers in flight may take to finish before they are
 *                           cut (docs/shutdown.md)
 * @param replica            the bucket and bus of a replica (docs/scale-out.md); none: {@code models} is the truth
 */
public record ServerConfig(
    Path models,
    String bind,
    int port,
    Optional<Raw> raw,
    Limits limits,
    Duration validationTimeout,
    Path cacheDir,
    List<String> workerJvmOptions,
    Duration settle,
    Duration rescanInterval,
    int keep,
    boolean allowShapeChange,
    Http http,
    boolean followSymlinks,
    Optional<Tls> tls,
    Optional<Path> signingKey,
    Duration shutdownGrace,
    Optional<Replica> replica) {

  /** The default of {@code --shutdown-grace}. */
  public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(30);

  public ServerConfig {
    if (shutdownGrace.isNegative()) {
      throw new IllegalArgumentException("shutdownGrace must not be negative, not " + shutdownGrace);
    }
    Objects.requireNonNull(replica, "replica");
  }

  /** Not a replica: the local {@code models} directory is the repository. */
  public ServerConfig(Path models, String bind, int port, Optional<Raw> raw, Limits limits,
      Duration validationTimeout, Path cacheDir, List<String> workerJvmOptions, Duration settle,
      Duration rescanInterval, int keep, boolean allowShapeChange, Http http, boolean followSymlinks,
      Optional<Tls> tls, Optional<Path> signingKey, Duration shutdownGrace) {
    this(models, bind, port, raw, limits, validationTimeout, cacheDir, workerJvmOptions, settle, rescanInterval,
        keep, allowShapeChange, http, followSymlinks, tls, signingKey, shutdownGrace, Optional.empty());
  }

  /** Without {@code followSymlinks}: symbolic links out of the repository are not served. */
  public ServerConfig(Path models, String bind, int port, Optional<Raw> raw, Limits limits,
      Duration validationTimeout, Path cacheDir, List<String> workerJvmOptions, Duration settle,
      Duration rescanInterval, int keep, boolean allowShapeChange, Http http) {
    this(models, bind, port, raw, limits, validationTimeout, cacheDir, workerJvmOptions, settle, rescanInterval,
        keep, allowShapeChange, http, false);
  }

  /** Without TLS and without signing, with the default shutdown grace. */
  public ServerConfig(Path models, String bind, int port, Optional<Raw> raw, Limits limits,
      Duration validationTimeout, Path cacheDir, List<String> workerJvmOptions, Duration settle,
      Duration rescanInterval, int keep, boolean allowShapeChange, Http http, boolean followSymlinks) {
    this(models, bind, port, raw, limits, validationTimeout, cacheDir, workerJvmOptions, settle, rescanInterval,
        keep, allowShapeChange, http, followSymlinks, Optional.empty(), Optional.empty(), DEFAULT_SHUTDOWN_GRACE);
  }

  /** The same configuration with other limits. */
  public ServerConfig withLimits(Limits other) {
    return new ServerConfig(models, bind, port, raw, other, validationTimeout, cacheDir, workerJvmOptions, settle,
        rescanInterval, keep, allowShapeChange, http, followSymlinks, tls, signingKey, shutdownGrace, replica);
  }

  /** The same configuration with another settle window. */
  public ServerConfig withSettle(Duration other) {
    return new ServerConfig(models, bind, port, raw, limits, validationTimeout, cacheDir, workerJvmOptions, other,
        rescanInterval, keep, allowShapeChange, http, followSymlinks, tls, signingKey, shutdownGrace, replica);
  }

  /** This configuration with TLS on every port. */
  public ServerConfig withTls(Tls newTls) {
    return new ServerConfig(models, bind, port, raw, limits, validationTimeout, cacheDir, workerJvmOptions, settle,
        rescanInterval, keep, allowShapeChange, http, followSymlinks, Optional.of(newTls), signingKey,
        shutdownGrace, replica);
  }

  /** This configuration signing manifests with the Ed25519 key in {@code keyFile}. */
  public ServerConfig withSigningKey(Path keyFile) {
    return new ServerConfig(models, bind, port, raw, limits, validationTimeout, cacheDir, workerJvmOptions, settle,
        rescanInterval, keep, allowShapeChange, http, followSymlinks, tls, Optional.of(keyFile), shutdownGrace,
        replica);
  }

  /** This configuration as a replica of a bucket. */
  public ServerConfig withReplica(Replica newReplica) {
    return new ServerConfig(models, bind, port, raw, limits, validationTimeout, cacheDir, workerJvmOptions, settle,
        rescanInterval, keep, allowShapeChange, http, followSymlinks, tls, signingKey, shutdownGrace,
        Optional.of(newReplica));
  }

  /**
   * A replica of a bucket (docs/scale-out.md): {@code models} is then the replica's local copy of the bucket.
   *
   * @param store     the bucket
   * @param storePoll how often the bucket is read for changes (the bus makes it prompt)
   * @param cacheSize the most bytes of model files the local copy holds ({@code Long.MAX_VALUE}: no limit)
   * @param bus       the NATS servers of the change notices; none: replicas converge by polling
   * @param cluster   the bus cluster name: replicas hear each other only within it
   * @param id        this replica's id, unique in the cluster
   */
  public record Replica(StoreLocation store, Duration storePoll, long cacheSize, Optional<BusLocation> bus,
      String cluster, String id) {
    public Replica {
      Objects.requireNonNull(store, "store");
      if (storePoll.isNegative() || storePoll.isZero()) {
        throw new IllegalArgumentException("storePoll must be positive, not " + storePoll);
      }
      if (cacheSize <= 0) {
        throw new IllegalArgumentException("cacheSize must be positive, not " + cacheSize);
      }
      Objects.requireNonNull(bus, "bus");
      Objects.requireNonNull(cluster, "cluster");
      Objects.requireNonNull(id, "id");
    }
  }

  /** This configuration with another shutdown grace. */
  public ServerConfig withShutdownGrace(Duration other) {
    return new ServerConfig(models, bind, port, raw, limits, validationTimeout, cacheDir, workerJvmOptions, settle,
        rescanInterval, keep, allowShapeChange, http, followSymlinks, tls, signingKey, other, replica);
  }

  /**
   * Every limit a client can run into, each with a safe default ({@link #DEFAULTS}; README, Configuration).
   *
   * @param maxConnections      concurrent TCP protocol connections; the next one gets a fatal ERROR UNAVAILABLE
   * @param maxHttpConnections  concurrent HTTP connections, counted from their first request; a request on a
   *                            connection beyond them is answered 503 and the connection closed
   * @param maxFrameBytes       largest TCP request frame payload; a larger one is a fatal ERROR TOO_LARGE
   * @param maxUploadBytes      largest HTTP upload; a larger one is 413
   * @param maxQueuedNotices    undelivered NOTICE frames a TCP subscriber may have before it is dropped
   * @param idleTimeout         a connection with no request in progress and nothing to send for this long is
   *                            closed (a TCP subscriber waiting for notices is not idle)
   * @param requestTimeout      a request that has started arriving must arrive whole within this (a TCP frame,
   *                            an HTTP request head), and an HTTP request body must not stall for longer
   * @param writeTimeout        a client that takes none of the bytes sent to it for this long is disconnected
   * @param names               the longest model and alias names (at most {@link ModelId#MAX_NAME_LENGTH}); a
   *                            longer one in a request is a BAD_REQUEST or 400, in the repository it is skipped
   */
  public record Limits(int maxConnections, int maxHttpConnections, int maxFrameBytes, long maxUploadBytes,
      int maxQueuedNotices, Duration idleTimeout, Duration requestTimeout, Duration writeTimeout,
      NameLimit names) {
    public static final Limits DEFAULTS = new Limits(10_000, 10_000, 64 * 1024, 4L << 30, 1000,
        Duration.ofMinutes(5), Duration.ofMinutes(1), Duration.ofMinutes(2), NameLimit.PROTOCOL);

    public Limits {
      positive("maxConnections", maxConnections);
      positive("maxHttpConnections", maxHttpConnections);
      positive("maxFrameBytes", maxFrameBytes);
      positive("maxUploadBytes", maxUploadBytes);
      positive("maxQueuedNotices", maxQueuedNotices);
      positive("idleTimeout", idleTimeout);
      positive("requestTimeout", requestTimeout);
      positive("writeTimeout", writeTimeout);
      Objects.requireNonNull(names, "names");
    }

    public Limits withMaxConnections(int n) {
      return new Limits(n, maxHttpConnections, maxFrameBytes, maxUploadBytes, maxQueuedNotices, idleTimeout,
          requestTimeout, writeTimeout, names);
    }

    public Limits withMaxHttpConnections(int n) {
      return new Limits(maxConnections, n, maxFrameBytes, maxUploadBytes, maxQueuedNotices, idleTimeout,
          requestTimeout, writeTimeout, names);
    }

    public Limits withMaxFrameBytes(int n) {
      return new Limits(maxConnections, maxHttpConnections, n, maxUploadBytes, maxQueuedNotices, idleTimeout,
          requestTimeout, writeTimeout, names);
    }

    public Limits withMaxUploadBytes(long n) {
      return new Limits(maxConnections, maxHttpConnections, maxFrameBytes, n, maxQueuedNotices, idleTimeout,
          requestTimeout, writeTimeout, names);
    }

    public Limits withMaxQueuedNotices(int n) {
      return new Limits(maxConnections, maxHttpConnections, maxFrameBytes, maxUploadBytes, n, idleTimeout,
          requestTimeout, writeTimeout, names);
    }

    public Limits withIdleTimeout(Duration d) {
      return new Limits(maxConnections, maxHttpConnections, maxFrameBytes, maxUploadBytes, maxQueuedNotices, d,
          requestTimeout, writeTimeout, names);
    }

    public Limits withRequestTimeout(Duration d) {
      return new Limits(maxConnections, maxHttpConnections, maxFrameBytes, maxUploadBytes, maxQueuedNotices,
          idleTimeout, d, writeTimeout, names);
    }

    public Limits withNames(NameLimit n) {
      return new Limits(maxConnections, maxHttpConnections, maxFrameBytes, maxUploadBytes, maxQueuedNotices,
          idleTimeout, requestTimeout, writeTimeout, n);
    }

    public Limits withWriteTimeout(Duration d) {
      return new Limits(maxConnections, maxHttpConnections, maxFrameBytes, maxUploadBytes, maxQueuedNotices,
          idleTimeout, requestTimeout, d, names);
    }

    private static void positive(String name, long value) {
      if (value <= 0) {
        throw new IllegalArgumentException(name + " must be positive, not " + value);
      }
    }

    private static void positive(String name, Duration value) {
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, not " + value);
      }
    }
  }

  /**
   * Where the server's TLS certificate and private key come from: PEM files, or a PKCS#12 keystore. Only names
   * files; reading them is {@code transport.ServerTls}'s job.
   */
  public sealed interface Tls {
    /**
     * @param certificateChain PEM: the server's certificate first, then any intermediates
     * @param privateKey       PEM: the certificate's private key, unencrypted PKCS#8 ({@code BEGIN PRIVATE KEY})
     */
    record Pem(Path certificateChain, Path privateKey) implements Tls {}

    /**
     * @param file     a PKCS#12 keystore holding one private key entry (the key and its certificate chain)
     * @param password of the keystore and its key
     */
    record Keystore(Path file, String password) implements Tls {
      @Override
      public String toString() {
        return "Keystore[file=" + file + ", password=(hidden)]";
      }
    }
  }

  /**
   * The HTTP API (docs/http.md).
   *
   * @param port            the HTTP port (0 = any free port)
   * @param adminToken      bearer token of the mutating endpoints; none = read-only
   */
  public record Http(int port, Optional<String> adminToken) {
    public Http {
      adminToken = adminToken.filter(token -> !token.isEmpty());
    }

    @Override
    public String toString() {
      return "Http[port=" + port + ", adminToken=" + (adminToken.isPresent() ? "(set)" : "(none)") + "]";
    }
  }

  /** The raw port: one model's bytes behind an optional size header. */
  public record Raw(int port, ModelId model, RawHeader header) {}

  /** {@code $XDG_CACHE_HOME/torchfeed}, else {@code ~/.cache/torchfeed}. */
  public static Path defaultCacheDir() {
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
    return base.resolve("torchfeed");
  }
}
