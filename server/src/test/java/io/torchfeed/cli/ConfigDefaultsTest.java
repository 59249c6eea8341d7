package io.torchfeed.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.config.ServerConfig;
import io.torchfeed.model.NameLimit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** File &lt; environment &lt; command line, for the options of {@code serve}. */
class ConfigDefaultsTest {
  @TempDir
  Path dir;

  private ServerConfig parse(Map<String, String> env, String... args) {
    ServeCommand serve = new ServeCommand();
    CommandLine cli = new CommandLine(serve);
    cli.setDefaultValueProvider(ConfigDefaults.fromArgs(args, env));
    cli.parseArgs(args);
    return serve.toConfig();
  }

  @Test
  void layersFileThenEnvironmentThenCommandLine() throws IOException {
    Path file = Files.writeString(dir.resolve("torchfeed.properties"),
        "port=7100\nidle-timeout=10s\nmax-connections=5\n");
    String config = file.toString();

    ServerConfig fromFile = parse(Map.of(), "--config", config);
    assertEquals(7100, fromFile.port());
    assertEquals(Duration.ofSeconds(10), fromFile.limits().idleTimeout());

    ServerConfig fromEnv = parse(Map.of("TORCHFEED_PORT", "7200", "TORCHFEED_CONFIG", config));
    assertEquals(7200, fromEnv.port());
    assertEquals(5, fromEnv.limits().maxConnections());

    ServerConfig fromCli = parse(Map.of("TORCHFEED_PORT", "7200"), "--config", config, "--port", "7300");
    assertEquals(7300, fromCli.port());

    ServerConfig defaults = parse(Map.of());
    assertEquals(7070, defaults.port());
    assertEquals(Path.of("models"), defaults.models());
    assertEquals(Duration.ofMinutes(5), defaults.limits().idleTimeout());
  }

  @Test
  void everyLimitHasTheDocumentedDefault() {
    assertEquals(ServerConfig.Limits.DEFAULTS, parse(Map.of()).limits());
  }

  @Test
  void everyLimitCanBeSetFromTheFileTheEnvironmentOrTheCommandLine() throws IOException {
    Path file = Files.writeString(dir.resolve("limits.properties"),
        "max-http-connections=7\nrequest-timeout=3s\nmax-queued-notices=9\nmax-name-length=40\n");
    ServerConfig.Limits limits = parse(Map.of("TORCHFEED_WRITE_TIMEOUT", "4s", "TORCHFEED_MAX_UPLOAD", "1MiB"),
        "--config", file.toString(), "--max-frame", "1024", "--max-connections", "3", "--idle-timeout", "2s")
        .limits();
    assertEquals(new ServerConfig.Limits(3, 7, 1024, 1L << 20, 9, Duration.ofSeconds(2), Duration.ofSeconds(3),
        Duration.ofSeconds(4), new NameLimit(40)), limits);
  }

  @Test
  void theShutdownGraceIsLayeredLikeEveryOption() throws IOException {
    Path file = Files.writeString(dir.resolve("grace.properties"), "shutdown-grace=45s\n");
    assertEquals(ServerConfig.DEFAULT_SHUTDOWN_GRACE, parse(Map.of()).shutdownGrace());
    assertEquals(Duration.ofSeconds(30), ServerConfig.DEFAULT_SHUTDOWN_GRACE, "README, Configuration");
    assertEquals(Duration.ofSeconds(45), parse(Map.of(), "--config", file.toString()).shutdownGrace());
    assertEquals(Duration.ofMinutes(2), parse(Map.of("TORCHFEED_SHUTDOWN_GRACE", "2m"), "--config",
        file.toString()).shutdownGrace());
    assertEquals(Duration.ofSeconds(1), parse(Map.of("TORCHFEED_SHUTDOWN_GRACE", "2m"), "--shutdown-grace", "1s")
        .shutdownGrace());
    assertEquals(Duration.ZERO, parse(Map.of(), "--shutdown-grace", "0s").shutdownGrace(), "cut at once");
    CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class,
        () -> parse(Map.of(), "--shutdown-grace", "PT-1S"));
    assertEquals("--shutdown-grace must not be negative", e.getMessage());
  }

  @Test
  void aRawModelNameOverTheNameLengthLimitIsRefusedAtStart() {
    CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class,
        () -> parse(Map.of(), "--max-name-length", "8", "--raw-port", "0", "--raw-model", "ninechars"));
    assertEquals("--raw-model: invalid model name 'ninechars': 9 characters, at most 8 are allowed on this server "
        + "(--max-name-length)", e.getMessage());
    assertEquals("eightchr", parse(Map.of(), "--max-name-length", "8", "--raw-port", "0", "--raw-model", "eightchr")
        .raw().orElseThrow().model().name());
  }

  @Test
  void aNameLengthLimitOutsideOneTo128IsRefused() {
    for (String n : new String[] {"0", "129"}) {
      CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class,
          () -> parse(Map.of(), "--max-name-length", n), n);
      assertEquals("the name length limit must be 1 to 128, not " + n, e.getMessage());
    }
  }

  @Test
  void aLimitThatIsNotPositiveIsRefused() {
    for (String[] args : new String[][] {{"--max-http-connections", "0"}, {"--request-timeout", "0s"},
        {"--max-queued-notices", "-1"}, {"--max-frame", "0"}}) {
      CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class,
          () -> parse(Map.of(), args), String.join(" ", args));
      assertTrue(e.getMessage().contains("must be positive"), e.getMessage());
    }
  }
}
