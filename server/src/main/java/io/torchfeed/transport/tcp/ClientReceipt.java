package io.torchfeed.transport.tcp;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.torchfeed.model.LoadStatus;
import java.util.Objects;

/**
 * The last load receipt a client sent for one model (RECEIPT, docs/protocol.md 5.9), as {@code GET /v1/clients}
 * shows it (docs/http.md). Serializes with Jackson in the documented key order; {@code status} as
 * {@code "loaded"}/{@code "failed"}.
 *
 * @param sha256   lower-case hex of what the client loaded
 * @param reason   empty when loaded
 * @param libtorch the LibTorch version that loaded it (the HELLO's when the receipt named none)
 * @param at       when the server received it, ISO-8601 UTC ({@code 2024-05-01T12:00:00.123Z})
 */
@JsonPropertyOrder({"name", "version", "sha256", "status", "reason", "libtorch", "at"})
public record ClientReceipt(String name, int version, String sha256, LoadStatus status, String reason,
    String libtorch, String at) {
  public ClientReceipt {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(sha256, "sha256");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(libtorch, "libtorch");
    Objects.requireNonNull(at, "at");
  }
}
