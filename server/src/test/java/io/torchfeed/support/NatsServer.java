package io.torchfeed.support;

import io.torchfeed.bus.nats.BusLocation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian's {@code nats-server} with JetStream, in its own process on a loopback port, its store in a directory of
 * the test's: {@code nats-server -js -a 127.0.0.1 -p PORT -sd DIR/store}. {@link #stop()} (SIGTERM) and
 * {@link #restart()} bring it down and back on the same port and store, as a bus outage ({@link #wipeStore()} in
 * between: back as a new server); {@link #close()} kills it.
 * Each run's output goes to {@code DIR/nats-<run>.log} (see {@link #log()}).
 */
public final class NatsServer implements AutoCloseable {
  private static final String READY = "Server is ready";
  private static final String PORT_TAKEN = "address already in use";
  private static final int ATTEMPTS = 5;

  private final Path dir;
  private final int port;
  private Process process;
  private Path log;
  private int runs;

  private NatsServer(Path dir, int port) {
    this.dir = dir;
    this.port = port;
  }

  /**
   * Starts a server on a free port (chosen by binding port 0 and closing it; another port is tried if something
   * took it meanwhile) and returns once it logged that it is ready.
   */
  public static NatsServer start(Path dir) {
    for (int attempt = 1; ; attempt++) {
      NatsServer server = new NatsServer(dir, freePort());
      if (server.run()) {
        return server;
      }
      if (attempt == ATTEMPTS) {
        throw new IllegalStateException("no free port for nats-server after " + ATTEMPTS + " attempts:\n"
            + server.log());
      }
    }
  }

  /** The installed server: {@code -Dnats.server=PATH}, else Debian's {@code /usr/sbin/nats-server}. */
  public static Path binary() {
    String configured = System.getProperty("nats.server");
    for (Path candidate : configured != null ? List.of(Path.of(configured))
        : List.of(Path.of("/usr/sbin/nats-server"), Path.of("/usr/bin/nats-server"))) {
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException("nats-server is not installed (.ci/setup installs it; -Dnats.server=PATH)");
  }

  public int port() {
    return port;
  }

  /** {@code nats://127.0.0.1:PORT}. */
  public BusLocation location() {
    return BusLocation.parse(BusLocation.SCHEME + "127.0.0.1:" + port);
  }

  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** SIGTERM, and waits until the process is gone: clients see the server close their connections. */
  public synchronized void stop() {
    if (process == null) {
      return;
    }
    process.destroy();
    waitForExit();
  }

  /**
   * Starts the server again on the same port and store directory (its streams and their messages survive); retries
   * while the port is not free yet.
   */
  public synchronized void restart() {
    if (isRunning()) {
      throw new IllegalStateException("nats-server on port " + port + " is running");
    }
    Await.until(this::run, () -> "nats-server to start again on port " + port + ":\n" + log());
  }

  /** Deletes the store directory of a stopped server: restarted, it has no streams, as a new server would. */
  public synchronized void wipeStore() {
    if (isRunning()) {
      throw new IllegalStateException("nats-server on port " + port + " is running");
    }
    try (Stream<Path> files = Files.walk(dir.resolve("store"))) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What the current (or last) run wrote, for assertion messages. */
  public synchronized String log() {
    try {
      return log == null ? "" : Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return e.toString();
    }
  }

  /** SIGKILL if still running, and waits until the process is gone. */
  @Override
  public synchronized void close() {
    if (process != null) {
      process.destroyForcibly();
      waitForExit();
    }
  }

  /** One run: true once it is ready, false if the port was taken; throws on any other failure. */
  private synchronized boolean run() {
    try {
      Files.createDirectories(dir);
      log = dir.resolve("nats-" + port + "-" + ++runs + ".log");
      process = new ProcessBuilder(binary().toString(), "-js", "-a", "127.0.0.1", "-p", Integer.toString(port),
          "-sd", dir.resolve("store").toString())
          .redirectErrorStream(true).redirectOutput(log.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Await.until(() -> log().contains(READY) || !process.isAlive(), () -> "nats-server to be ready:\n" + log());
    if (process.isAlive()) {
      return true;
    }
    waitForExit();
    if (log().contains(PORT_TAKEN)) {
      return false;
    }
    throw new IllegalStateException("nats-server exited with " + process.exitValue() + ":\n" + log());
  }

  private void waitForExit() {
    try {
      if (!process.waitFor(1, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        process.waitFor(1, TimeUnit.MINUTES);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while nats-server " + process.pid() + " stopped", e);
    }
    if (process.isAlive()) {
      throw new IllegalStateException("nats-server " + process.pid() + " survived SIGKILL for a minute");
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
