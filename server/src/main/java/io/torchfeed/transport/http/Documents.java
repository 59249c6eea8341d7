package io.torchfeed.transport.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModuleDiff;
import java.util.List;
import java.util.Map;

/** The JSON bodies of the HTTP API that the TCP protocol does not already define. Key order is the wire order. */
final class Documents {
  private Documents() {}

  /** {@code GET /v1/models/{name}}. */
  @JsonPropertyOrder({"name", "latest", "aliases", "versions"})
  record Model(String name, int latest, Map<String, Integer> aliases, List<Manifest> versions) {}

  /** {@code GET /v1/models/{name}/diff}: {@code from} and {@code to} are the versions compared. */
  @JsonPropertyOrder({"from", "to", "identical", "differences"})
  record Diff(int from, int to, boolean identical, List<ModuleDiff.Difference> differences) {}

  /** {@code PUT /v1/models/{name}/aliases/{alias}}. */
  @JsonPropertyOrder({"name", "alias", "version"})
  record Alias(String name, String alias, int version) {}

  /** {@code /healthz}. */
  record Status(String status) {}

  /**
   * {@code /readyz}: {@code conditions} say how a replica's links are ({@code store}, {@code bus}: "ok" or why
   * not); a server without them has none.
   */
  @JsonPropertyOrder({"status", "conditions"})
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  record Ready(String status, Map<String, String> conditions) {}

  /** Every error; {@code differences} only when an upload changes the shape contract. */
  @JsonPropertyOrder({"code", "type", "message", "differences"})
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Error(int code, String type, String message, List<ModuleDiff.Difference> differences) {}
}
