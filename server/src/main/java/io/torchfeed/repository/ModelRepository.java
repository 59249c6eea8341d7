package io.torchfeed.repository;

import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModelId;
import io.torchfeed.model.ModuleDiff;
import io.torchfeed.model.ModuleInfo;
import io.torchfeed.model.NameLimit;
import io.torchfeed.model.TorchfeedException;
import io.torchfeed.validation.ArchiveFacts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.commons.io.file.PathUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model repository as a service: the served {@link ModelCatalog}, rescans (hot reload), publishing uploaded
 * versions, deleting versions, aliases, pruning to {@code keep} versions, and the events subscribers hear.
 *
 * <p>Every change runs on one repository thread, so scans and publishes never interleave; readers use the
 * current catalog without locking. A new catalog is published only once it is complete: the previous latest is
 * served until its successor has passed validation.
 */
public final class ModelRepository implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ModelRepository.class);

  /**
   * How the repository behaves.
   *
   * @param keep              versions to keep on disk per model after a publish (0 = all)
   * @param allowShapeChange  accept new versions whose shape contract differs from the latest
   * @param rescanInterval    periodic rescan, the fallback for missed file-system events
   * @param names             the longest model and alias names requests may use
   */
  public record Settings(int keep, boolean allowShapeChange, Duration rescanInterval, NameLimit names) {
    /** With the protocol's name length limit. */
    public Settings(int keep, boolean allowShapeChange, Duration rescanInterval) {
      this(keep, allowShapeChange, rescanInterval, NameLimit.PROTOCOL);
    }
  }

  private final Path root;
  private final RepositoryLoader loader;
  private final ArchiveFacts archiveFacts;
  private final ManifestCache cache;
  private final Settings settings;
  private final AliasStore aliases;
  private final ModelCatalog catalog;
  private final Optional<Upstream> upstream;
  private final List<Consumer<CatalogEvent>> listeners = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "torchfeed-repository");
    t.setDaemon(true);
    return t;
  });
  private final AtomicBoolean rescanQueued = new AtomicBoolean();
  private final AtomicLong scansCompleted = new AtomicLong();
  private final AtomicLong upstreamChanges = new AtomicLong();
  // versions whose arrival or departure during the current follow is not news (confined to the repository thread)
  private final Set<String> quiet = new HashSet<>();
  // versions this replica deleted without holding them, announced already (confined to the repository thread)
  private final Set<String> goneAnnounced = new HashSet<>();
  private volatile boolean ready;

  /** A repository whose directory is the truth: it numbers versions and keeps aliases itself. */
  public ModelRepository(Path root, RepositoryLoader loader, ArchiveFacts archiveFacts, ManifestCache cache,
      Settings settings) {
    this(root, loader, archiveFacts, cache, settings, Optional.empty());
  }

  /**
   * With an {@code upstream}, a replica's repository: publishes, alias changes and deletes are recorded upstream
   * first (which numbers versions), and {@link #follow} brings in what other replicas recorded; {@code keep} must be
   * 0 then (versions are deleted upstream, for every replica).
   */
  public ModelRepository(Path root, RepositoryLoader loader, ArchiveFacts archiveFacts, ManifestCache cache,
      Settings settings, Optional<Upstream> upstream) {
    if (upstream.isPresent() && settings.keep() > 0) {
      throw new IllegalArgumentException("keep applies to a local repository, not to a replica's copy");
    }
    this.upstream = upstream;
    this.root = root.toAbsolutePath().normalize();
    this.loader = loader;
    this.archiveFacts = archiveFacts;
    this.cache = cache;
    this.settings = settings;
    this.catalog = new ModelCatalog(settings.names());
    this.aliases = new AliasStore(this.root, log::warn);
  }

  /** Scans and validates the whole repository; returns once the first catalog is published. */
  public void start() {
    start(() -> { });
  }

  /**
   * As {@link #start()}, running {@code beforeReady} (a replica's first sync with its bucket) after the first scan
   * and before {@link #ready()} turns true.
   */
  public void start(Runnable beforeReady) {
    call(() -> {
      sweepLeftovers();
      scanUntilSettled();
      return null;
    });
    beforeReady.run();
    ready = true;
    long interval = settings.rescanInterval().toMillis();
    thread.scheduleWithFixedDelay(this::rescanNow, interval, interval, TimeUnit.MILLISECONDS);
  }

  public boolean ready() {
    return ready;
  }

  public ModelCatalog catalog() {
    return catalog;
  }

  public Path root() {
    return root;
  }

  /**
   * How many scans of the repository have completed since it was created, each counted once its catalog is
   * published and its listeners are told: the first scans at {@link #start()}, every rescan (periodic, requested
   * or after a file-system event), and the scan after each publish, delete and alias change. Scans run one at a
   * time, so once this has grown by 2 after a change on disk, at least one complete scan has seen that change.
   * Tests wait on it; it could back a metric.
   */
  public long scansCompleted() {
    return scansCompleted.get();
  }

  public void addListener(Consumer<CatalogEvent> listener) {
    listeners.add(listener);
  }

  /** Asks for a rescan on the repository thread; requests made before it starts are merged into one. */
  public void rescanSoon() {
    if (rescanQueued.compareAndSet(false, true)) {
      thread.execute(() -> {
        rescanQueued.set(false);
        rescanNow();
      });
    }
  }

  private void rescanNow() {
    try {
      RepositoryLoader.Scan scan = loader.scan(catalog.current());
      swap(scan.catalog());
      if (scan.unsettled()) {
        thread.schedule(this::rescanSoon, 250, TimeUnit.MILLISECONDS);
      }
    } catch (RuntimeException e) {
      log.error("rescan of {} failed", root, e);
    }
  }

  /**
   * Publishes {@code upload} as the next version of {@code name}: validated by LibTorch and checked against the
   * shape contract before anything is visible, then moved into {@code <name>/<next>/model.pt} in one rename.
   * The upload file is consumed (moved) on success and left for the caller to delete on failure.
   */
  public Manifest publish(String name, Path upload, boolean allowShapeChange) {
    settings.names().check(new ModelId(name, ModelId.LATEST));
    return call(() -> {
      ModuleInfo module = loader.validateCandidate(upload);
      Optional<ServedModel> latest = catalog.current().latest(name);
      if (latest.isPresent() && !(allowShapeChange || settings.allowShapeChange())) {
        List<ModuleDiff.Difference> diff = ModuleDiff.between(latest.get().manifest().module(), module);
        if (!diff.isEmpty()) {
          throw new ShapeChangeException(name, latest.get().manifest().version(), diff);
        }
      }
      int version;
      if (upstream.isPresent()) {
        try {
          version = upstream.get().publish(Manifest.of(new ModelId(name, 1), archiveFacts.read(upload), module),
              upload).version();
        } finally {
          upstreamChanges.incrementAndGet();
        }
      } else {
        version = nextVersion(name);
      }
      Path file = moveIntoPlace(name, version, upload);
      if (upstream.isEmpty()) {
        try {
          VersionMark.raise(root.resolve(name), version);
        } catch (IOException e) {
          log.warn("published {}:{}, but cannot record it in {}: {}", name, version, VersionMark.FILE,
              e.toString());
        }
      }
      cache.put(ManifestCache.Entry.valid(FileStamp.of(file), archiveFacts.read(file), module));
      log.info("published {}:{}", name, version);
      swap(loader.scan(catalog.current()).catalog());
      try {
        prune(name);
      } catch (IOException | RuntimeException e) {
        log.warn("published {}:{}, but pruning older versions failed: {}", name, version, e.toString());
      }
      return catalog.current().resolve(new ModelId(name, version)).manifest();
    });
  }

  /**
   * {@code <name>/.<v>.publishing/model.pt}, then one rename to {@code <name>/<v>}. If a step fails, the upload
   * is moved back and the staging directory removed, so the caller can delete the upload and nothing is left.
   */
  private Path moveIntoPlace(String name, int version, Path upload) throws IOException {
    Path staging = root.resolve(name).resolve("." + version + ".publishing");
    Path staged = staging.resolve(RepositoryScanner.MODEL_FILE);
    Path target = root.resolve(name).resolve(String.valueOf(version));
    try {
      Files.createDirectories(staging);
      Files.move(upload, staged, StandardCopyOption.ATOMIC_MOVE);
      Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
      return target.resolve(RepositoryScanner.MODEL_FILE);
    } catch (IOException | RuntimeException e) {
      if (Files.exists(staged)) {
        Files.move(staged, upload, StandardCopyOption.ATOMIC_MOVE);
      }
      PathUtils.deleteDirectory(staging);
      throw e;
    }
  }

  /** Removes what a crash left of a publish or a delete ({@code .<v>.publishing}, {@code .<v>.deleting}). */
  private void sweepLeftovers() {
    try (DirectoryStream<Path> models = Files.newDirectoryStream(root, Files::isDirectory)) {
      for (Path model : models) {
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(model,
            p -> p.getFileName().toString().matches("\\.[0-9]+\\.(publishing|deleting)"))) {
          for (Path leftover : leftovers) {
            log.info("removing {} left by an interrupted publish or delete", root.relativize(leftover));
            PathUtils.deleteDirectory(leftover);
          }
        }
      }
    } catch (IOException e) {
      log.warn("cannot clean up interrupted publishes in {}: {}", root, e.toString());
    }
  }

  /** Removes a version from disk and from the catalog; refused while an alias points at it. */
  public void delete(ModelId id) {
    settings.names().check(id);
    call(() -> {
      Path dir = root.resolve(id.name()).resolve(String.valueOf(id.version()));
      if (id.version() <= 0 || (upstream.isEmpty() && !Files.isDirectory(dir))) {
        throw new ModelNotFoundException("model '" + id.name() + "' has no version " + id.version());
      }
      if (upstream.isPresent()) {
        // upstream's versions and aliases are the truth (this copy may not hold the version): it checks both
        try {
          upstream.get().delete(id.name(), id.version());
        } finally {
          upstreamChanges.incrementAndGet();
        }
      } else {
        refuseIfAliased(id.name(), id.version());
      }
      if (Files.isDirectory(dir)) {
        removeVersionDir(dir);
      } else {
        // a replica deleted a version its copy did not hold: no catalog change, but news all the same (once: the
        // next sync finds it gone from the bucket too)
        announce(CatalogEvent.removed(id.name(), id.version()));
        goneAnnounced.add(id.name() + ":" + id.version());
      }
      swap(loader.scan(catalog.current()).catalog());
      return null;
    });
  }

  /**
   * Points {@code alias} of {@code name} at a served version. On a replica the move is recorded upstream first; if
   * this copy does not hold the version, the alias file follows with the next sync, once the version has arrived
   * (subscribers hear of the move then, when the alias can be fetched).
   */
  public void setAlias(String name, String alias, int version) {
    ModelId checked = settings.names().check(new ModelId(name, ModelId.LATEST, alias));
    call(() -> {
      if (upstream.isPresent()) {
        try {
          upstream.get().moveAlias(checked.name(), alias, version);
        } finally {
          upstreamChanges.incrementAndGet();
        }
        if (!catalog.current().versions(checked.name()).containsKey(version)) {
          return null;
        }
      } else {
        catalog.current().resolve(new ModelId(checked.name(), version));
      }
      Map<String, Integer> map = new HashMap<>(aliases.read(name));
      map.put(alias, version);
      aliases.write(name, map);
      swap(loader.scan(catalog.current()).catalog());
      return null;
    });
  }

  /**
   * Removes {@code alias} of {@code name}; the version it named stays. Not subject to the name length limit, so an
   * alias made before the limit was lowered can still be removed.
   */
  public void removeAlias(String name, String alias) {
    ModelId checked = new ModelId(name, ModelId.LATEST, alias);
    call(() -> {
      if (upstream.isPresent()) {
        try {
          upstream.get().removeAlias(checked.name(), alias);
        } finally {
          upstreamChanges.incrementAndGet();
        }
      }
      Map<String, Integer> map = new HashMap<>(aliases.read(checked.name()));
      if (map.remove(alias) == null && upstream.isEmpty()) {
        throw new ModelNotFoundException("model '" + name + "' has no alias '" + alias + "'");
      }
      aliases.write(name, map);
      swap(loader.scan(catalog.current()).catalog());
      return null;
    });
  }

  /**
   * Brings the directory in line with upstream (a replica's {@code BucketMirror} calls it): adopts arrived versions,
   * retires deleted ones, evicts versions to make room (neither they nor versions adopted on first use are announced
   * to subscribers), rewrites alias files that differ; then one scan validates what arrived, in the worker,
   * before any of it is served. A version already in the directory is not adopted again (its file is deleted).
   *
   * @param changesSeen {@link #upstreamChanges()} before the snapshot the changes come from was read
   * @return false when this repository changed upstream since: only evictions were applied, and the caller should
   *         check upstream again (a version it adopts may have been deleted here meanwhile)
   */
  public boolean follow(List<MirrorChange> changes, long changesSeen) {
    if (changes.isEmpty()) {
      return true;
    }
    return call(() -> {
      boolean current = upstreamChanges.get() == changesSeen;
      Set<FileStamp> complete = new HashSet<>();
      for (MirrorChange change : changes) {
        if (!current && !(change instanceof MirrorChange.Evict)) {
          continue;
        }
        try {
          apply(change).ifPresent(complete::add);
        } catch (IOException | RuntimeException e) {
          log.warn("cannot follow upstream ({}): {}", change, e.toString());
        }
      }
      try {
        // what arrived is whole (its sha256 checked): validated now, not after --settle
        scanUntilSettled(complete);
      } finally {
        quiet.clear();
      }
      for (MirrorChange change : changes) {
        if (current && change instanceof MirrorChange.Gone gone
            && !goneAnnounced.remove(gone.name() + ":" + gone.version())
            && !catalog.current().versions(gone.name()).containsKey(gone.version())) {
          announce(CatalogEvent.removed(gone.name(), gone.version()));
        }
      }
      return current;
    });
  }

  /** Scans until no file is still settling (at most 20 times, 250 ms apart), publishing each catalog. */
  private void scanUntilSettled() throws InterruptedException {
    scanUntilSettled(Set.of());
  }

  private void scanUntilSettled(Set<FileStamp> complete) throws InterruptedException {
    for (int attempt = 0; attempt < 20; attempt++) {
      RepositoryLoader.Scan scan = loader.scan(catalog.current(), complete);
      swap(scan.catalog());
      if (!scan.unsettled()) {
        return;
      }
      Thread.sleep(250);
    }
  }

  /**
   * How many changes this repository has made upstream (publishes, deletes, alias changes), each counted once the
   * upstream call has returned: a mirror reads it before its snapshot and passes it to {@link #follow}, which
   * leaves retirements and alias files alone when a change made here since may be missing from that snapshot.
   */
  public long upstreamChanges() {
    return upstreamChanges.get();
  }

  /** Applies one change; an adopted file's stamp is returned. */
  private Optional<FileStamp> apply(MirrorChange change) throws IOException {
    if (change instanceof MirrorChange.Adopt adopt) {
      if (Files.exists(root.resolve(adopt.name()).resolve(String.valueOf(adopt.version())))) {
        Files.deleteIfExists(adopt.file());
      } else {
        Path file = moveIntoPlace(adopt.name(), adopt.version(), adopt.file());
        log.info("adopted {}:{} from upstream{}", adopt.name(), adopt.version(), adopt.announce() ? ""
            : " on first use");
        if (!adopt.announce()) {
          quiet.add(adopt.name() + ":" + adopt.version());
        }
        return Optional.of(FileStamp.of(file));
      }
    } else if (change instanceof MirrorChange.Evict evict) {
      Path dir = root.resolve(evict.name()).resolve(String.valueOf(evict.version()));
      if (Files.isDirectory(dir)) {
        quiet.add(evict.name() + ":" + evict.version());
        removeVersionDir(dir);
        log.info("evicted {}:{} from this replica's copy to make room (upstream keeps it)", evict.name(),
            evict.version());
      }
    } else if (change instanceof MirrorChange.Retire retire) {
      Path dir = root.resolve(retire.name()).resolve(String.valueOf(retire.version()));
      if (Files.isDirectory(dir)) {
        removeVersionDir(dir);
        log.info("retired {}:{}: deleted upstream", retire.name(), retire.version());
      }
    } else if (change instanceof MirrorChange.Aliases set) {
      if (!aliases.read(set.name()).equals(set.aliases())) {
        Files.createDirectories(root.resolve(set.name()));
        aliases.write(set.name(), set.aliases());
      }
    }
    return Optional.empty();
  }

  private void refuseIfAliased(String name, int version) {
    List<String> pointing = new ArrayList<>();
    aliases.read(name).forEach((alias, target) -> {
      if (target == version) {
        pointing.add(alias);
      }
    });
    if (!pointing.isEmpty()) {
      throw new ConflictException(name + ":" + version + " is the target of alias " + String.join(", ", pointing)
          + "; point the alias elsewhere or remove it first");
    }
  }

  private void prune(String name) throws IOException {
    if (settings.keep() <= 0) {
      return;
    }
    List<Integer> versions = new ArrayList<>(catalog.current().versions(name).descendingKeySet());
    Map<String, Integer> pinned = aliases.read(name);
    boolean removed = false;
    for (int version : versions.subList(Math.min(settings.keep(), versions.size()), versions.size())) {
      if (pinned.containsValue(version)) {
        continue;
      }
      log.info("pruning {}:{} (--keep {})", name, version, settings.keep());
      removeVersionDir(root.resolve(name).resolve(String.valueOf(version)));
      removed = true;
    }
    if (removed) {
      swap(loader.scan(catalog.current()).catalog());
    }
  }

  private void removeVersionDir(Path dir) throws IOException {
    VersionMark.raise(dir.getParent(), Integer.parseInt(dir.getFileName().toString()));
    Path trash = dir.resolveSibling("." + dir.getFileName() + ".deleting");
    if (Files.exists(trash)) {
      PathUtils.deleteDirectory(trash);
    }
    Files.move(dir, trash, StandardCopyOption.ATOMIC_MOVE);
    PathUtils.deleteDirectory(trash);
  }

  /** One more than any version on disk (also half-published or half-deleted ones) or ever removed. */
  private int nextVersion(String name) throws IOException {
    Path dir = root.resolve(name);
    int max = VersionMark.read(dir);
    if (Files.isDirectory(dir)) {
      try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
        for (Path child : children) {
          String n = child.getFileName().toString().replaceFirst("^\\.", "").replaceFirst("\\..*$", "");
          if (n.matches("[1-9][0-9]{0,8}")) {
            max = Math.max(max, Integer.parseInt(n));
          }
        }
      }
    }
    return max + 1;
  }

  /** Publishes the catalog of a scan and tells listeners what changed; then counts the scan as completed. */
  private void swap(Catalog next) {
    Catalog previous = catalog.current();
    catalog.publish(next);
    for (CatalogEvent event : CatalogChanges.between(previous, next)) {
      if (event.kind() != CatalogEvent.Kind.ALIAS && quiet.remove(event.name() + ":" + event.version())) {
        log.debug("catalog: {} {}:{} (a copy brought in or dropped: not news)", event.kind(), event.name(),
            event.version());
        continue;
      }
      announce(event);
    }
    scansCompleted.incrementAndGet();
  }

  private void announce(CatalogEvent event) {
    log.info("catalog: {} {}{}", event.kind().name().toLowerCase(java.util.Locale.ROOT), event.name(),
        event.alias() != null ? "@" + event.alias() + " -> " + event.version() : ":" + event.version());
    for (Consumer<CatalogEvent> listener : listeners) {
      try {
        listener.accept(event);
      } catch (RuntimeException e) {
        log.warn("catalog listener failed: {}", e.toString());
      }
    }
  }

  private <T> T call(Callable<T> task) {
    try {
      return thread.submit(task).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof TorchfeedException t) {
        throw t;
      }
      if (cause instanceof IOException io) {
        throw new UncheckedIOException(io);
      }
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(cause);
    }
  }

  @Override
  public void close() {
    thread.shutdownNow();
    try {
      if (!thread.awaitTermination(30, TimeUnit.SECONDS)) {
        log.warn("the repository thread did not stop within 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    catalog.close();
  }
}
