package io.torchfeed.cli;

import io.torchfeed.client.ClientException;
import io.torchfeed.client.ModelWatcher;
import io.torchfeed.client.libtorch.LibTorch;
import io.torchfeed.client.libtorch.LoadedModel;
import io.torchfeed.event.Event;
import io.torchfeed.event.EventJson;
import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModelId;
import io.torchfeed.model.ModuleDiff;
import io.torchfeed.model.ModuleInfo;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code watch}: subscribes to models and prints every notice; loads each published version with this process's
 * LibTorch, compares it with the server's manifest, and sends the server a receipt. Runs until interrupted.
 */
@Command(name = "watch", mixinStandardHelpOptions = true,
    description = {"Follow models: print every change; load each published version with LibTorch, compare it with "
        + "the server's manifest and report the outcome to the server. Runs until interrupted."})
public final class WatchCommand implements Callable<Integer> {
  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Mixin
  ServerOptions server;

  @Mixin
  TrustOptions trust;

  @Parameters(paramLabel = "NAME", arity = "0..*", description = "Models to follow (default: every model).")
  List<String> names = List.of();

  @Option(names = "--load-current",
      description = "Also load the latest version of each model at start (and after reconnecting).")
  boolean loadCurrent;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ModelWatcher watcher = new ModelWatcher(server.replicas(true, trust.key()), names, WatchCommand::check)
        .loadCurrent(loadCurrent)
        .listener(new Printer(out, err, LibTorch.version()));
    Thread stop = new Thread(watcher::close, "torchfeed-watch-stop");
    Runtime.getRuntime().addShutdownHook(stop);
    watcher.run();
    return 0;
  }

  /** Loads the file with LibTorch; throws unless names, shapes and dtypes match the manifest. */
  private static void check(Manifest manifest, Path file) {
    ModuleInfo loaded;
    try (LoadedModel model = LoadedModel.load(manifest, file)) {
      loaded = model.module();
    }
    List<ModuleDiff.Difference> differences = ModuleDiff.between(manifest.module(), loaded);
    if (!differences.isEmpty()) {
      throw new IllegalStateException(differences.size() + " difference(s) between the server's manifest and "
          + "what LibTorch loaded, first: " + differences.get(0));
    }
  }

  /** One line per notice and per outcome on stdout; connection trouble on stderr. */
  private record Printer(PrintWriter out, PrintWriter err, String libtorch) implements ModelWatcher.Listener {
    @Override
    public void subscribed(List<String> names) {
      print(out, "watching " + (names.isEmpty() ? "every model" : String.join(", ", names)));
    }

    @Override
    public void notice(Event event) {
      print(out, describe(event));
    }

    @Override
    public void loaded(Manifest manifest) {
      print(out, "loaded " + manifest.id() + " with LibTorch " + libtorch + ": " + manifest.parameters().size()
          + " parameters and " + manifest.buffers().size() + " buffers match the manifest; receipt sent");
    }

    @Override
    public void failed(ModelId id, String reason, boolean receiptSent) {
      print(out, "failed " + id + ": " + reason + (receiptSent ? "; receipt sent" : ""));
    }

    @Override
    public void disconnected(ClientException cause, Duration retryIn) {
      print(err, "torchfeed: " + cause.getMessage() + "; reconnecting in " + retryIn.toSeconds() + "s");
    }

    private static String describe(Event event) {
      if (event instanceof Event.Published e) {
        return "published " + e.name() + ":" + e.version() + " (" + e.size() + " bytes, sha256 " + e.sha256()
            + ")";
      }
      if (event instanceof Event.Removed e) {
        return "removed " + e.name() + ":" + e.version();
      }
      if (event instanceof Event.AliasChanged e) {
        return "alias " + e.name() + "@" + e.alias() + (e.version() == 0 ? " removed" : " -> " + e.version());
      }
      return "event " + EventJson.write(event);
    }

    private static void print(PrintWriter to, String line) {
      to.println(line);
      to.flush();
    }
  }
}
