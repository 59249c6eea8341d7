package io.torchfeed.client;

import io.torchfeed.event.Event;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What a {@link TorchfeedClient} subscribed to, and the notices that follow (docs/protocol.md 5.7, 5.8). A view on
 * its client: use it from the client's thread, between requests.
 *
 * <pre>{@code
 * Subscription subscription = client.subscribe(List.of("toynet"));
 * while (running) {
 *   subscription.next(Duration.ofSeconds(1)).ifPresent(event -> ...);
 * }
 * }</pre>
 */
public final class Subscription {
  private final TorchfeedClient client;
  private final List<String> names;

  Subscription(TorchfeedClient client, List<String> names) {
    this.client = client;
    this.names = List.copyOf(names);
  }

  /** The model names the server acknowledged; empty when subscribed to every model. */
  public List<String> names() {
    return names;
  }

  /** True when subscribed to every model. */
  public boolean all() {
    return names.isEmpty();
  }

  /** Whether this subscription covers {@code model}. */
  public boolean covers(String model) {
    return names.isEmpty() || names.contains(model);
  }

  /**
   * The next event, waiting at most {@code timeout}; events of kinds this client does not know arrive as {@link
   * Event.Other} and are best ignored.
   *
   * @see TorchfeedClient#nextNotice(Duration)
   */
  public Optional<Event> next(Duration timeout) {
    return client.nextNotice(timeout);
  }
}
