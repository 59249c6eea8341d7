package io.torchfeed.bus.nats;

import io.nats.client.JetStream;
import io.nats.client.impl.Headers;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Publishes this replica's messages, best effort, without blocking or throwing: the bucket holds the truth and
 * polling covers a lost message. A message goes to the stream only while the link is connected; otherwise (not
 * connected yet, reconnecting, closed) it is dropped at once: the NATS client keeps no reconnect buffer
 * ({@code reconnectBufferSize(0)}), so nothing from an outage is sent late. Nor does a full outgoing queue block
 * the caller: the client discards the message ({@code discardMessagesWhenOutgoingQueueFull}). The stream's
 * acknowledgement comes back on a NATS thread and is counted then: {@code sent}, or {@code failed} (an error, or
 * none within the client's request time-out of 5 s, as for a discarded message).
 *
 * <p>One case is not exact: a message published in the instant the connection breaks, before the client notices,
 * sits in the client's outgoing queue and goes out after the reconnect (or was already written to the dead socket
 * and is lost). If its acknowledgement does not come within the time-out it is counted {@code failed} even when it
 * was stored after all.
 */
final class Outbox {
  private final String replica;
  private final Subjects subjects;
  private final BusCounters counters;
  private final LinkState state;
  private final AtomicReference<JetStream> jetStream = new AtomicReference<>();

  Outbox(String replica, Subjects subjects, BusCounters counters, LinkState state) {
    this.replica = replica;
    this.subjects = subjects;
    this.counters = counters;
    this.state = state;
  }

  /** Publishing goes through {@code js} from now on ({@code null}: everything is dropped). */
  void connected(JetStream js) {
    jetStream.set(js);
  }

  /** Publishes a message of {@code kind} ({@link Subjects#NOTICE} or {@link Subjects#RECEIPT}). */
  void publish(String kind, byte[] body) {
    JetStream js = jetStream.get();
    if (js == null) {
      counters.dropped(kind);
      return;
    }
    Headers headers = new Headers().put(BusMessageFormat.ORIGIN_HEADER, replica);
    try {
      js.publishAsync(subjects.of(kind), headers, body).whenComplete((ack, error) -> {
        if (error == null) {
          counters.sent(kind);
        } else {
          counters.failed(kind);
          state.error("a " + kind + " was not acknowledged: " + describe(error));
        }
      });
    } catch (RuntimeException e) {
      // IllegalStateException while the connection is reconnecting (no reconnect buffer), closing or closed
      counters.dropped(kind);
    }
  }

  private static String describe(Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    return cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
  }
}
