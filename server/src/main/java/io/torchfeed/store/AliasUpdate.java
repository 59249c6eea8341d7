package io.torchfeed.store;

import io.torchfeed.repository.ConflictException;
import io.torchfeed.store.ObjectStore.ObjectBytes;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Changes a model's alias map ({@code models/NAME/aliases.json}) by compare-and-swap: read it and its ETag, apply
 * the change, write it back only if the ETag is still the one read ({@code If-Match}; {@code If-None-Match: *} when
 * there was no map). A write refused because another replica changed the map in between is not an error: the map
 * is read again and the change applied to what the other wrote, so neither change is lost. A change that no longer
 * applies to the new map (removing an alias the other replica removed) fails then, as it would have had it come
 * second.
 */
final class AliasUpdate {
  private static final Logger log = LoggerFactory.getLogger(AliasUpdate.class);

  /** How many times a change is applied again after losing the race to another writer before giving up. */
  static final int ATTEMPTS = 20;

  private final ObjectStore store;
  private final BucketLayout layout;

  AliasUpdate(ObjectStore store, BucketLayout layout) {
    this.store = store;
    this.layout = layout;
  }

  /** The map as it is now (empty if there is none; an unreadable one is reported and counts as empty). */
  Map<String, Integer> read(String name) {
    return current(name).map(c -> parse(name, c)).orElseGet(TreeMap::new);
  }

  /**
   * Applies {@code change} to the current map and writes the result; {@code change} returns false when there is
   * nothing to write (the map already says so) and may throw to refuse.
   *
   * @throws ConflictException when {@value #ATTEMPTS} writes in a row lost to other writers
   */
  void change(String name, Predicate<Map<String, Integer>> change) {
    String key = layout.aliases(name);
    byte[] unknown = null;
    int failures = 0;
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      Optional<ObjectBytes> current = current(name);
      if (unknown != null && current.isPresent() && Arrays.equals(unknown, current.get().bytes())) {
        return;
      }
      TreeMap<String, Integer> map = current.map(c -> parse(name, c)).orElseGet(TreeMap::new);
      if (!change.test(map)) {
        return;
      }
      byte[] json = BucketJson.writeAliases(map);
      try {
        if (current.isPresent()) {
          store.putIfMatch(key, json, current.get().etag());
        } else {
          store.putIfAbsent(key, json);
        }
        return;
      } catch (EtagMismatchException | ObjectExistsException e) {
        log.debug("{} changed while it was being written; reading it again", store.describe(key));
        unknown = null;
      } catch (StoreUnavailableException e) {
        if (++failures == Blobs.UNKNOWN_OUTCOME_ATTEMPTS) {
          throw e;
        }
        // The write may or may not have happened (its answer was lost): read again; if the map is what this
        // write wrote, it happened; otherwise apply the change again, a few times.
        log.debug("{}: {}; reading it again", store.describe(key), e.getMessage());
        unknown = json;
      }
    }
    throw new ConflictException("the aliases of " + name + " changed under " + ATTEMPTS
        + " attempts in a row to write them; try again");
  }

  private Optional<ObjectBytes> current(String name) {
    try {
      return Optional.of(store.getBytes(layout.aliases(name)));
    } catch (ObjectNotFoundException e) {
      return Optional.empty();
    }
  }

  private TreeMap<String, Integer> parse(String name, ObjectBytes bytes) {
    try {
      return BucketJson.readAliases(bytes.bytes(), store.describe(layout.aliases(name)));
    } catch (UnreadableObjectException e) {
      log.warn("{}; it counts as empty and the next change replaces it", e.getMessage());
      return new TreeMap<>();
    }
  }
}
