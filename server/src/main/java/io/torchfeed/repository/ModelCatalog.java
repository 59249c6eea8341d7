package io.torchfeed.repository;

import io.torchfeed.model.ModelId;
import io.torchfeed.model.ModelListing;
import io.torchfeed.model.ModelSummary;
import io.torchfeed.model.NameLimit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The catalog the transports read: the current {@link Catalog}, swapped atomically when a scan finishes.
 * Versions that disappear from the new catalog have their pinned files retired (streams in flight finish). A
 * name over the server's {@link NameLimit} is refused before it is looked up.
 *
 * <p>On a replica, a version its copy does not hold is brought from upstream on first use ({@link #bring}, through
 * the {@link Backfill}), and each version's last use is remembered, so the copy can drop the least recently used
 * one when it needs room.
 */
public final class ModelCatalog {
  private final NameLimit names;
  private final ConcurrentHashMap<String, Long> lastUse = new ConcurrentHashMap<>();
  private volatile Catalog current = Catalog.empty();
  private volatile Backfill backfill = Backfill.NONE;

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

  /** Where versions this server does not hold come from: {@link Backfill#NONE} unless a replica sets it. */
  public void backfillFrom(Backfill source) {
    this.backfill = source;
  }

  /** The served version {@code id} names, its use remembered. */
  public ServedModel resolve(ModelId id) {
    return used(current.resolve(names.check(id)));
  }

  /** The served version whose file has this sha256, its use remembered. */
  public ServedModel withSha256(String sha256) {
    return used(current.withSha256(sha256));
  }

  /**
   * After {@link #resolve} found nothing: the arrival of the version {@code id} names from upstream, or empty when
   * there is nothing to wait for (the answer stands).
   */
  public Optional<CompletableFuture<Void>> bring(ModelId id) {
    return backfill.bring(names.check(id));
  }

  /** As {@link #bring}, after {@link #withSha256} found nothing. */
  public Optional<CompletableFuture<Void>> bringBlob(String sha256) {
    return backfill.bringBlob(sha256);
  }

  /** Records a use of {@code name:version} now (a version just brought in for a request counts as used). */
  public void touch(String name, int version) {
    lastUse.put(key(name, version), System.nanoTime());
  }

  /** When {@code name:version} was last resolved ({@link System#nanoTime()}), if it has been. */
  public Optional<Long> lastUse(String name, int version) {
    return Optional.ofNullable(lastUse.get(key(name, version)));
  }

  /**
   * The listing: every model with its served versions and, on a replica, the versions upstream holds that it
   * would bring in on first use.
   */
  public ModelListing listing() {
    ModelListing held = current.listing();
    List<ModelSummary> models = new ArrayList<>();
    for (ModelSummary model : held.models()) {
      SortedSet<Integer> versions = new TreeSet<>(model.versions());
      versions.addAll(backfill.versions(model.name()));
      models.add(new ModelSummary(model.name(), List.copyOf(versions), model.latest(), model.aliases()));
    }
    return new ModelListing(models, held.rejected());
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

  private ServedModel used(ServedModel model) {
    touch(model.manifest().name(), model.manifest().version());
    return model;
  }

  private static String key(String name, int version) {
    return name + ":" + version;
  }
}
