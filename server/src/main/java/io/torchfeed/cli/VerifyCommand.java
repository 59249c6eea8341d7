package io.torchfeed.cli;

import io.torchfeed.client.ScratchFile;
import io.torchfeed.client.TorchfeedClient;
import io.torchfeed.client.libtorch.LibTorch;
import io.torchfeed.client.libtorch.LoadedModel;
import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModelId;
import io.torchfeed.model.ModuleDiff;
import io.torchfeed.model.ModuleInfo;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code verify}: the CI round-trip check. Fetches a model into a private file in RAM ({@link ScratchFile}), checks
 * its sha256, loads it with this process's LibTorch ({@link LoadedModel}, the file is deleted right after), and
 * compares the parameters and buffers LibTorch lists with the server's manifest. Exit 0 only when names, shapes
 * and dtypes are identical.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = "Fetch a model, load it with LibTorch and compare it with the server's manifest.")
public final class VerifyCommand implements Callable<Integer> {
  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Mixin
  ServerOptions server;

  @Mixin
  TrustOptions trust;

  @Parameters(paramLabel = "NAME[:VERSION]")
  String model;

  @Override
  public Integer call() {
    ProgressBar progress = new ProgressBar(System.err);
    ScratchFile fetched;
    try (TorchfeedClient client = server.connect(true, trust.key())) {
      fetched = ScratchFile.download(client, ModelId.parse(model), progress);
    } finally {
      progress.finish();
    }
    Manifest manifest = fetched.manifest();
    ModuleInfo loaded;
    try (fetched; LoadedModel module = LoadedModel.load(manifest, fetched.path())) {
      loaded = module.module();
    }
    List<ModuleDiff.Difference> differences = ModuleDiff.between(manifest.module(), loaded);
    PrintWriter out = spec.commandLine().getOut();
    TensorTable.print(out, "PARAMETERS", loaded.parameters());
    TensorTable.print(out, "BUFFERS", loaded.buffers());
    if (!differences.isEmpty()) {
      out.printf("%s: %d difference(s) between the server's manifest and what LibTorch %s loaded:%n",
          manifest.id(), differences.size(), LibTorch.version());
      differences.forEach(d -> out.println("  " + d));
      out.flush();
      return 1;
    }
    out.printf("%s verified: sha256 %s, %d parameters and %d buffers match the server's manifest "
            + "(loaded with LibTorch %s)%n", manifest.id(), manifest.sha256(), loaded.parameters().size(),
        loaded.buffers().size(), LibTorch.version());
    return 0;
  }
}
