package io.torchfeed.repository;

import io.torchfeed.model.ModelId;
import java.util.Optional;
import java.util.SortedSet;
import java.util.concurrent.CompletableFuture;

/**
 * Brings a version this server does not hold from its upstream on first use (a replica's copy of its bucket,
 * {@code BucketMirror}): the transports ask it when the catalog has no answer, and answer once it has.
 */
public interface Backfill {
  /** A server without an upstream: everything it serves is in its directory. */
  Backfill NONE = new Backfill() {
    @Override
    public Optional<CompletableFuture<Void>> bring(ModelId id) {
      return Optional.empty();
    }

    @Override
    public Optional<CompletableFuture<Void>> bringBlob(String sha256) {
      return Optional.empty();
    }

    @Override
    public SortedSet<Integer> versions(String name) {
      return java.util.Collections.emptySortedSet();
    }
  };

  /**
   * Starts bringing in the version {@code id} names. Empty when upstream is not known to have it; otherwise a
   * future that completes once the version is in the catalog, or exceptionally with the reason it cannot be (the
   * bucket unreachable, the blob altered, no room). Requests for one version at once share one future.
   */
  Optional<CompletableFuture<Void>> bring(ModelId id);

  /** As {@link #bring}, for a version whose file has this sha256 (lower-case hex). */
  Optional<CompletableFuture<Void>> bringBlob(String sha256);

  /** The versions of {@code name} upstream holds, whether or not this server holds them now. */
  SortedSet<Integer> versions(String name);
}
