package io.torchfeed.cli;

import io.torchfeed.client.ClientTls;
import io.torchfeed.client.ModelPublisher;
import io.torchfeed.model.Manifest;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code publish}: the upload of docs/http.md as a command, for people and CI pipelines: streams FILE to any
 * server's (or replica's) HTTP API, shows a progress bar on a terminal, prints the new version, or fails with the
 * server's reason in one line.
 */
@Command(name = "publish", mixinStandardHelpOptions = true,
    description = "Upload FILE as the next version of NAME through a server's HTTP API; prints the version it "
        + "became, or the reason the server refused it.")
public final class PublishCommand implements Callable<Integer> {
  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--http", paramLabel = "URL", defaultValue = "http://localhost:7071",
      description = "The server's HTTP API (default: ${DEFAULT-VALUE}); https:// with --tls-ca.")
  URI http;

  @Option(names = "--token", paramLabel = "TOKEN", required = true,
      description = "The server's admin token. Prefer TORCHFEED_TOKEN: a command line is visible to other users.")
  String token;

  @Option(names = "--tls-ca", paramLabel = "FILE",
      description = "Accept only a server certificate issued by a CA in this PEM file (for https://).")
  Path tlsCa;

  @Option(names = "--allow-shape-change",
      description = "Accept a version whose parameter names, shapes or dtypes differ from the latest's.")
  boolean allowShapeChange;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10m", converter = DurationConverter.class,
      description = "How long the upload and the server's validation may take (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Parameters(index = "0", paramLabel = "NAME", description = "The model to publish a version of.")
  String name;

  @Parameters(index = "1", paramLabel = "FILE", description = "The TorchScript file (torch.jit.save).")
  Path file;

  @Override
  public Integer call() throws Exception {
    ModelPublisher publisher = ModelPublisher.to(http, token, Optional.ofNullable(tlsCa).map(ClientTls::trusting),
        Duration.ofSeconds(10), timeout);
    ProgressBar progress = new ProgressBar(System.err);
    progress.started(Files.exists(file) ? Files.size(file) : 0, 0);
    Manifest published;
    try {
      published = publisher.publish(name, file, allowShapeChange, progress::advanced);
    } finally {
      progress.finish();
    }
    spec.commandLine().getOut().printf("%s published (%d bytes, sha256 %s, %d parameters, %d buffers)%n",
        published.id(), published.size(), published.sha256(), published.parameters().size(),
        published.buffers().size());
    return 0;
  }
}
