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
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** A real server on an ephemeral loopback port, over a repository the test provides. */
public final class TestServer implements AutoCloseable {
  private final TorchfeedServer server;

  private TestServer(TorchfeedServer server) {
    this.server = server;
  }

  public static TestServer start(Path repository, Path cacheDir) {
    return start(repository, cacheDir, Optional.empty(), Duration.ofMinutes(1));
  }

  public static TestServer start(Path repository, Path cacheDir, Optional<ServerConfig.Raw> raw,
      Duration idleTimeout) {
    return start(new ServerConfig(repository, "127.0.0.1", 0, raw, 64 * 1024, idleTimeout, 1000,
        Duration.ofMinutes(2), cacheDir, List.of("-Xmx256m", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0"),
        Duration.ofMillis(200), Duration.ofSeconds(10), 0, false));
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
