package io.torchfeed.repository;

import io.torchfeed.model.ModelId;
import io.torchfeed.model.ModelListing;
import io.torchfeed.model.ModelNotFoundException;
import io.torchfeed.model.ModelSummary;
import io.torchfeed.model.Rejection;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * An immutable view of what is served: valid versions by name, and the rejected files with their reasons.
 * Readers on any thread use a snapshot without locking; a rescan builds a new one.
 */
public final class Catalog {
  private final SortedMap<String, NavigableMap<Integer, ServedModel>> models;
  private final List<Rejection> rejected;

  public Catalog(List<ServedModel> served, List<Rejection> rejected) {
    SortedMap<String, NavigableMap<Integer, ServedModel>> byName = new TreeMap<>();
    for (ServedModel model : served) {
      byName.computeIfAbsent(model.manifest().name(), n -> new TreeMap<>())
          .put(model.manifest().version(), model);
    }
    byName.replaceAll((name, versions) -> Collections.unmodifiableNavigableMap(versions));
    this.models = Collections.unmodifiableSortedMap(byName);
    this.rejected = List.copyOf(rejected);
  }

  public static Catalog empty() {
    return new Catalog(List.of(), List.of());
  }

  /** The served version {@code id} names (the latest for version 0). */
  public ServedModel resolve(ModelId id) {
    NavigableMap<Integer, ServedModel> versions = models.get(id.name());
    if (versions == null) {
      throw new ModelNotFoundException(rejectionOf(id)
          .map(r -> "model '" + id.name() + "' has no valid version: " + r.path() + " was rejected: " + r.reason())
          .orElse("no model named '" + id.name() + "'"));
    }
    ServedModel model = id.isLatest() ? versions.lastEntry().getValue() : versions.get(id.version());
    if (model == null) {
      throw new ModelNotFoundException(rejectionOf(id)
          .map(r -> id + " was rejected: " + r.reason())
          .orElse("model '" + id.name() + "' has no version " + id.version() + " (versions: "
              + versions.keySet().stream().map(String::valueOf).collect(Collectors.joining(", ")) + ")"));
    }
    return model;
  }

  public List<ServedModel> all() {
    List<ServedModel> out = new ArrayList<>();
    models.values().forEach(versions -> out.addAll(versions.values()));
    return out;
  }

  public List<Rejection> rejected() {
    return rejected;
  }

  public ModelListing listing() {
    List<ModelSummary> summaries = new ArrayList<>();
    for (Map.Entry<String, NavigableMap<Integer, ServedModel>> entry : models.entrySet()) {
      NavigableMap<Integer, ServedModel> versions = entry.getValue();
      summaries.add(new ModelSummary(entry.getKey(), List.copyOf(versions.keySet()), versions.lastKey()));
    }
    return new ModelListing(summaries, rejected);
  }

  private java.util.Optional<Rejection> rejectionOf(ModelId id) {
    return rejected.stream()
        .filter(r -> r.name().equals(id.name()) && (id.isLatest() || r.version() == id.version()))
        .reduce((first, second) -> second);
  }
}
