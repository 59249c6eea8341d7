package io.torchfeed.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code java -jar torchfeed.jar serve ...} in its own process on ephemeral loopback ports, for tests that kill it or
 * limit it as a process (SIGKILL, {@code ulimit -f}). Its output goes to files in {@code logs} (a process writing
 * into a pipe nobody reads would block); {@link #start} waits for the ready line and reads the ports from it.
 */
public final class ServerProcess implements AutoCloseable {
  private static final Pattern READY = Pattern.compile("torchfeed ready: .*; TCP on 127\\.0\\.0\\.1:(\\d+), "
      + "HTTP on 127\\.0\\.0\\.1:(\\d+)(?:, raw on 127\\.0\\.0\\.1:(\\d+))?");

  private final Process process;
  private final Path out;
  private final Path err;
  private final int tcpPort;
  private final int httpPort;
  private final int rawPort;

  private ServerProcess(Process process, Path out, Path err, int tcpPort, int httpPort, int rawPort) {
    this.process = process;
    this.out = out;
    this.err = err;
    this.tcpPort = tcpPort;
    this.httpPort = httpPort;
    this.rawPort = rawPort;
  }

  /** A server over {@code repository} with {@link TestServer#TOKEN} as its admin token. */
  public static ServerProcess start(Path repository, Path cacheDir, Path logs, String... options) {
    return start("", repository, cacheDir, logs, options);
  }

  /**
   * The same, started through {@code bash -c '<shellPrefix> exec java ...'} when {@code shellPrefix} is not empty
   * (e.g. {@code ulimit -f 2048;}), so the limit applies to the server and the processes it starts.
   */
  public static ServerProcess start(String shellPrefix, Path repository, Path cacheDir, Path logs,
      String... options) {
    List<String> java = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
        "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0", "-jar", Cli.jar().toAbsolutePath().toString(), "serve",
        "--models", repository.toString(), "--cache-dir", cacheDir.toString(), "--bind", "127.0.0.1",
        "--port", "0", "--http-port", "0", "--admin-token", TestServer.TOKEN, "--settle", "200ms"));
    java.addAll(List.of(options));
    List<String> command = java;
    if (!shellPrefix.isEmpty()) {
      StringBuilder line = new StringBuilder(shellPrefix).append(" exec");
      java.forEach(word -> line.append(" '").append(word.replace("'", "'\\''")).append('\''));
      command = List.of("bash", "-c", line.toString());
    }
    try {
      Files.createDirectories(logs);
      Path out = Files.createTempFile(logs, "server", ".out");
      Path err = Files.createTempFile(logs, "server", ".err");
      Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
      Matcher ready;
      try {
        ready = Await.value(() -> readyLine(process, out, err), "the server's ready line");
      } catch (AssertionError e) {
        process.destroyForcibly();
        throw new AssertionError(e.getMessage() + ":\n" + read(out) + "\n" + read(err), e);
      }
      return new ServerProcess(process, out, err, Integer.parseInt(ready.group(1)), Integer.parseInt(ready.group(2)),
          ready.group(3) == null ? -1 : Integer.parseInt(ready.group(3)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The ready line's match once the server wrote it; null while it has not; fails if the server exited. */
  private static Matcher readyLine(Process process, Path out, Path err) {
    Matcher ready = READY.matcher(read(out));
    if (ready.find()) {
      return ready;
    }
    if (!process.isAlive()) {
      throw new IllegalStateException("the server exited with " + process.exitValue() + ":\n" + read(out) + "\n"
          + read(err));
    }
    return null;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int tcpPort() {
    return tcpPort;
  }

  public int httpPort() {
    return httpPort;
  }

  /** The raw port (with {@code --raw-port 0}); -1 without one. */
  public int rawPort() {
    return rawPort;
  }

  /** The pid of the JVM (with a shell prefix, {@code exec} makes it the same process). */
  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** {@code http://127.0.0.1:<http port><path>}. */
  public URI http(String path) {
    return URI.create("http://127.0.0.1:" + httpPort + path);
  }

  public HttpApi api() {
    return new HttpApi(this::http);
  }

  /** SIGKILL, and waits (bounded) until the process is gone. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(1, TimeUnit.MINUTES)) {
      throw new IllegalStateException("pid " + process.pid() + " survived SIGKILL for a minute");
    }
  }

  /** SIGTERM, without waiting: the server stops gracefully (docs/shutdown.md). */
  public void terminate() {
    process.destroy();
  }

  /** Waits until the process has exited (fails the test after {@link Await#DEADLINE}); its exit status. */
  public int awaitExit() throws InterruptedException {
    if (!process.waitFor(Await.DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("pid " + process.pid() + " still runs after " + Await.DEADLINE.toSeconds() + " s:\n"
          + output());
    }
    return process.exitValue();
  }

  /** What the server wrote to stdout: its ready line and, once stopped, its stop line. */
  public String stdout() {
    return read(out);
  }

  /** What the server wrote to stdout and stderr, for assertion messages. */
  public String output() {
    try {
      return Files.readString(out) + "\n--- stderr\n" + Files.readString(err);
    } catch (IOException e) {
      return e.toString();
    }
  }

  /** SIGTERM (a clean shutdown), SIGKILL if it takes more than a minute. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(1, TimeUnit.MINUTES)) {
        kill();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
