package io.torchfeed.bus.nats;

import io.nats.client.ConnectionListener;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the NATS client's connection events and errors into the link's {@link BusHealth}, and logs one line per
 * change of state and per new error (an error repeated while the bus is down, e.g. every attempt to recreate the
 * consumer, is logged once). Thread-safe.
 */
final class LinkState {
  private static final Logger log = LoggerFactory.getLogger(NatsBus.class);

  private final String location;
  private final Clock clock;
  private BusHealth health;
  private String lastErrorText = "";

  LinkState(BusLocation location, Clock clock) {
    this.location = location.toString();
    this.clock = clock;
    this.health = new BusHealth(BusHealth.State.CONNECTING, clock.instant(), false, "");
  }

  synchronized BusHealth health() {
    return health;
  }

  /** A connection event; {@code server} is the client's description of the server, may be empty. */
  void event(ConnectionListener.Events event, String server) {
    BusHealth.State state = switch (event) {
      case CONNECTED, RECONNECTED -> BusHealth.State.CONNECTED;
      case DISCONNECTED -> BusHealth.State.DISCONNECTED;
      case CLOSED -> BusHealth.State.CLOSED;
      default -> null;
    };
    String where = server == null || server.isEmpty() ? location : server;
    if (event == ConnectionListener.Events.LAME_DUCK) {
      log.info("bus: {} is shutting down (lame duck mode); the client will move to another server", where);
    }
    if (state == null) {
      return;
    }
    synchronized (this) {
      if (health.state() == state || health.state() == BusHealth.State.CLOSED
          || health.state() == BusHealth.State.CONNECTING && state == BusHealth.State.DISCONNECTED) {
        return; // a failed first attempt leaves the link connecting
      }
      health = new BusHealth(state, clock.instant(), health.listening(), health.lastError());
    }
    switch (state) {
      case CONNECTED -> log.info("bus: {} {}", event == ConnectionListener.Events.RECONNECTED ? "reconnected to"
          : "connected to", where);
      case DISCONNECTED -> log.warn("bus: disconnected from {}; reconnecting (notices published meanwhile are"
          + " dropped, polling covers them)", where);
      default -> log.info("bus: closed");
    }
  }

  /** The consumer of the other replicas' messages is set up. */
  synchronized void listening() {
    health = new BusHealth(health.state(), health.since(), true, health.lastError());
  }

  /** The link was closed by its owner. */
  void closed() {
    event(ConnectionListener.Events.CLOSED, "");
  }

  /** An error, as one line; logged when it differs from the previous one. */
  void error(String what) {
    String line = Objects.toString(what, "").replaceAll("\\s+", " ").trim();
    Instant at = clock.instant();
    boolean repeated;
    synchronized (this) {
      repeated = line.equals(lastErrorText);
      lastErrorText = line;
      health = new BusHealth(health.state(), health.since(), health.listening(), at + " " + line);
    }
    if (!repeated) {
      log.warn("bus: {}", line);
    }
  }
}
