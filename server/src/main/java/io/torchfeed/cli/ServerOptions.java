package io.torchfeed.cli;

import io.torchfeed.Version;
import io.torchfeed.client.ClientTls;
import io.torchfeed.client.ServerAddress;
import io.torchfeed.client.TorchfeedClient;
import io.torchfeed.signing.TrustKey;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Option;

/** {@code --server HOST:PORT}, timeouts and {@code --tls-ca}, shared by the client commands. */
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

  @Option(names = "--tls-ca", paramLabel = "FILE",
      description = "Connect over TLS and accept only a server certificate issued by a CA in this PEM file and "
          + "naming the --server host (default: plaintext).")
  Path tlsCa;

  TorchfeedClient connect(boolean loadsModels) {
    return connect(loadsModels, Optional.empty());
  }

  /** With a trust key, manifests and fetches must be signed by it ({@link TrustOptions}). */
  TorchfeedClient connect(boolean loadsModels, Optional<TrustKey> trustKey) {
    ServerAddress address = ServerAddress.parse(server);
    if (tlsCa != null) {
      address = address.withTls(ClientTls.trusting(tlsCa));
    }
    return TorchfeedClient.connect(address, connectTimeout, readTimeout, loadsModels ? Version.LIBTORCH : "",
        trustKey);
  }
}
