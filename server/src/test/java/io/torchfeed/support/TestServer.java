package io.torchfeed.support;

import io.torchfeed.TorchfeedServer;
import io.torchfeed.client.ServerAddress;
import io.torchfeed.client.TorchfeedClient;
import io.torchfeed.config.ServerConfig;
import io.torchfeed.model.ModelId;
import io.torchfeed.transport.tcp.RawHeader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** A real server on ephemeral loopback ports (TCP and HTTP), over a repository the test provides. */
public final class TestServer implements AutoCloseable {
  /** The admin token of servers started with {@link #withAdmin}. */
  public static final String TOKEN = "test-admin-token";

  private final TorchfeedServer server;

  private TestServer(TorchfeedServer server) {
    this.server = server;
  }

  public static TestServer start(Path repository, Path cacheDir) {
    return start(repository, cacheDir, Optional.empty(), Duration.ofMinutes(1));
  }

  public static TestServer start(Path repository, Path cacheDir, Optional<ServerConfig.Raw> raw,
      Duration idleTimeout) {
    return start(config(repository, cacheDir, raw, limits().withIdleTimeout(idleTimeout), 0,
        new ServerConfig.Http(0, Optional.empty())));
  }

  /** A server whose HTTP API accepts changes with {@link #TOKEN}, keeping {@code keep} versions (0 = all). */
  public static TestServer withAdmin(Path repository, Path cacheDir, int keep, long maxUploadBytes) {
    return start(config(repository, cacheDir, Optional.empty(), limits().withMaxUploadBytes(maxUploadBytes), keep,
        new ServerConfig.Http(0, Optional.of(TOKEN))));
  }

  /** The usual test limits: the defaults, but 1000 TCP connections and a 1 min idle timeout. */
  public static ServerConfig.Limits limits() {
    return ServerConfig.Limits.DEFAULTS.withMaxConnections(1000).withIdleTimeout(Duration.ofMinutes(1));
  }

  /** The usual test settings: loopback, ephemeral ports, a settle window of 200 ms. */
  public static ServerConfig config(Path repository, Path cacheDir, Optional<ServerConfig.Raw> raw,
      ServerConfig.Limits limits, int keep, ServerConfig.Http http) {
    return new ServerConfig(repository, "127.0.0.1", 0, raw, limits,
        Duration.ofMinutes(2), cacheDir, List.of("-Xmx256m", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0"),
        Duration.ofMillis(200), Duration.ofSeconds(10), keep, false, http);
  }

  /** {@code config} with {@code serve --signing-key key}. */
  public static ServerConfig signedWith(ServerConfig c, Path key) {
    return c.withSigningKey(key);
  }

  /** A server with every setting given; see {@link #start(Path, Path)} for the usual ones. */
  public static TestServer start(ServerConfig config) {
    try {
      return new TestServer(new TorchfeedServer(config).start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static ServerConfig.Raw raw(String model, RawHeader header) {
    return new ServerConfig.Raw(0, ModelId.parse(model), header);
  }

  public TorchfeedServer server() {
    return server;
  }

  public InetSocketAddress address() {
    return server.tcpAddress();
  }

  public InetSocketAddress httpAddress() {
    return server.httpAddress();
  }

  /** {@code http://127.0.0.1:<port><path>}. */
  public URI http(String path) {
    return URI.create("http://127.0.0.1:" + httpAddress().getPort() + path);
  }

  public ServerAddress serverAddress() {
    return new ServerAddress("127.0.0.1", address().getPort());
  }

  public TorchfeedClient client() {
    return TorchfeedClient.connect(serverAddress());
  }

  @Override
  public void close() {
    server.close();
  }
}
