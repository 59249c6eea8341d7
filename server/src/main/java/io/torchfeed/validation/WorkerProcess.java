package io.torchfeed.validation;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running validation worker process, seen from the server. Requests go to its stdin; one thread reads
 * its stdout for {@link WorkerProtocol} messages (anything else there is logged as noise), another forwards
 * its stderr to the log line by line. Both keep the worker's last words for crash reports: the last line it
 * wrote since the current request, or the headline of a JVM crash report (which HotSpot writes to stdout).
 * Not thread-safe: {@link WorkerValidator} has one request in flight at a time.
 */
final class WorkerProcess {
  private static final Logger log = LoggerFactory.getLogger(WorkerProcess.class);
  private static final long EXIT_GRACE_MILLIS = 5_000;
  private static final long STDERR_DRAIN_MILLIS = 2_000;
  private static final Map<Integer, String> SIGNALS = Map.ofEntries(
      Map.entry(1, "SIGHUP"), Map.entry(2, "SIGINT"), Map.entry(3, "SIGQUIT"), Map.entry(4, "SIGILL"),
      Map.entry(5, "SIGTRAP"), Map.entry(6, "SIGABRT"), Map.entry(7, "SIGBUS"), Map.entry(8, "SIGFPE"),
      Map.entry(9, "SIGKILL"), Map.entry(10, "SIGUSR1"), Map.entry(11, "SIGSEGV"), Map.entry(12, "SIGUSR2"),
      Map.entry(13, "SIGPIPE"), Map.entry(14, "SIGALRM"), Map.entry(15, "SIGTERM"), Map.entry(24, "SIGXCPU"),
      Map.entry(25, "SIGXFSZ"), Map.entry(31, "SIGSYS"));

  private final Process process;
  private final long pid;
  private final OutputStream stdin;
  /** Messages from stdout in arrival order; empty once stdout has ended. */
  private final BlockingQueue<Optional<String>> messages = new LinkedBlockingQueue<>();
  private final LastWords lastWords = new LastWords();
  private final Thread stderrPump;

  private WorkerProcess(Process process) {
    this.process = process;
    this.pid = process.pid();
    this.stdin = process.getOutputStream();
    this.stderrPump = daemon("stderr", this::pumpStderr);
    daemon("stdout", this::pumpStdout).start();
    stderrPump.start();
  }

  static WorkerProcess start(List<String> command) throws IOException {
    return new WorkerProcess(new ProcessBuilder(command).start());
  }

  long pid() {
    return pid;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Waits for the worker's ready line.
   *
   * @return the LibTorch version the worker announced
   * @throws IllegalArgumentException if the first message is not a ready line
   */
  String awaitReady(Duration timeout) throws DiedException, TimeoutException, InterruptedException {
    return WorkerProtocol.parseReady(next(timeout));
  }

  /** Sends one request line and waits for the next message, which answers it. */
  String exchange(String request, Duration timeout)
      throws DiedException, TimeoutException, InterruptedException {
    lastWords.clear();
    try {
      stdin.write((request + "\n").getBytes(StandardCharsets.UTF_8));
      stdin.flush();
    } catch (IOException e) {
      throw died();
    }
    return next(timeout);
  }

  /** Kills the process (SIGKILL on Linux) and waits a little for it to be gone. */
  void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(EXIT_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Closes stdin, which ends the worker's loop; kills the worker if it has not exited within 5 s. */
  void stop() {
    try {
      stdin.close();
    } catch (IOException e) {
      log.debug("closing the stdin of validator {}: {}", pid, e.toString());
    }
    try {
      if (!process.waitFor(EXIT_GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
        kill();
      }
    } catch (InterruptedException e) {
      kill();
      Thread.currentThread().interrupt();
    }
  }

  /** How a process ended, from its exit value (the JDK reports death by signal N as 128 + N). */
  static String describeExit(int exitValue) {
    if (exitValue > 128 && exitValue <= 128 + 64) {
      int signal = exitValue - 128;
      String name = SIGNALS.get(signal);
      return "killed by signal " + signal + (name == null ? "" : " (" + name + ")");
    }
    return "exited with code " + exitValue;
  }

  private String next(Duration timeout) throws DiedException, TimeoutException, InterruptedException {
    Optional<String> message = messages.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    if (message == null) {
      throw new TimeoutException();
    }
    if (message.isEmpty()) {
      messages.add(message); // stdout stays ended for anyone asking again
      throw died();
    }
    return message.get();
  }

  private DiedException died() throws InterruptedException {
    if (!process.waitFor(EXIT_GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
      log.warn("validator {} closed its stdout but is still running; killing it", pid);
      kill();
    }
    stderrPump.join(STDERR_DRAIN_MILLIS);
    String status = process.isAlive() ? "stopped answering" : describeExit(process.exitValue());
    return new DiedException(status, lastWords.get());
  }

  private void pumpStdout() {
    try (BufferedReader out = reader(process.getInputStream())) {
      for (String line; (line = out.readLine()) != null; ) {
        int start = WorkerProtocol.messageStart(line);
        if (start != 0) {
          String noise = start < 0 ? line : line.substring(0, start);
          log.warn("validator {} wrote to stdout: {}", pid, noise);
          lastWords.add(noise); // the JVM writes its crash report here
        }
        if (start >= 0) {
          messages.add(Optional.of(line.substring(start)));
        }
      }
    } catch (IOException e) {
      log.debug("reading the stdout of validator {}: {}", pid, e.toString());
    } finally {
      messages.add(Optional.empty());
    }
  }

  private void pumpStderr() {
    try (BufferedReader err = reader(process.getErrorStream())) {
      for (String line; (line = err.readLine()) != null; ) {
        log.info("validator {}: {}", pid, line);
        lastWords.add(line);
      }
    } catch (IOException e) {
      log.debug("reading the stderr of validator {}: {}", pid, e.toString());
    }
  }

  private static BufferedReader reader(InputStream in) {
    return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
  }

  private Thread daemon(String stream, Runnable pump) {
    Thread thread = new Thread(pump, "validator-" + pid + "-" + stream);
    thread.setDaemon(true);
    return thread;
  }

  /** The worker ended (or stopped answering) while the server waited for it. */
  static final class DiedException extends Exception {
    private static final long serialVersionUID = 1L;

    DiedException(String status, String lastWords) {
      super(lastWords == null ? status : status + "; last output: " + lastWords);
    }
  }

  /**
   * The last non-blank line since the last request, or the headline of a JVM crash report (the line after
   * "A fatal error has been detected...", e.g. {@code SIGSEGV (0xb) at pc=...}) if there was one.
   */
  static final class LastWords {
    private static final String JVM_FATAL = "A fatal error has been detected by the Java Runtime Environment";
    private String last;
    private String crash;
    private boolean crashHeadlineNext;

    synchronized void clear() {
      last = null;
      crash = null;
      crashHeadlineNext = false;
    }

    synchronized void add(String line) {
      String text = line.strip();
      while (text.startsWith("#")) {
        text = text.substring(1).strip();
      }
      if (text.isEmpty()) {
        return;
      }
      if (text.startsWith(JVM_FATAL)) {
        crashHeadlineNext = true;
        return;
      }
      if (crashHeadlineNext) {
        crash = crash == null ? text : crash;
        crashHeadlineNext = false;
      }
      last = text;
    }

    synchronized String get() {
      String words = crash != null ? crash : last;
      return words == null ? null : Reasons.oneLine(words);
    }
  }
}
