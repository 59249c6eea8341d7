package io.torchfeed.bus;

import io.torchfeed.event.Event;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands every {@link Event} to every listener, in order, on the publishing thread: catalog changes come from the
 * repository thread, receipts from a TCP I/O thread. Listeners must return quickly and never block (queue the work
 * elsewhere, e.g. to a connection's I/O thread); one that throws is logged and the others still hear the event.
 */
public final class EventBus {
  private static final Logger log = LoggerFactory.getLogger(EventBus.class);

  private final List<Consumer<? super Event>> listeners = new CopyOnWriteArrayList<>();

  /** A listener's registration; {@link #close()} removes it. */
  public interface Registration extends AutoCloseable {
    @Override
    void close();
  }

  public Registration addListener(Consumer<? super Event> listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  public void publish(Event event) {
    for (Consumer<? super Event> listener : listeners) {
      try {
        listener.accept(event);
      } catch (RuntimeException e) {
        log.warn("event listener failed on {} {}: {}", event.kind(), event.name(), e.toString());
      }
    }
  }
}
