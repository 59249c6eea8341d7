package io.torchfeed.cli;

import io.torchfeed.validation.LibTorchInspector;
import io.torchfeed.validation.ModuleInspector;
import io.torchfeed.validation.ValidationWorker;
import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * {@code torchfeed validate-worker}: the validation worker process that
 * {@link io.torchfeed.validation.WorkerValidator} starts, so the server never loads a model itself. Reads
 * {@code {"path": "/abs/file"}} lines on stdin and answers each with one JSON line on stdout until stdin is
 * closed (see {@link ValidationWorker}). Not for people, hence hidden.
 *
 * <p>The top-level command must not write to stdout before it runs this one: stdout carries the answers.
 */
@Command(
    name = "validate-worker",
    hidden = true,
    description = "Internal: loads model files for the server, one JSON request per line on stdin.")
public final class ValidateWorkerCommand implements Callable<Integer> {
  private final ModuleInspector inspector;

  /** The real worker: files are loaded with {@link LibTorchInspector}. */
  public ValidateWorkerCommand() {
    this(new LibTorchInspector());
  }

  /** A worker that loads files with the given inspector (tests use one that misbehaves on purpose). */
  public ValidateWorkerCommand(ModuleInspector inspector) {
    this.inspector = Objects.requireNonNull(inspector, "inspector");
  }

  @Override
  public Integer call() throws IOException {
    new ValidationWorker(inspector).serveStdio();
    return 0;
  }
}
