package io.torchfeed.cli;

import io.torchfeed.client.FileDownload;
import io.torchfeed.client.TorchfeedClient;
import io.torchfeed.model.ModelId;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code fetch}: download a model version to a file, resuming a partial download, checked and atomic. */
@Command(name = "fetch", mixinStandardHelpOptions = true,
    description = "Download a model to a file (resumes FILE.part, checks sha256, renames into place).")
public final class FetchCommand implements Callable<Integer> {
  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Mixin
  ServerOptions server;

  @Mixin
  TrustOptions trust;

  @Parameters(paramLabel = "NAME[:VERSION]")
  String model;

  @Option(names = {"-o", "--output"}, paramLabel = "FILE", required = true, description = "Where to write it.")
  Path output;

  @Override
  public Integer call() {
    ProgressBar progress = new ProgressBar(System.err);
    FileDownload.Result result;
    try (TorchfeedClient client = server.connect(false, trust.key())) {
      result = new FileDownload(client).download(ModelId.parse(model), output, progress);
    } finally {
      progress.finish();
    }
    spec.commandLine().getOut().printf("%s -> %s (%d bytes%s, sha256 %s)%n", result.manifest().id(), output,
        result.manifest().size(), result.resumedFrom() > 0 ? ", resumed at " + result.resumedFrom() : "",
        result.manifest().sha256());
    return 0;
  }
}
