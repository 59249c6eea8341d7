package io.torchfeed.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** This JVM's open file descriptors (Linux {@code /proc/self/fd}), to show a test released what it held. */
public final class Descriptors {
  private Descriptors() {}

  /** How many descriptors this process has open now. */
  public static long open() {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until at most {@code limit} descriptors are open; fails the test after {@link Await#DEADLINE}. */
  public static void awaitAtMost(long limit, String what) {
    long[] last = {open()};
    Await.until(() -> (last[0] = open()) <= limit,
        () -> what + ": " + last[0] + " descriptors open, at most " + limit + " expected");
  }
}
