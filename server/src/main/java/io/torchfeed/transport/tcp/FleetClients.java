package io.torchfeed.transport.tcp;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The clients of the other replicas, as their receipts arrive over the bus (docs/scale-out.md): what
 * {@code GET /v1/clients} adds to this replica's own. The bus carries receipts, not connections, so a client of
 * another replica is listed once it has sent a receipt, with its last receipt per model, and forgotten
 * {@link #KEEP} after its last one. Thread-safe.
 */
public final class FleetClients {
  /** How long a client of another replica stays listed after its last receipt. */
  public static final Duration KEEP = Duration.ofHours(1);

  private record Key(String replica, String client) {}

  private record Entry(ClientInfo info, Map<String, ClientReceipt> receipts, Instant heard) {}

  private final ConcurrentHashMap<Key, Entry> entries = new ConcurrentHashMap<>();
  private final Clock clock;

  public FleetClients(Clock clock) {
    this.clock = clock;
  }

  /**
   * A receipt {@code client} (as {@code replica} knows it, receipts aside) sent to {@code replica}.
   */
  public void heard(String replica, ClientInfo client, ClientReceipt receipt) {
    entries.compute(new Key(replica, client.id()), (key, old) -> {
      Map<String, ClientReceipt> receipts = new LinkedHashMap<>(old == null ? Map.of() : old.receipts());
      receipts.remove(receipt.name());
      receipts.put(receipt.name(), receipt);
      if (receipts.size() > ConnectedClient.MAX_RECEIPTS) {
        receipts.remove(receipts.keySet().iterator().next());
      }
      return new Entry(client, receipts, clock.instant());
    });
  }

  /** The clients heard from within {@link #KEEP}, by replica, then by id. */
  public List<ClientInfo> snapshot() {
    Instant oldest = clock.instant().minus(KEEP);
    entries.values().removeIf(e -> e.heard().isBefore(oldest));
    List<ClientInfo> clients = new ArrayList<>();
    entries.forEach((key, e) -> clients.add(new ClientInfo(e.info().id(), e.info().address(),
        e.info().software(), e.info().libtorch(), e.info().connectedAt(), e.info().subscriptions(),
        List.copyOf(e.receipts().values()), key.replica())));
    clients.sort(Comparator.comparing(ClientInfo::replica).thenComparing(ClientInfo::id));
    return clients;
  }
}
