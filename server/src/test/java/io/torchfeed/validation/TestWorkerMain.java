package io.torchfeed.validation;

import io.torchfeed.cli.ValidateWorkerCommand;
import io.torchfeed.model.ModuleInfo;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Stands in for {@code io.torchfeed.Main} as the worker's main class in {@link WorkerValidatorTest}: runs the
 * real {@code validate-worker} command, with LibTorch, but its inspector misbehaves on request, by the file's
 * extension: {@code .hang} (creates {@code <file>.started}, then never returns), {@code .exit} (the process
 * exits with code 3 at once) and {@code .noisy} (writes to stdout through Java and straight to fd 1, then
 * inspects the file).
 */
public final class TestWorkerMain {
  private TestWorkerMain() {}

  public static void main(String[] args) {
    CommandLine cli = new CommandLine(new Root())
        .addSubcommand(new ValidateWorkerCommand(new Misbehaving(new LibTorchInspector())));
    System.exit(cli.execute(args));
  }

  @Command(name = "test-main")
  static final class Root implements Runnable {
    @Override
    public void run() {
      throw new CommandLine.ParameterException(new CommandLine(this), "a subcommand is required");
    }
  }

  static final class Misbehaving implements ModuleInspector {
    private final ModuleInspector real;

    Misbehaving(ModuleInspector real) {
      this.real = real;
    }

    @Override
    public ModuleInfo inspect(Path file) {
      String name = file.getFileName().toString();
      try {
        if (name.endsWith(".hang")) {
          Files.createFile(file.resolveSibling(name + ".started"));
          Thread.sleep(Long.MAX_VALUE);
        }
        if (name.endsWith(".exit")) {
          Runtime.getRuntime().halt(3);
        }
        if (name.endsWith(".noisy")) {
          System.out.println("noise through System.out");
          FileOutputStream fd1 = new FileOutputStream(FileDescriptor.out);
          fd1.write("noise on fd 1 without a newline ".getBytes(StandardCharsets.UTF_8));
          fd1.flush();
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      return real.inspect(file);
    }

    @Override
    public String libtorchVersion() {
      return real.libtorchVersion();
    }
  }
}
