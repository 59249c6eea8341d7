package io.torchfeed.support;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * A real nginx (Debian's {@code /usr/sbin/nginx}; {@code .ci/setup} installs {@code nginx-light}) started by a
 * test, everything in a directory of its own: {@code nginx.conf}, the pid file, {@code error.log},
 * {@code access.log}, the temporary files and any cache. One process in the foreground ({@code daemon off},
 * {@code master_process off}): it stops with the {@link Process} and, running as whoever runs the test, can write
 * to the test's directory (a master running as root would switch its workers to {@code nobody}). With one process
 * nginx handles one event at a time, so an answer it has cached is in its cache before it reads the next request.
 *
 * <p>It listens on a free loopback port: one found by binding port 0, which another process may take before nginx
 * binds it, so a start that fails with "Address already in use" is tried again on another port.
 */
public final class Nginx implements AutoCloseable {
  /** Debian's nginx. */
  public static final Path BINARY = Path.of("/usr/sbin/nginx");
  private static final int ATTEMPTS = 5;

  private final Process process;
  private final Path dir;
  private final int port;

  private Nginx(Process process, Path dir, int port) {
    this.process = process;
    this.dir = dir;
    this.port = port;
  }

  /**
   * An HTTP cache in front of {@code upstream}: {@code proxy_cache} keyed by the URL, with no
   * {@code proxy_cache_valid}, so it keeps only what the answers' own {@code Cache-Control} lets it keep, and
   * {@code X-Cache-Status} on every answer saying what it did ({@code MISS}, {@code HIT}, ...). docs/http.md
   * (Behind an HTTP cache) shows the same configuration.
   */
  public static Nginx cacheFor(InetSocketAddress upstream, Path dir) {
    String target = upstream.getAddress().getHostAddress() + ":" + upstream.getPort();
    return start(dir, port -> """
          proxy_cache_path %1$s/cache levels=1:2 keys_zone=torchfeed:10m inactive=30d use_temp_path=off;

          server {
            listen 127.0.0.1:%2$d;
            location / {
              proxy_pass http://%3$s;
              proxy_cache torchfeed;
              add_header X-Cache-Status $upstream_cache_status always;
            }
          }
        """.formatted(dir, port, target));
  }

  /**
   * nginx with {@code http(port)} in its {@code http} block, after the logs and temporary directories: what it
   * serves on {@code port} (a {@code listen 127.0.0.1:<port>;} is the caller's to write).
   */
  public static Nginx start(Path dir, IntFunction<String> http) {
    if (!Files.isExecutable(BINARY)) {
      throw new AssertionError(BINARY + " is missing: .ci/setup installs Debian's nginx-light");
    }
    for (int attempt = 1; ; attempt++) {
      int port = freePort();
      Path conf = write(dir, configuration(dir, http.apply(port)));
      Process process = launch(dir, conf);
      Await.until(() -> !process.isAlive() || (Files.exists(dir.resolve("nginx.pid")) && answers(port)),
          "nginx to listen on 127.0.0.1:" + port);
      if (process.isAlive()) {
        return new Nginx(process, dir, port);
      }
      String log = read(dir.resolve("error.log")) + read(dir.resolve("nginx.out"));
      if (!log.contains("Address already in use") || attempt == ATTEMPTS) {
        throw new AssertionError("nginx exited with " + process.exitValue() + ":\n" + log);
      }
    }
  }

  private static String configuration(Path dir, String http) {
    return """
        daemon off;
        master_process off;
        pid %1$s/nginx.pid;
        error_log %1$s/error.log;

        events {
          worker_connections 1024;
        }

        http {
          access_log %1$s/access.log;
          client_body_temp_path %1$s/temp/body;
          proxy_temp_path %1$s/temp/proxy;
          fastcgi_temp_path %1$s/temp/fastcgi;
          uwsgi_temp_path %1$s/temp/uwsgi;
          scgi_temp_path %1$s/temp/scgi;

        %2$s}
        """.formatted(dir, http);
  }

  private static Path write(Path dir, String configuration) {
    try {
      Files.createDirectories(dir.resolve("temp"));
      Files.deleteIfExists(dir.resolve("nginx.pid"));
      Files.deleteIfExists(dir.resolve("error.log"));
      return Files.writeString(dir.resolve("nginx.conf"), configuration, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Process launch(Path dir, Path conf) {
    try {
      return new ProcessBuilder(BINARY.toString(), "-p", dir + "/", "-c", conf.toString(), "-e",
          dir.resolve("error.log").toString())
          .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress("127.0.0.1", 0));
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean answers(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return port;
  }

  /** {@code http://127.0.0.1:<port><path>}. */
  public URI http(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  /** What nginx logged so far, for assertion messages. */
  public String errorLog() {
    return read(dir.resolve("error.log"));
  }

  /** Stops nginx (SIGTERM: a fast shutdown), killing it if it has not exited within 30 s. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
