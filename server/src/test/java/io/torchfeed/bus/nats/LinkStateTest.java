package io.torchfeed.bus.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats.client.ConnectionListener.Events;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class LinkStateTest {
  private final MutableClock clock = new MutableClock();
  private final LinkState state = new LinkState(BusLocation.parse("nats://n:4222"), clock);

  @Test
  void startsConnectingAndStaysSoThroughFailedFirstAttempts() {
    Instant started = clock.now;
    clock.now = clock.now.plusSeconds(1);
    state.event(Events.DISCONNECTED, "");
    assertEquals(new BusHealth(BusHealth.State.CONNECTING, started, false, ""), state.health());
  }

  @Test
  void followsTheConnectionWithTheTimeOfEachChange() {
    clock.now = Instant.parse("2024-05-01T12:00:01Z");
    state.event(Events.CONNECTED, "nats://n:4222");
    state.listening();
    clock.now = Instant.parse("2024-05-01T12:00:02Z");
    state.event(Events.DISCONNECTED, "");
    clock.now = Instant.parse("2024-05-01T12:00:03Z");
    state.event(Events.DISCONNECTED, "");
    assertEquals(new BusHealth(BusHealth.State.DISCONNECTED, Instant.parse("2024-05-01T12:00:02Z"), true, ""),
        state.health());
    clock.now = Instant.parse("2024-05-01T12:00:04Z");
    state.event(Events.RECONNECTED, "nats://n:4222");
    state.event(Events.RESUBSCRIBED, "nats://n:4222");
    assertTrue(state.health().connected());
    assertEquals(Instant.parse("2024-05-01T12:00:04Z"), state.health().since());
  }

  @Test
  void closedIsFinal() {
    state.event(Events.CONNECTED, "");
    state.closed();
    state.event(Events.RECONNECTED, "");
    assertEquals(BusHealth.State.CLOSED, state.health().state());
    assertFalse(state.health().connected());
  }

  @Test
  void theLastErrorIsOneLineWithItsTime() {
    clock.now = Instant.parse("2024-05-01T12:00:05Z");
    state.error("java.net.ConnectException:\n  Connection refused");
    assertEquals("2024-05-01T12:00:05Z java.net.ConnectException: Connection refused", state.health().lastError());
  }

  private static final class MutableClock extends Clock {
    Instant now = Instant.parse("2024-05-01T12:00:00Z");

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
