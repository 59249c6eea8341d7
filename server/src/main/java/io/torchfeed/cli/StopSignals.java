package io.torchfeed.cli;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT ask {@code serve} to stop gracefully (docs/shutdown.md); this is the one place signals are
 * handled. The JVM's own handlers would run the shutdown hooks and exit with 143 or 130; these only wake the thread
 * in {@link #await()}, which stops the server and returns, so the process exits 0. Before {@link #install()} (while
 * the server starts) a signal still ends the process the JVM's way.
 */
final class StopSignals {
  private final CountDownLatch received = new CountDownLatch(1);
  private volatile String name = "";

  private StopSignals() {}

  static StopSignals install() {
    StopSignals signals = new StopSignals();
    for (String signal : List.of("TERM", "INT")) {
      try {
        Signal.handle(new Signal(signal), signals::received);
      } catch (IllegalArgumentException e) {
        // the JVM keeps this signal (java -Xrs): it ends the process the JVM's way
      }
    }
    return signals;
  }

  private void received(Signal signal) {
    if (received.getCount() > 0) {
      name = "SIG" + signal.getName();
      received.countDown();
    }
  }

  /** Waits for the first signal; returns its name, e.g. {@code SIGTERM}. */
  String await() throws InterruptedException {
    received.await();
    return name;
  }
}
