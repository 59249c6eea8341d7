package io.torchfeed.transport.tcp;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The TCP clients connected now: {@link #snapshot()} is what {@code GET /v1/clients} shows (docs/http.md). A
 * connection is registered when it is accepted and forgotten when it closes. Thread-safe.
 */
public final class ClientRegistry {
  private final AtomicLong ids = new AtomicLong();
  private final ConcurrentHashMap<String, TcpConnection> connections = new ConcurrentHashMap<>();
  private volatile String replica;
  private volatile FleetClients fleet;

  /** Every connected client, in the order they connected. */
  public List<ClientInfo> snapshot() {
    return connections.values().stream().map(c -> c.client().info())
        .sorted(Comparator.comparingLong((ClientInfo c) -> Long.parseLong(c.id()))).toList();
  }

  /**
   * Makes this the registry of replica {@code name}: {@link #everyone()} then names it in each client, and adds the
   * clients of the other replicas that {@code others} heard of.
   */
  public void joinFleet(String name, FleetClients others) {
    this.replica = name;
    this.fleet = others;
  }

  /** What {@code GET /v1/clients} shows: the clients of this server and, of a replica, those of the others. */
  public List<ClientInfo> everyone() {
    List<ClientInfo> local = snapshot();
    if (fleet == null) {
      return local;
    }
    List<ClientInfo> all = new java.util.ArrayList<>();
    local.forEach(c -> all.add(c.atReplica(replica)));
    all.addAll(fleet.snapshot());
    return all;
  }

  /** The connected client with this id, if it is still connected. */
  public java.util.Optional<ClientInfo> find(String id) {
    return java.util.Optional.ofNullable(connections.get(id)).map(c -> c.client().info());
  }

  /** How many connected clients have subscribed to notices. */
  public int subscribers() {
    return (int) connections.values().stream().filter(c -> c.client().subscribed()).count();
  }

  /** How many clients are connected. */
  public int size() {
    return connections.size();
  }

  String nextId() {
    return Long.toString(ids.incrementAndGet());
  }

  void add(TcpConnection connection) {
    connections.put(connection.client().id(), connection);
  }

  void remove(TcpConnection connection) {
    connections.remove(connection.client().id(), connection);
  }

  Collection<TcpConnection> connections() {
    return connections.values();
  }
}
