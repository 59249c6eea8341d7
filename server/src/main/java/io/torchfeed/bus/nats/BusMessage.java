package io.torchfeed.bus.nats;

import io.torchfeed.event.Event;
import java.util.List;
import java.util.Objects;

/**
 * A message another replica put on the bus, as {@link NatsBus} delivers it: plain records, nothing of NATS.
 * {@link #origin()} is the replica that published it (never this one: a replica does not hear its own messages).
 */
public sealed interface BusMessage permits BusMessage.CatalogNotice, BusMessage.ClientReceipt {

  /** The id of the replica that published the message. */
  String origin();

  /**
   * A model changed on {@code origin}: the event its repository announced, {@link Event.Published},
   * {@link Event.Removed} or {@link Event.AliasChanged} ({@link Event.Other} when a newer replica sends a kind this
   * one does not know).
   */
  record CatalogNotice(String origin, Event event) implements BusMessage {
    public CatalogNotice {
      Objects.requireNonNull(origin, "origin");
      Objects.requireNonNull(event, "event");
      if (event instanceof Event.Receipt) {
        throw new IllegalArgumentException("a receipt is not a catalog notice");
      }
    }
  }

  /**
   * A client connected to {@code origin} reported how loading a version went: what {@code GET /v1/clients} shows
   * of a client of another replica.
   *
   * @param receipt the receipt; {@code receipt.client()} is the client's id on {@code origin}
   * @param at      when {@code origin} received it, ISO-8601 UTC
   * @param client  the client as {@code origin} knows it
   */
  record ClientReceipt(String origin, Event.Receipt receipt, String at, Client client) implements BusMessage {
    public ClientReceipt {
      Objects.requireNonNull(origin, "origin");
      Objects.requireNonNull(receipt, "receipt");
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(client, "client");
    }
  }

  /**
   * A connected client beyond its id and receipts, as {@code GET /v1/clients} shows it (docs/http.md).
   *
   * @param address       the peer's address, {@code host:port}
   * @param software      from HELLO; empty before HELLO
   * @param libtorch      from HELLO; empty if the client loads no models
   * @param connectedAt   ISO-8601 UTC
   * @param subscriptions the subscribed model names; {@code ["*"]} for every model; empty when not subscribed
   */
  record Client(String address, String software, String libtorch, String connectedAt, List<String> subscriptions) {
    public Client {
      Objects.requireNonNull(address, "address");
      Objects.requireNonNull(software, "software");
      Objects.requireNonNull(libtorch, "libtorch");
      Objects.requireNonNull(connectedAt, "connectedAt");
      subscriptions = List.copyOf(subscriptions);
    }
  }
}
