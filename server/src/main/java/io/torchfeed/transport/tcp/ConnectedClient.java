package io.torchfeed.transport.tcp;

import io.torchfeed.event.Event;
import io.torchfeed.protocol.Hello;
import io.torchfeed.protocol.LoadReceipt;
import io.torchfeed.protocol.Protocol;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the server knows about one connection beyond its current request: who the client is (HELLO), what it
 * subscribed to, its last receipt per model. Written on the connection's I/O thread, read from anywhere (the
 * HTTP API's snapshot, the fan-out of notices).
 */
final class ConnectedClient {
  /** Models whose last receipt is kept per client; the oldest is forgotten beyond this. */
  static final int MAX_RECEIPTS = 1000;

  /** A subscription: the names as acknowledged, or every model. */
  private record Subscription(List<String> names, Set<String> lookup) {
    static Subscription of(List<String> names) {
      return new Subscription(List.copyOf(names), Set.copyOf(new LinkedHashSet<>(names)));
    }

    boolean wants(String model) {
      return names.isEmpty() || lookup.contains(model);
    }
  }

  private final String id;
  private final String address;
  private final Instant connectedAt;
  private volatile String software = "";
  private volatile String libtorch = "";
  private volatile int protocolVersion = Protocol.VERSION;
  private volatile Subscription subscription;
  private final Map<String, ClientReceipt> receipts = new LinkedHashMap<>();

  ConnectedClient(String id, SocketAddress peer, Instant connectedAt) {
    this.id = id;
    this.address = describe(peer);
    this.connectedAt = connectedAt;
  }

  String id() {
    return id;
  }

  void greeted(Hello hello) {
    software = hello.software();
    libtorch = hello.libtorch();
    protocolVersion = hello.protocolVersion();
  }

  /** The protocol version of this connection: the one the client's HELLO named (1 before the hello). */
  int protocolVersion() {
    return protocolVersion;
  }

  /** Replaces the subscription; {@code names} empty = every model. */
  void subscribe(List<String> names) {
    subscription = Subscription.of(names);
  }

  boolean subscribed() {
    return subscription != null;
  }

  /** Whether a change to {@code model} is to be notified now. */
  boolean wants(String model) {
    Subscription current = subscription;
    return current != null && current.wants(model);
  }

  /** Keeps the receipt as this client's last for its model and returns the event announcing it. */
  Event.Receipt record(LoadReceipt receipt, Instant at) {
    String loadedWith = receipt.libtorch().isEmpty() ? libtorch : receipt.libtorch();
    ClientReceipt kept = new ClientReceipt(receipt.name(), receipt.version(), receipt.sha256Hex(),
        receipt.status(), receipt.reason(), loadedWith, at.toString());
    synchronized (receipts) {
      receipts.remove(kept.name());
      receipts.put(kept.name(), kept);
      if (receipts.size() > MAX_RECEIPTS) {
        receipts.remove(receipts.keySet().iterator().next());
      }
    }
    return new Event.Receipt(id, kept.name(), kept.version(), kept.sha256(), kept.status(), kept.reason(),
        kept.libtorch());
  }

  ClientInfo info() {
    List<ClientReceipt> last;
    synchronized (receipts) {
      last = new ArrayList<>(receipts.values());
    }
    last.sort((a, b) -> a.name().compareTo(b.name()));
    Subscription current = subscription;
    List<String> subscriptions = current == null ? List.of()
        : current.names().isEmpty() ? List.of(ClientInfo.ALL_MODELS) : current.names();
    return new ClientInfo(id, address, software, libtorch, connectedAt.toString(), subscriptions, last);
  }

  private static String describe(SocketAddress peer) {
    if (peer instanceof InetSocketAddress inet && inet.getAddress() != null) {
      String host = inet.getAddress().getHostAddress();
      return (host.contains(":") ? "[" + host + "]" : host) + ":" + inet.getPort();
    }
    return String.valueOf(peer);
  }
}
