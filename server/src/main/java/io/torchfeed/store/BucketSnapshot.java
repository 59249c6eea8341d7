package io.torchfeed.store;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The catalog a bucket held when it was read ({@link SnapshotReader}): every model's published versions (deleted
 * ones left out) and aliases, and the objects that could not be read, each with a one-line reason. Immutable.
 * It remembers the ETag of each object it read, so the next poll reads only what changed.
 */
public final class BucketSnapshot {
  /**
   * One model: its published versions by number and its aliases (only those naming a published version).
   */
  public record Model(String name, NavigableMap<Integer, VersionRecord> versions, Map<String, Integer> aliases) {
    public Model {
      versions = Collections.unmodifiableNavigableMap(new TreeMap<>(versions));
      aliases = Collections.unmodifiableMap(new TreeMap<>(aliases));
    }

    public Optional<VersionRecord> latest() {
      return versions.isEmpty() ? Optional.empty() : Optional.of(versions.lastEntry().getValue());
    }
  }

  /** An object as read: its ETag and what it held (a {@link VersionRecord} or an alias map), or why not. */
  record Read(String etag, Object document, String problem) {}

  private static final BucketSnapshot EMPTY = new BucketSnapshot(Map.of(), List.of(), Map.of());

  private final Map<String, Model> models;
  private final List<String> problems;
  private final Map<String, Read> reads;

  BucketSnapshot(Map<String, Model> models, List<String> problems, Map<String, Read> reads) {
    this.models = Collections.unmodifiableMap(new TreeMap<>(models));
    this.problems = List.copyOf(problems);
    this.reads = Map.copyOf(reads);
  }

  /** Nothing read yet: the previous snapshot of a first poll. */
  public static BucketSnapshot empty() {
    return EMPTY;
  }

  /** Models by name, in name order; a model whose every version was deleted is left out. */
  public Map<String, Model> models() {
    return models;
  }

  public Optional<Model> model(String name) {
    return Optional.ofNullable(models.get(name));
  }

  /** The objects that could not be read, and aliases naming no published version, one line each. */
  public List<String> problems() {
    return problems;
  }

  /** What the object under {@code key} held when this snapshot read it, if it was there. */
  Optional<Read> read(String key) {
    return Optional.ofNullable(reads.get(key));
  }
}
