package io.torchfeed.repository;

import io.torchfeed.model.ModelId;
import io.torchfeed.model.ModelListing;
import io.torchfeed.model.NameLimit;
import java.util.HashSet;
import java.util.Set;

/**
 * The catalog the transports read: the current {@link Catalog}, swapped atomically when a scan finishes.
 * Versions that disappear from the new catalog have their pinned files retired (streams in flight finish). A
 * name over the server's {@link NameLimit} is refused before it is looked up.
 */
public final class ModelCatalog {
  private final NameLimit names;
  private volatile Catalog current = Catalog.empty();

  public ModelCatalog(NameLimit names) {
    this.names = names;
  }

  /** The longest model and alias names requests may use. */
  public NameLimit names() {
    return names;
  }

  public Catalog current() {
    return current;
  }

  public ServedModel resolve(ModelId id) {
    return current.resolve(names.check(id));
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
