package io.torchfeed.bus.nats;

import java.time.Instant;
import java.util.Objects;

/**
 * The link to the bus as {@code /readyz} and operators see it.
 *
 * @param state     where the connection is
 * @param since     when it got there
 * @param listening whether the consumer of the other replicas' messages is set up (it stays set up across
 *                  reconnects: the NATS client resumes it)
 * @param lastError the last error the link met, one line, with its time; empty when none
 */
public record BusHealth(State state, Instant since, boolean listening, String lastError) {
  /** Where the connection is. */
  public enum State {
    /** Not connected yet since the link started: the first connect is being tried. */
    CONNECTING,
    /** Connected to a server of the cluster. */
    CONNECTED,
    /** The connection was lost; the client is reconnecting. */
    DISCONNECTED,
    /** The link was closed. */
    CLOSED
  }

  public BusHealth {
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(since, "since");
    Objects.requireNonNull(lastError, "lastError");
  }

  public boolean connected() {
    return state == State.CONNECTED;
  }
}
