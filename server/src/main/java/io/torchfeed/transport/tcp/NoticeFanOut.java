package io.torchfeed.transport.tcp;

import io.torchfeed.event.Event;
import io.torchfeed.protocol.MessageEncoder;
import io.torchfeed.protocol.Notice;
import java.util.function.Consumer;

/**
 * Sends catalog events to subscribers as NOTICE frames (docs/protocol.md 5.8). Runs on the thread that publishes
 * the event (the repository's) and never blocks it: it encodes the frame once and hands it to each subscribed
 * connection, which queues it on its own I/O thread. Receipt events are not sent over TCP.
 */
final class NoticeFanOut implements Consumer<Event> {
  private final ClientRegistry clients;

  NoticeFanOut(ClientRegistry clients) {
    this.clients = clients;
  }

  @Override
  public void accept(Event event) {
    if (event instanceof Event.Receipt) {
      return;
    }
    byte[] frame = null;
    for (TcpConnection connection : clients.connections()) {
      if (connection.client().subscribed()) {
        if (frame == null) {
          frame = MessageEncoder.encode(new Notice(event));
        }
        connection.notice(event.name(), frame);
      }
    }
  }
}
