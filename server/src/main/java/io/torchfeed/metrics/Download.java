package io.torchfeed.metrics;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One model download being sent, from the moment its first byte is queued: its duration and size are recorded
 * once, when it ends, as {@code complete} (every byte of the range sent) or {@code aborted} (the client or the
 * connection went away first). Safe to end from any thread; only the first end counts.
 */
public final class Download {
  public static final String COMPLETE = "complete";
  public static final String ABORTED = "aborted";

  private final Metrics metrics;
  private final String transport;
  private final long startNanos;
  private final AtomicBoolean ended = new AtomicBoolean();

  Download(Metrics metrics, String transport, long startNanos) {
    this.metrics = metrics;
    this.transport = transport;
    this.startNanos = startNanos;
  }

  /** Records the download's end: {@code bytes} of its range were sent, all of them when {@code complete}. */
  public void ended(long bytes, boolean complete) {
    if (ended.compareAndSet(false, true)) {
      metrics.downloadEnded(transport, complete ? COMPLETE : ABORTED, System.nanoTime() - startNanos, bytes);
    }
  }
}
