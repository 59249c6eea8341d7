package io.torchfeed.support;

import java.lang.management.ManagementFactory;

/**
 * Bytes the current thread allocates on the heap, for fuzz tests that check a decoder allocates in proportion
 * to its input and its limits, not to lengths the input merely declares. HotSpot's per-thread counter; where
 * the JVM does not offer it, {@link #supported()} is false and the checks are skipped.
 */
public final class Allocations {
  /**
   * What a check allows on top of the input's share: while fuzzing, Jazzer's hooks (string comparisons,
   * regular expressions) allocate on the same thread, a few MiB for an input whose code path throws and
   * compares a lot. Small beside what believing a declared length would allocate (up to 4 GiB).
   */
  public static final long FUZZER_SLACK = 64L << 20;

  private static final com.sun.management.ThreadMXBean THREADS = threads();

  private Allocations() {}

  public static boolean supported() {
    return THREADS != null;
  }

  /** The running total for this thread; subtract two readings for what happened in between. */
  public static long current() {
    return THREADS == null ? 0 : THREADS.getThreadAllocatedBytes(Thread.currentThread().getId());
  }

  /**
   * The bytes {@code action} allocates, the smaller of two runs when the first is over {@code budget}: the
   * first run of a path also counts class loading and one-off initialisation, which are not the input's doing.
   */
  public static long measure(long budget, Runnable action) {
    long allocated = measure(action);
    return allocated <= budget ? allocated : Math.min(allocated, measure(action));
  }

  private static long measure(Runnable action) {
    long before = current();
    action.run();
    return current() - before;
  }

  private static com.sun.management.ThreadMXBean threads() {
    if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean bean
        && bean.isThreadAllocatedMemorySupported()) {
      bean.setThreadAllocatedMemoryEnabled(true);
      return bean;
    }
    return null;
  }
}
