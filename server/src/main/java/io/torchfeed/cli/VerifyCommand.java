package io.torchfeed.cli;

import io.torchfeed.client.ClientException;
import io.torchfeed.client.MemoryDownload;
import io.torchfeed.client.TorchfeedClient;
import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModelId;
import io.torchfeed.model.ModuleDiff;
import io.torchfeed.model.ModuleInfo;
import io.torchfeed.validation.LibTorchInspector;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code verify}: the CI round-trip check. Fetches a model into memory, checks its sha256, loads it with this
 * process's LibTorch, and compares the parameters and buffers LibTorch lists with the server's manifest.
 * Exit 0 only when names, shapes and dtypes are identical.
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
    MemoryDownload.Result fetched;
    try (TorchfeedClient client = server.connect(true, trust.key())) {
      fetched = new MemoryDownload(client).download(ModelId.parse(model), progress);
    } finally {
      progress.finish();
    }
    Manifest manifest = fetched.manifest();
    LibTorchInspector inspector = new LibTorchInspector();
    ModuleInfo loaded = load(inspector, fetched.bytes());
    List<ModuleDiff.Difference> differences = ModuleDiff.between(manifest.module(), loaded);
    PrintWriter out = spec.commandLine().getOut();
    TensorTable.print(out, "PARAMETERS", loaded.parameters());
    TensorTable.print(out, "BUFFERS", loaded.buffers());
    if (!differences.isEmpty()) {
      out.printf("%s: %d difference(s) between the server's manifest and what LibTorch %s loaded:%n",
          manifest.id(), differences.size(), inspector.libtorchVersion());
      differences.forEach(d -> out.println("  " + d));
      out.flush();
      return 1;
    }
    out.printf("%s verified: sha256 %s, %d parameters and %d buffers match the server's manifest "
            + "(loaded with LibTorch %s)%n", manifest.id(), manifest.sha256(), loaded.parameters().size(),
        loaded.buffers().size(), inspector.libtorchVersion());
    return 0;
  }

  private static ModuleInfo load(LibTorchInspector inspector, ByteBuffer bytes) {
    try {
      return inspector.inspect(bytes);
    } catch (RuntimeException e) {
      throw new ClientException("LibTorch could not load the fetched model: " + ConfigDefaults.firstLine(e), e);
    }
  }
}
