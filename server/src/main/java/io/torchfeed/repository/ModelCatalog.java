package io.torchfeed.repository;

import io.torchfeed.model.ModelId;
import io.torchfeed.model.ModelListing;
import java.util.HashSet;
import java.util.Set;

/**
 * The catalog the transports read: the current {@link Catalog}, swapped atomically when a scan finishes.
 * Versions that disappear from the new catalog have their pinned files retired (streams in flight finish).
 */
public final class ModelCatalog {
  private volatile Catalog current = Catalog.empty();

  public Catalog current() {
    return current;
  }

  public ServedModel resolve(ModelId id) {
    return current.resolve(id);
  }

  public ModelListing listing() {
    return current.listing();
  }

  /** Publishes {@code next}; pinned files no longer in it are retired. */
  public synchronized void publish(Catalog next) {
    Catalog previous = current;
    current = next;
    Set<PinnedFile> kept = new HashSet<>();
    next.all().forEach(m -> kept.add(m.file()));
    previous.all().stream().map(ServedModel::file).filter(f -> !kept.contains(f)).forEach(PinnedFile::retire);
  }

  /** Retires every pinned file; the catalog is empty afterwards. */
  public synchronized void close() {
    publish(Catalog.empty());
  }
}
