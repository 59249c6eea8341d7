package io.torchfeed.model;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One servable model in a {@link ModelListing}. Key order is the wire order.
 *
 * @param name     model name
 * @param versions its valid versions, ascending
 * @param latest   the highest valid version
 */
@JsonPropertyOrder({"name", "versions", "latest", "aliases"})
public record ModelSummary(String name, List<Integer> versions, int latest, Map<String, Integer> aliases) {
  public ModelSummary {
    Objects.requireNonNull(name, "name");
    versions = List.copyOf(versions);
    aliases = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(aliases));
  }
}
