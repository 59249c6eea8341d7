package io.torchfeed.cli;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.torchfeed.model.FileFacts;
import io.torchfeed.model.ModuleInfo;
import io.torchfeed.model.TensorInfo;
import io.torchfeed.validation.ArchiveFacts;
import io.torchfeed.validation.WorkerValidator;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code inspect}: validate one local file exactly as the server would (plain-Java archive checks, then LibTorch
 * in a worker process) and print what it contains.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
    description = "Validate a local TorchScript file and print its parameters and buffers.")
public final class InspectCommand implements Callable<Integer> {
  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "FILE")
  Path file;

  @Option(names = "--json", description = "Print JSON with `parameters` and `buffers` at the top level.")
  boolean json;

  @Option(names = "--validation-timeout", paramLabel = "DURATION", defaultValue = "2m",
      converter = DurationConverter.class, description = "Time limit for LibTorch (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  /** The JSON printed by {@code inspect --json}. */
  @JsonPropertyOrder({"file", "size", "sha256", "formatVersion", "parameters", "buffers"})
  public record Inspection(String file, long size, String sha256, int formatVersion, List<TensorInfo> parameters,
      List<TensorInfo> buffers) {}

  @Override
  public Integer call() {
    if (!Files.exists(file)) {
      throw new IllegalArgumentException(file + ": no such file");
    }
    FileFacts facts = new ArchiveFacts().read(file);
    ModuleInfo module;
    try (WorkerValidator validator = new WorkerValidator(WorkerValidator.Settings.defaults().withFileTimeout(timeout))) {
      module = validator.validate(file.toAbsolutePath());
    }
    Inspection result = new Inspection(file.toString(), facts.size(), facts.sha256(), facts.formatVersion(),
        module.parameters(), module.buffers());
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(Json.pretty(result));
    } else {
      out.printf("%s  %d bytes  sha256 %s  format version %d%n", file, facts.size(), facts.sha256(),
          facts.formatVersion());
      TensorTable.print(out, "PARAMETERS", module.parameters());
      TensorTable.print(out, "BUFFERS", module.buffers());
    }
    return 0;
  }
}
