package io.torchfeed;

import io.torchfeed.cli.ConfigDefaults;
import io.torchfeed.cli.FetchCommand;
import io.torchfeed.cli.InspectCommand;
import io.torchfeed.cli.ListCommand;
import io.torchfeed.cli.ManifestCommand;
import io.torchfeed.cli.PublishCommand;
import io.torchfeed.cli.ServeCommand;
import io.torchfeed.cli.SigningKeyCommand;
import io.torchfeed.cli.ValidateWorkerCommand;
import io.torchfeed.cli.VerifyCommand;
import io.torchfeed.cli.WatchCommand;
import io.torchfeed.client.libtorch.LibTorch;
import io.torchfeed.protocol.Protocol;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point: {@code java -jar torchfeed.jar <command>}. Wiring only. */
@Command(
    name = "torchfeed",
    mixinStandardHelpOptions = true,
    versionProvider = Main.VersionProvider.class,
    description = "Serves TorchScript models to LibTorch clients over TCP.",
    subcommands = {
        ServeCommand.class, InspectCommand.class, ListCommand.class, ManifestCommand.class, FetchCommand.class,
        PublishCommand.class, VerifyCommand.class, WatchCommand.class, SigningKeyCommand.class, ValidateWorkerCommand.class, CommandLine.HelpCommand.class})
public final class Main {

  public static void main(String[] args) {
    if (System.getProperty("slf4j.internal.verbosity") == null) {
      System.setProperty("slf4j.internal.verbosity", "WARN");
    }
    if (System.getProperty("torchfeed.log.level") == null) {
      String fromEnv = System.getenv("TORCHFEED_LOG_LEVEL");
      boolean serving = args.length > 0 && args[0].equals("serve");
      System.setProperty("torchfeed.log.level", fromEnv != null ? fromEnv : serving ? "INFO" : "WARN");
    }
    System.exit(run(args));
  }

  /** Runs one command; 0 on success, 1 with a one-line message on stderr on failure. */
  public static int run(String... args) {
    CommandLine cli = new CommandLine(new Main());
    try {
      cli.setDefaultValueProvider(ConfigDefaults.fromArgs(args, System.getenv()));
    } catch (RuntimeException e) {
      cli.getErr().println("torchfeed: " + ConfigDefaults.firstLine(e));
      return 1;
    }
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      commandLine.getErr().println("torchfeed: " + ConfigDefaults.firstLine(e));
      org.slf4j.LoggerFactory.getLogger(Main.class).debug("command failed", e);
      return 1;
    });
    cli.setParameterExceptionHandler((e, args1) -> {
      e.getCommandLine().getErr().println("torchfeed: " + e.getMessage() + " (see --help)");
      return 1;
    });
    return cli.execute(args);
  }

  /**
   * {@code --version}: torchfeed's version, the protocol versions it speaks, and the LibTorch of its JavaCPP
   * presets. Printing it does not load LibTorch (seconds, and an unpacking on first use): the version is the one
   * built against, which {@code LibTorchTest} checks is the one the presets load.
   */
  public static final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {
          "torchfeed " + Version.SOFTWARE,
          "protocol versions " + Protocol.VERSION + " to " + Protocol.MAX_VERSION,
          "LibTorch " + Version.LIBTORCH + " (JavaCPP presets " + LibTorch.PRESETS_VERSION
              + "; loaded by validation, inspect, verify and watch)"};
    }
  }
}
