package io.torchfeed.cli;

import io.torchfeed.Version;
import io.torchfeed.client.ClientTls;
import io.torchfeed.client.Replicas;
import io.torchfeed.client.ServerAddress;
import io.torchfeed.client.TorchfeedClient;
import io.torchfeed.signing.TrustKey;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * {@code --server HOST:PORT[,HOST:PORT...]} (one server or replicas), {@code --in-order}, timeouts and
 * {@code --tls-ca}, shared by the client commands.
 */
public final class ServerOptions {
  @Option(names = "--server", paramLabel = "HOST:PORT[,HOST:PORT...]", defaultValue = "localhost:7070",
      description = "The torchfeed server (default: ${DEFAULT-VALUE}), or several replicas serving the same models: "
          + "one is picked at random, the next is tried when it refuses, drops the connection or is unavailable, "
          + "and a download cut short resumes on the next.")
  String server;

  @Option(names = "--in-order",
      description = "With several servers: try them in the order given instead of starting at a random one.")
  boolean inOrder;

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
    return replicas(loadsModels, trustKey).connect();
  }

  /** The servers of {@code --server}, tried as {@code --in-order} says, with these options. */
  Replicas replicas(boolean loadsModels, Optional<TrustKey> trustKey) {
    List<ServerAddress> servers = ServerAddress.parseList(server);
    if (tlsCa != null) {
      ClientTls tls = ClientTls.trusting(tlsCa);
      servers = servers.stream().map(address -> address.withTls(tls)).toList();
    }
    return Replicas.of(servers).inOrder(inOrder).timeouts(connectTimeout, readTimeout)
        .libtorch(loadsModels ? Version.LIBTORCH : "").trustKey(trustKey);
  }
}
