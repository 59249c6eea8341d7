package io.torchfeed.store;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * Which versions a replica's copy drops to make room under {@code --cache-size}: the least recently used first
 * (a version never used since this server started before any used one, then the lower version number), never one
 * it must keep (each model's latest and aliased versions). Pure: the caller lists what it holds and applies the
 * choice.
 */
final class CacheSpace {
  /**
   * A version the copy holds.
   *
   * @param age nanoseconds since its last use; {@link Long#MAX_VALUE} if it has not been used
   */
  record Held(String name, int version, long size, long age) {
    String key() {
      return name + ":" + version;
    }
  }

  private static final Comparator<Held> LEAST_RECENTLY_USED = Comparator.comparingLong(Held::age).reversed()
      .thenComparing(Held::name).thenComparingInt(Held::version);

  private CacheSpace() {}

  /**
   * The versions to drop, in the order chosen, so that {@code size} more bytes fit.
   *
   * @param held     what the copy holds
   * @param reserved bytes of downloads under way, not in {@code held} yet
   * @param size     the bytes to make room for
   * @param limit    {@code --cache-size}
   * @param keep     {@code name:version} of the versions never dropped
   * @param what     what needs the room, for the message
   * @throws CacheFullException when dropping every version allowed is not enough
   */
  static List<Held> victims(List<Held> held, long reserved, long size, long limit, Set<String> keep, String what) {
    long used = reserved + held.stream().mapToLong(Held::size).sum();
    List<Held> candidates = new ArrayList<>(held.stream().filter(h -> !keep.contains(h.key())).toList());
    candidates.sort(LEAST_RECENTLY_USED);
    List<Held> chosen = new ArrayList<>();
    for (Held candidate : candidates) {
      if (used + size <= limit) {
        break;
      }
      chosen.add(candidate);
      used -= candidate.size();
    }
    if (used + size > limit) {
      long kept = held.stream().filter(h -> keep.contains(h.key())).mapToLong(Held::size).sum();
      throw new CacheFullException(what + " (" + size + " bytes) does not fit in --cache-size (" + limit
          + " bytes): the latest and aliased versions take " + kept + " bytes and downloads under way " + reserved);
    }
    return chosen;
  }
}
