package io.torchfeed.validation;

import io.torchfeed.model.ModuleInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Validates files in a child process, so that a file that makes LibTorch abort, crash, run out of memory or
 * hang costs a process, not the server. The child is this JVM's {@code java} running this JVM's class path:
 * {@code <main class> validate-worker} ({@link io.torchfeed.cli.ValidateWorkerCommand}), with the options
 * {@value #HEAP}, {@value #NATIVE_LIMIT} (LibTorch's memory is not bounded by a multiple of that small heap),
 * {@code -XX:+ExitOnOutOfMemoryError} (a heap OOM ends the worker rather than leaving it half-working),
 * {@code -XX:-CreateCoredumpOnCrash} (no core file of several hundred MB per hostile file) and
 * {@code -XX:ErrorFile=<java.io.tmpdir>/torchfeed-validator-hs_err_pid%p.log}, then the
 * {@linkplain Settings#extraJvmOptions() extra options}, which can override any of these.
 *
 * <p>The worker is started on first use and kept for the next files. Files are fed one at a time, in the
 * order callers arrive; each gets {@linkplain Settings#fileTimeout() a time limit}. A file during which
 * the worker dies is rejected with {@code validator crashed: <how>[; last output: <line>]}, where
 * {@code <how>} is {@code killed by signal 9 (SIGKILL)}, {@code killed by signal 6 (SIGABRT)} (a C++
 * {@code abort}), {@code exited with code 3} and the like, and {@code <line>} is the last line the worker
 * wrote while on this file, or the headline of the JVM's crash report. A native crash the JVM catches
 * (SIGSEGV, SIGBUS, ...) ends with exit code 1 when no core file is written, so it reads
 * {@code validator crashed: exited with code 1; last output: SIGSEGV (0xb) at pc=0x..., pid=..., tid=...}.
 * A file that takes too long is rejected with {@code validator timed out after 120 s} and the worker is
 * killed. Either way the next file gets a new worker. Everything the worker writes to stderr is logged here
 * line by line, and anything on its stdout that is not an answer is logged as a warning.
 */
public final class WorkerValidator implements Validator {
  static final String HEAP = "-Xmx256m";
  static final String NATIVE_LIMIT = "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0";
  private static final Logger log = LoggerFactory.getLogger(WorkerValidator.class);

  private final Settings settings;
  private final List<String> command;
  private final ReentrantLock lock = new ReentrantLock(true);
  private volatile WorkerProcess worker;
  private volatile boolean closed;

  /**
   * How to run the worker.
   *
   * @param mainClass       the class whose {@code main} understands the {@code validate-worker} argument
   * @param extraJvmOptions JVM options after the built-in ones (e.g. {@code -Xmx1g} for very large models)
   * @param fileTimeout     how long one file may take
   * @param startTimeout    how long the worker may take to start and load LibTorch (the first start unpacks
   *                        LibTorch into {@code ~/.javacpp/cache}, which takes a while)
   */
  public record Settings(String mainClass, List<String> extraJvmOptions, Duration fileTimeout,
      Duration startTimeout) {
    public static final String MAIN_CLASS = "io.torchfeed.Main";
    public static final Duration FILE_TIMEOUT = Duration.ofSeconds(120);
    public static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    public Settings {
      Objects.requireNonNull(mainClass, "mainClass");
      extraJvmOptions = List.copyOf(extraJvmOptions);
      requirePositive(fileTimeout, "fileTimeout");
      requirePositive(startTimeout, "startTimeout");
    }

    /** {@code io.torchfeed.Main}, no extra options, 120 s per file, 120 s to start. */
    public static Settings defaults() {
      return new Settings(MAIN_CLASS, List.of(), FILE_TIMEOUT, START_TIMEOUT);
    }

    public Settings withMainClass(String mainClass) {
      return new Settings(mainClass, extraJvmOptions, fileTimeout, startTimeout);
    }

    public Settings withExtraJvmOptions(List<String> extraJvmOptions) {
      return new Settings(mainClass, extraJvmOptions, fileTimeout, startTimeout);
    }

    public Settings withFileTimeout(Duration fileTimeout) {
      return new Settings(mainClass, extraJvmOptions, fileTimeout, startTimeout);
    }

    public Settings withStartTimeout(Duration startTimeout) {
      return new Settings(mainClass, extraJvmOptions, fileTimeout, startTimeout);
    }

    private static void requirePositive(Duration duration, String name) {
      Objects.requireNonNull(duration, name);
      if (duration.isNegative() || duration.isZero()) {
        throw new IllegalArgumentException(name + " must be positive: " + duration);
      }
    }
  }

  /** A validator with {@link Settings#defaults()}. */
  public WorkerValidator() {
    this(Settings.defaults());
  }

  public WorkerValidator(Settings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.command = command(settings);
  }

  @Override
  public ModuleInfo validate(Path file) {
    Path absolute = file.toAbsolutePath();
    try {
      lock.lockInterruptibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ValidatorUnavailableException("interrupted while waiting to validate " + absolute);
    }
    try {
      WorkerProcess current = running();
      String answer;
      try {
        answer = current.exchange(WorkerProtocol.request(absolute), settings.fileTimeout());
      } catch (TimeoutException e) {
        discard(current);
        // INFO: the caller reports the failure itself (the repository logs the rejection, inspect prints it)
        log.info("validating {} took longer than {}; killed validator {}", absolute,
            text(settings.fileTimeout()), current.pid());
        throw new ValidatorFailureException("validator timed out after " + text(settings.fileTimeout()));
      } catch (WorkerProcess.DiedException e) {
        discard(current);
        if (closed) {
          throw new ValidatorUnavailableException("validator closed while validating " + absolute);
        }
        log.info("validator {} crashed while validating {}: {}", current.pid(), absolute, e.getMessage());
        throw new ValidatorFailureException("validator crashed: " + e.getMessage());
      } catch (InterruptedException e) {
        discard(current);
        Thread.currentThread().interrupt();
        throw new ValidatorUnavailableException("interrupted while validating " + absolute);
      }
      return parse(current, answer);
    } finally {
      lock.unlock();
    }
  }

  /** The process id of the current worker, if one is running; for monitoring and tests. */
  public OptionalLong workerPid() {
    WorkerProcess current = worker;
    return current != null && current.isAlive() ? OptionalLong.of(current.pid()) : OptionalLong.empty();
  }

  /**
   * Stops the worker: closes its stdin so it exits after the file at hand, and kills it if it has not exited
   * within 5 s. A validation in flight then fails with {@link ValidatorUnavailableException}, unless the
   * worker answered first.
   */
  @Override
  public void close() {
    closed = true;
    WorkerProcess current = worker;
    if (current != null) {
      current.stop();
    }
  }

  /** The command line of the worker process. */
  List<String> command() {
    return command;
  }

  private ModuleInfo parse(WorkerProcess current, String answer) {
    try {
      return WorkerProtocol.parseAnswer(answer);
    } catch (IllegalArgumentException e) {
      discard(current);
      throw new ValidatorUnavailableException("validator " + current.pid() + " answered nonsense: "
          + e.getMessage(), e);
    }
  }

  private WorkerProcess running() {
    if (closed) {
      throw new IllegalStateException("validator is closed");
    }
    WorkerProcess current = worker;
    if (current != null && current.isAlive()) {
      return current;
    }
    if (current != null) {
      log.warn("validator {} is gone; starting another", current.pid());
    }
    current = start();
    worker = current;
    if (closed) { // close() ran while we were starting it
      current.stop();
      throw new ValidatorUnavailableException("validator closed while starting");
    }
    return current;
  }

  /** Kills a worker that can no longer be trusted with the next file; the next file starts another. */
  private void discard(WorkerProcess current) {
    current.kill();
    worker = null;
  }

  private WorkerProcess start() {
    WorkerProcess started;
    try {
      started = WorkerProcess.start(command);
    } catch (IOException e) {
      String reason = "cannot start the validator: " + Reasons.oneLine(e.getMessage());
      throw new ValidatorUnavailableException(reason, e);
    }
    try {
      String libtorch = started.awaitReady(settings.startTimeout());
      log.info("validator {} started with LibTorch {}", started.pid(), libtorch);
      return started;
    } catch (TimeoutException e) {
      started.kill();
      throw new ValidatorUnavailableException(
          "validator did not start within " + text(settings.startTimeout()));
    } catch (WorkerProcess.DiedException e) {
      throw new ValidatorUnavailableException("validator failed to start: " + e.getMessage());
    } catch (IllegalArgumentException e) {
      started.kill();
      throw new ValidatorUnavailableException("validator failed to start: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      started.kill();
      Thread.currentThread().interrupt();
      throw new ValidatorUnavailableException("interrupted while starting the validator");
    }
  }

  private static List<String> command(Settings settings) {
    List<String> command = new ArrayList<>();
    command.add(javaBinary());
    command.add(HEAP);
    command.add(NATIVE_LIMIT);
    command.add("-XX:+ExitOnOutOfMemoryError");
    command.add("-XX:-CreateCoredumpOnCrash");
    command.add("-XX:ErrorFile="
        + Path.of(System.getProperty("java.io.tmpdir"), "torchfeed-validator-hs_err_pid%p.log"));
    command.addAll(settings.extraJvmOptions());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(settings.mainClass());
    command.add("validate-worker");
    return List.copyOf(command);
  }

  private static String javaBinary() {
    return ProcessHandle.current().info().command()
        .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  /** {@code 120 s}, or {@code 1500 ms} for durations that are not whole seconds. */
  static String text(Duration duration) {
    return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + " s" : duration.toMillis() + " ms";
  }
}
