package io.torchfeed.bus.nats;

import io.nats.client.ReconnectDelayHandler;
import java.time.Duration;

/**
 * How long the NATS client waits before each round of attempts through the servers (the first connect included):
 * {@code first}, doubling each round up to {@code max}, forever. The client never gives up (the bus comes back);
 * the cap bounds how long a replica stays off the bus after the bus is back.
 */
final class ReconnectBackoff implements ReconnectDelayHandler {
  private final Duration first;
  private final Duration max;

  ReconnectBackoff(Duration first, Duration max) {
    if (first.isNegative() || first.isZero() || max.compareTo(first) < 0) {
      throw new IllegalArgumentException("backoff from " + first + " to " + max);
    }
    this.first = first;
    this.max = max;
  }

  /** The wait before round {@code rounds} (1 after the first round failed; 0 before the first). */
  @Override
  public Duration getWaitTime(long rounds) {
    if (rounds <= 0) {
      return Duration.ZERO;
    }
    int doublings = (int) Math.min(rounds - 1, 30);
    Duration wait = first.multipliedBy(1L << doublings);
    return wait.compareTo(max) > 0 ? max : wait;
  }
}
