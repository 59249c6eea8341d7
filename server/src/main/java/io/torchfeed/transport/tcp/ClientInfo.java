package io.torchfeed.transport.tcp;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Objects;

/**
 * One connected TCP client as {@code GET /v1/clients} shows it (docs/http.md): a plain snapshot that Jackson
 * serializes in the documented key order.
 *
 * @param id            the connection's id, unique for the server's lifetime ({@code "7"}); receipt events name
 *                      the client by it
 * @param address       the peer's address, {@code host:port} ({@code [v6]:port})
 * @param software      from HELLO, e.g. {@code torchfeed-cpp/0.1.0}; empty before HELLO
 * @param libtorch      from HELLO; empty if the client loads no models, or before HELLO
 * @param connectedAt   ISO-8601 UTC
 * @param subscriptions the subscribed model names; {@code ["*"]} for every model; empty when not subscribed
 * @param receipts      the last receipt per model, by model name
 * @param replica       the replica the client is connected to, when the server is one of several (a client of
 *                      another replica is known by its receipts: {@link FleetClients}); null otherwise
 */
@JsonPropertyOrder({"id", "address", "software", "libtorch", "connectedAt", "subscriptions", "receipts", "replica"})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ClientInfo(String id, String address, String software, String libtorch, String connectedAt,
    List<String> subscriptions, List<ClientReceipt> receipts, String replica) {
  /** The entry of {@link #subscriptions()} that stands for every model. */
  public static final String ALL_MODELS = "*";

  public ClientInfo {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(software, "software");
    Objects.requireNonNull(libtorch, "libtorch");
    Objects.requireNonNull(connectedAt, "connectedAt");
    subscriptions = List.copyOf(subscriptions);
    receipts = List.copyOf(receipts);
  }

  /** A client of this server alone. */
  public ClientInfo(String id, String address, String software, String libtorch, String connectedAt,
      List<String> subscriptions, List<ClientReceipt> receipts) {
    this(id, address, software, libtorch, connectedAt, subscriptions, receipts, null);
  }

  /** This client as connected to {@code name}. */
  public ClientInfo atReplica(String name) {
    return new ClientInfo(id, address, software, libtorch, connectedAt, subscriptions, receipts, name);
  }
}
