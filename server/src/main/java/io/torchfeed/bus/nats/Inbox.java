package io.torchfeed.bus.nats;

import io.nats.client.Message;
import io.nats.client.MessageHandler;
import io.nats.client.impl.Headers;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives every message of the cluster's stream (on the consumer's dispatcher thread, in stream order) and hands
 * those of other replicas to the listener as {@link BusMessage}s. The stream carries this replica's own messages
 * too: they are recognized by the {@link BusMessageFormat#ORIGIN_HEADER} and skipped. A message without an origin,
 * of an unknown kind or with a body that is not one is logged and skipped. A listener that throws is logged; the
 * next message still comes.
 */
final class Inbox implements MessageHandler {
  private static final Logger log = LoggerFactory.getLogger(NatsBus.class);

  private final String replica;
  private final Subjects subjects;
  private final Consumer<? super BusMessage> listener;
  private final BusCounters counters;

  Inbox(String replica, Subjects subjects, Consumer<? super BusMessage> listener, BusCounters counters) {
    this.replica = replica;
    this.subjects = subjects;
    this.listener = listener;
    this.counters = counters;
  }

  @Override
  public void onMessage(Message message) {
    String kind = subjects.kindOf(message.getSubject());
    Headers headers = message.getHeaders();
    String origin = headers == null ? null : headers.getFirst(BusMessageFormat.ORIGIN_HEADER);
    if (replica.equals(origin)) {
      counters.own(kind);
      return;
    }
    BusMessage read;
    try {
      if (origin == null) {
        throw new IllegalArgumentException("no " + BusMessageFormat.ORIGIN_HEADER + " header");
      }
      read = BusMessageFormat.read(kind, origin, message.getData() == null ? new byte[0] : message.getData());
    } catch (IllegalArgumentException e) {
      counters.unreadable(kind);
      log.warn("bus: skipped a message on {} from {}: {}", message.getSubject(), origin, e.getMessage());
      return;
    }
    counters.delivered(kind);
    try {
      listener.accept(read);
    } catch (RuntimeException e) {
      log.warn("bus: the listener failed on a {} from {}: {}", kind, origin, e.toString());
    }
  }
}
