package io.torchfeed.repository;

import io.torchfeed.model.ModelId;
import io.torchfeed.model.ModelListing;
import io.torchfeed.model.ModelSummary;
import io.torchfeed.model.Rejection;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * An immutable view of what is served: valid versions by name, aliases, and the rejected files with their
 * reasons. Readers on any thread use a snapshot without locking; every change builds a new one.
 */
public final class Catalog {
  private final SortedMap<String, NavigableMap<Integer, ServedModel>> models;
  private final List<Rejection> rejected;
  private final Map<String, Map<String, Integer>> aliases;
  private final Map<String, ServedModel> bySha256;

  public Catalog(List<ServedModel> served, List<Rejection> rejected, Map<String, Map<String, Integer>> aliases) {
    SortedMap<String, NavigableMap<Integer, ServedModel>> byName = new TreeMap<>();
    for (ServedModel model : served) {
      byName.computeIfAbsent(model.manifest().name(), n -> new TreeMap<>())
          .put(model.manifest().version(), model);
    }
    byName.replaceAll((name, versions) -> Collections.unmodifiableNavigableMap(versions));
    this.models = Collections.unmodifiableSortedMap(byName);
    Map<String, ServedModel> contents = new HashMap<>();
    byName.values().forEach(versions -> versions.values().forEach(
        model -> contents.putIfAbsent(model.manifest().sha256(), model)));
    this.bySha256 = Collections.unmodifiableMap(contents);
    this.rejected = List.copyOf(rejected);
    Map<String, Map<String, Integer>> copy = new TreeMap<>();
    aliases.forEach((name, map) -> copy.put(name, Collections.unmodifiableMap(new TreeMap<>(map))));
    this.aliases = Collections.unmodifiableMap(copy);
  }

  public static Catalog empty() {
    return new Catalog(List.of(), List.of(), Map.of());
  }

  /** The served version {@code id} names: a version, an alias, or the latest. */
  public ServedModel resolve(ModelId id) {
    NavigableMap<Integer, ServedModel> versions = models.get(id.name());
    if (versions == null) {
      throw new ModelNotFoundException(rejectionOf(id)
          .map(r -> "model '" + id.name() + "' has no valid version: " + r.path() + " was rejected: " + r.reason())
          .orElse("no model named '" + id.name() + "'"));
    }
    if (id.alias() != null) {
      Integer target = aliases(id.name()).get(id.alias());
      if (target == null) {
        throw new ModelNotFoundException("model '" + id.name() + "' has no alias '" + id.alias() + "'");
      }
      ServedModel model = versions.get(target);
      if (model == null) {
        throw new ModelNotFoundException(id + " points at version " + target + ", which is not served");
      }
      return model;
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

  /**
   * A served version whose file has this sha256 (lower-case hex): the first by name, then version, when several
   * share the bytes.
   */
  public ServedModel withSha256(String sha256) {
    ServedModel model = bySha256.get(sha256);
    if (model == null) {
      throw new ModelNotFoundException("no served model file has sha256 " + sha256);
    }
    return model;
  }

  public Optional<ServedModel> latest(String name) {
    NavigableMap<Integer, ServedModel> versions = models.get(name);
    return versions == null ? Optional.empty() : Optional.of(versions.lastEntry().getValue());
  }

  public NavigableMap<Integer, ServedModel> versions(String name) {
    return models.getOrDefault(name, Collections.emptyNavigableMap());
  }

  public Map<String, Integer> aliases(String name) {
    return aliases.getOrDefault(name, Map.of());
  }

  public Map<String, Map<String, Integer>> allAliases() {
    return aliases;
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
    models.forEach((name, versions) -> summaries.add(
        new ModelSummary(name, List.copyOf(versions.keySet()), versions.lastKey(), aliases(name))));
    return new ModelListing(summaries, rejected);
  }

  private Optional<Rejection> rejectionOf(ModelId id) {
    return rejected.stream()
        .filter(r -> r.name().equals(id.name()) && (id.version() == 0 || r.version() == id.version()))
        .reduce((first, second) -> second);
  }
}
