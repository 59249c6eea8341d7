package io.torchfeed.store;

import java.time.Instant;
import java.util.Objects;

/**
 * Whether a replica's last look at the bucket worked: what {@code /readyz} reports of the store.
 *
 * @param reachable whether the last snapshot or blob download reached the bucket
 * @param since     when that last changed
 * @param reason    why the bucket is unreachable (one line), empty while reachable
 */
public record StoreHealth(boolean reachable, Instant since, String reason) {
  public StoreHealth {
    Objects.requireNonNull(since, "since");
    Objects.requireNonNull(reason, "reason");
  }

  static StoreHealth up(Instant now) {
    return new StoreHealth(true, now, "");
  }

  static StoreHealth down(Instant now, String reason) {
    return new StoreHealth(false, now, reason);
  }
}
