package io.torchfeed.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The hostile model files of {@code test-fixtures/hostile/} and what the server says about each (expected.tsv). */
public final class HostileFixtures {
  /** Which check rejects the file: the plain-Java pre-check, or LibTorch in the worker. */
  public enum Stage { PRECHECK, LIBTORCH }

  /** What LibTorch does with the file when nothing checks it first. */
  public enum WithoutPrecheck { LOADS, REJECTS, CRASHES }

  /** One line of {@code expected.tsv}. */
  public record Expectation(String file, Stage stage, String reason, WithoutPrecheck libtorch) {
    public Path path() {
      return dir().resolve(file);
    }

    /** The file name without {@code .pt}, with dashes: usable as a model name. */
    public String modelName() {
      return "hostile-" + file.substring(0, file.length() - ".pt".length()).replace('_', '-');
    }

    @Override
    public String toString() {
      return file;
    }
  }

  private HostileFixtures() {}

  public static Path dir() {
    return Fixtures.root().resolve("hostile");
  }

  public static List<Expectation> all() {
    try {
      return Files.readAllLines(dir().resolve("expected.tsv"), StandardCharsets.UTF_8).stream()
          .filter(line -> !line.isBlank() && !line.startsWith("#") && !line.startsWith("file\t"))
          .map(HostileFixtures::parse)
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Expectation parse(String line) {
    String[] fields = line.split("\t", -1);
    if (fields.length != 4) {
      throw new IllegalStateException("expected.tsv: not 4 tab-separated fields: " + line);
    }
    return new Expectation(fields[0], Stage.valueOf(fields[1].toUpperCase(java.util.Locale.ROOT)), fields[2],
        WithoutPrecheck.valueOf(fields[3].toUpperCase(java.util.Locale.ROOT)));
  }
}
