package io.torchfeed.support;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Polls a condition on state another thread or process is changing, until it holds or a deadline passes. The
 * deadline only bounds a failing test; a passing one never depends on how long anything took.
 */
public final class Await {
  /** How long a condition may take before the test fails: longer than the servers' own 2 min validation timeout. */
  public static final Duration DEADLINE = Duration.ofMinutes(5);

  private static final long POLL_MILLIS = 20;

  private Await() {}

  /** Returns once {@code condition} holds; fails the test, naming {@code what}, after {@link #DEADLINE}. */
  public static void until(BooleanSupplier condition, String what) {
    until(condition, () -> what);
  }

  /** As {@link #until(BooleanSupplier, String)}, with a message computed on failure (e.g. the last value seen). */
  public static void until(BooleanSupplier condition, Supplier<String> what) {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("waited " + DEADLINE.toSeconds() + " s for " + what.get());
      }
      pause();
    }
  }

  /** The first non-null value of {@code value}; fails the test after {@link #DEADLINE}. */
  public static <T> T value(Supplier<T> value, String what) {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    for (T found = value.get(); ; found = value.get()) {
      if (found != null) {
        return found;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("waited " + DEADLINE.toSeconds() + " s for " + what);
      }
      pause();
    }
  }

  private static void pause() {
    try {
      Thread.sleep(POLL_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting", e);
    }
  }
}
