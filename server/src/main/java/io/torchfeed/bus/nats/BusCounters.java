package io.torchfeed.bus.nats;

import io.torchfeed.metrics.Metrics;

/**
 * What the link counts, as {@code torchfeed_bus_messages_total{direction,kind,outcome}} (docs/bus.md): every
 * message out is {@link #sent}, {@link #dropped} or {@link #failed}; every message in is {@link #delivered},
 * {@link #own} or {@link #unreadable}. {@code kind} is a {@link Subjects} kind.
 */
final class BusCounters {
  private final Metrics metrics;

  BusCounters(Metrics metrics) {
    this.metrics = metrics;
  }

  /** The stream acknowledged it: it is stored, the consumers of the other replicas will get it. */
  void sent(String kind) {
    metrics.busMessage("out", kind, "sent");
  }

  /** Never handed to NATS: the link was not connected (not yet, reconnecting, closed). */
  void dropped(String kind) {
    metrics.busMessage("out", kind, "dropped");
  }

  /** Handed to NATS without an acknowledgement in time (or with an error): it may or may not be stored. */
  void failed(String kind) {
    metrics.busMessage("out", kind, "failed");
  }

  /** From another replica, handed to the listener. */
  void delivered(String kind) {
    metrics.busMessage("in", kind, "delivered");
  }

  /** This replica's own message, come back through the stream: skipped. */
  void own(String kind) {
    metrics.busMessage("in", kind, "own");
  }

  /** Without an origin, of an unknown kind or with a body that is not one: skipped. */
  void unreadable(String kind) {
    metrics.busMessage("in", kind, "unreadable");
  }
}
