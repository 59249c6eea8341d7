package io.torchfeed.config;

import io.torchfeed.model.ModelId;
import io.torchfeed.transport.tcp.RawHeader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Everything {@code serve} needs, resolved from defaults &lt; config file &lt; environment &lt; command line.
 *
 * @param models             the model repository
 * @param bind               address to listen on
 * @param port               TCP protocol port (0 = any free port)
 * @param raw                the raw port, if enabled
 * @param maxFrameBytes      largest request frame payload
 * @param idleTimeout        connections without progress for this long are closed
 * @param maxConnections     concurrent protocol connections
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
 */
public record ServerConfig(
    Path models,
    String bind,
    int port,
    Optional<Raw> raw,
    int maxFrameBytes,
    Duration idleTimeout,
    int maxConnections,
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
    Optional<Path> signingKey) {

  /** Without {@code followSymlinks}: symbolic links out of the repository are not served. */
  public ServerConfig(Path models, String bind, int port, Optional<Raw> raw, int maxFrameBytes, Duration idleTimeout,
      int maxConnections, Duration validationTimeout, Path cacheDir, List<String> workerJvmOptions, Duration settle,
      Duration rescanInterval, int keep, boolean allowShapeChange, Http http) {
    this(models, bind, port, raw, maxFrameBytes, idleTimeout, maxConnections, validationTimeout, cacheDir,
        workerJvmOptions, settle, rescanInterval, keep, allowShapeChange, http, false);
  }

  /** Without TLS and without signing. */
  public ServerConfig(Path models, String bind, int port, Optional<Raw> raw, int maxFrameBytes, Duration idleTimeout,
      int maxConnections, Duration validationTimeout, Path cacheDir, List<String> workerJvmOptions, Duration settle,
      Duration rescanInterval, int keep, boolean allowShapeChange, Http http, boolean followSymlinks) {
    this(models, bind, port, raw, maxFrameBytes, idleTimeout, maxConnections, validationTimeout, cacheDir,
        workerJvmOptions, settle, rescanInterval, keep, allowShapeChange, http, followSymlinks, Optional.empty(),
        Optional.empty());
  }

  /** This configuration with TLS on every port. */
  public ServerConfig withTls(Tls newTls) {
    return new ServerConfig(models, bind, port, raw, maxFrameBytes, idleTimeout, maxConnections, validationTimeout,
        cacheDir, workerJvmOptions, settle, rescanInterval, keep, allowShapeChange, http, followSymlinks,
        Optional.of(newTls), signingKey);
  }

  /** This configuration signing manifests with the Ed25519 key in {@code keyFile}. */
  public ServerConfig withSigningKey(Path keyFile) {
    return new ServerConfig(models, bind, port, raw, maxFrameBytes, idleTimeout, maxConnections, validationTimeout,
        cacheDir, workerJvmOptions, settle, rescanInterval, keep, allowShapeChange, http, followSymlinks, tls,
        Optional.of(keyFile));
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
   * @param maxUploadBytes  the largest model upload
   */
  public record Http(int port, Optional<String> adminToken, long maxUploadBytes) {
    public static final long DEFAULT_MAX_UPLOAD = 4L << 30;

    public Http {
      adminToken = adminToken.filter(token -> !token.isEmpty());
    }

    @Override
    public String toString() {
      return "Http[port=" + port + ", adminToken=" + (adminToken.isPresent() ? "(set)" : "(none)")
          + ", maxUploadBytes=" + maxUploadBytes + "]";
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
