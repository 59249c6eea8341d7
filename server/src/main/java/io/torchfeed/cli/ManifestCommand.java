package io.torchfeed.cli;

import io.torchfeed.client.TorchfeedClient;
import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModelId;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code manifest}: a model version's parameters and buffers as the server validated them. */
@Command(name = "manifest", mixinStandardHelpOptions = true,
    description = "Show a model version's manifest (the latest version if none is given).")
public final class ManifestCommand implements Callable<Integer> {
  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Mixin
  ServerOptions server;

  @Mixin
  TrustOptions trust;

  @Parameters(paramLabel = "NAME[:VERSION]")
  String model;

  @Option(names = "--json", description = "Print JSON with `parameters` and `buffers` at the top level.")
  boolean json;

  @Override
  public Integer call() {
    Manifest manifest;
    try (TorchfeedClient client = server.connect(false, trust.key())) {
      manifest = client.manifest(ModelId.parse(model));
    }
    print(spec.commandLine().getOut(), manifest, json);
    return 0;
  }

  static void print(PrintWriter out, Manifest manifest, boolean json) {
    if (json) {
      out.println(Json.pretty(manifest));
      return;
    }
    out.printf("%s  %d bytes  sha256 %s  format version %d%n", manifest.id(), manifest.size(), manifest.sha256(),
        manifest.formatVersion());
    TensorTable.print(out, "PARAMETERS", manifest.parameters());
    TensorTable.print(out, "BUFFERS", manifest.buffers());
  }
}
