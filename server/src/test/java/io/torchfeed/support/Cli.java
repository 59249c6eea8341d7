package io.torchfeed.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs {@code java -jar torchfeed.jar ...} as a user would, in its own process. */
public final class Cli {
  /** Exit code, stdout and stderr of one command. */
  public record Result(int exit, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
    }
  }

  private Cli() {}

  public static Path jar() {
    String configured = System.getProperty("torchfeed.jar");
    Path jar = configured != null ? Path.of(configured) : Path.of("target", "torchfeed.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: run `mvn package` first");
    }
    return jar;
  }

  public static Result run(String... args) throws IOException, InterruptedException {
    return run(java.util.Map.of(), args);
  }

  /** With these variables added to the environment. */
  public static Result run(java.util.Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0", "-jar", jar().toString()));
    command.addAll(List.of(args));
    Path out = Files.createTempFile("torchfeed-cli", ".out");
    Path err = Files.createTempFile("torchfeed-cli", ".err");
    try {
      ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      builder.environment().putAll(env);
      Process process = builder.start();
      if (!process.waitFor(5, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new IllegalStateException("timed out: " + command);
      }
      return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
