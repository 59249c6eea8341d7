package io.torchfeed.cli;

import io.torchfeed.Version;
import io.torchfeed.client.ServerAddress;
import io.torchfeed.client.TorchfeedClient;
import io.torchfeed.signing.TrustKey;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Option;

/** {@code --server HOST:PORT} and timeouts, shared by the client commands. */
public final class ServerOptions {
  @Option(names = "--server", paramLabel = "HOST:PORT", defaultValue = "localhost:7070",
      description = "The torchfeed server (default: ${DEFAULT-VALUE}).")
  String server;

  @Option(names = "--connect-timeout", paramLabel = "DURATION", defaultValue = "10s",
      converter = DurationConverter.class, description = "Connect timeout (default: ${DEFAULT-VALUE}).")
  Duration connectTimeout;

  @Option(names = "--read-timeout", paramLabel = "DURATION", defaultValue = "60s",
      converter = DurationConverter.class,
      description = "Give up when the server sends nothing for this long (default: ${DEFAULT-VALUE}).")
  Duration readTimeout;

  TorchfeedClient connect(boolean loadsModels) {
    return connect(loadsModels, Optional.empty());
  }

  /** With a trust key, manifests and fetches must be signed by it ({@link TrustOptions}). */
  TorchfeedClient connect(boolean loadsModels, Optional<TrustKey> trustKey) {
    return TorchfeedClient.connect(ServerAddress.parse(server), connectTimeout, readTimeout,
        loadsModels ? Version.LIBTORCH : "", trustKey);
  }
}
