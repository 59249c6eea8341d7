package io.torchfeed.bus.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ReconnectBackoffTest {
  private final ReconnectBackoff backoff = new ReconnectBackoff(Duration.ofMillis(100), Duration.ofSeconds(2));

  @Test
  void doublesFromTheFirstWaitUpToTheCapForever() {
    assertEquals(Duration.ZERO, backoff.getWaitTime(0));
    assertEquals(Duration.ofMillis(100), backoff.getWaitTime(1));
    assertEquals(Duration.ofMillis(200), backoff.getWaitTime(2));
    assertEquals(Duration.ofMillis(1600), backoff.getWaitTime(5));
    assertEquals(Duration.ofSeconds(2), backoff.getWaitTime(6));
    assertEquals(Duration.ofSeconds(2), backoff.getWaitTime(Long.MAX_VALUE));
  }

  @Test
  void refusesAnEmptyOrInvertedRange() {
    assertThrows(IllegalArgumentException.class, () -> new ReconnectBackoff(Duration.ZERO, Duration.ofSeconds(1)));
    assertThrows(IllegalArgumentException.class,
        () -> new ReconnectBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)));
  }
}
