package io.torchfeed.store;

import io.torchfeed.metrics.Metrics;
import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModelId;
import io.torchfeed.repository.Backfill;
import io.torchfeed.repository.Catalog;
import io.torchfeed.repository.MirrorChange;
import io.torchfeed.repository.ModelCatalog;
import io.torchfeed.repository.ModelNotFoundException;
import io.torchfeed.repository.ModelRepository;
import io.torchfeed.repository.ServedModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.commons.io.file.PathUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a replica's local directory a copy of the bucket (docs/scale-out.md). On start, every {@code poll} and
 * whenever {@link #syncSoon()} is called (a notice on the bus), it reads a {@link BucketSnapshot} and brings in each
 * model's latest and aliased versions it does not hold (announced to subscribers as they arrive), retires versions
 * deleted in the bucket and makes alias files follow the bucket's. Any other version is brought in on its first use
 * ({@link #bring}: the transports wait for it) without being announced. Either way a version arrives once: one
 * GET per blob (the sha256 checked on the way; a blob this replica serves already is copied locally), however many
 * requests wait for it, and the repository's worker validates it before it is served. A blob altered in the bucket
 * is refused with the reason, like a bad file.
 *
 * <p>The copy stays within {@code cacheSize}: to make room, the least recently used versions are dropped
 * ({@link CacheSpace}; never a latest or aliased one), and come back on their next use. A version that does not fit
 * even so is not brought in, with the reason. While the snapshot holds an object that could not be read, nothing is
 * retired and no alias file rewritten. An unreachable bucket stops nothing: the replica serves what it holds and
 * {@link #health()} says why.
 *
 * <p>Syncs run on one thread, so they never overlap; arrivals run on a small pool of their own.
 */
public final class BucketMirror implements Backfill, AutoCloseable {
  /** Where downloads land before they are moved into the directory: under the root, so a move is a rename. */
  static final String INCOMING = ".incoming";
  /** How many versions arrive at once (downloads are bound by the network, not the CPU). */
  private static final int ARRIVALS = 4;

  private static final Logger log = LoggerFactory.getLogger(BucketMirror.class);

  private final BucketRepository bucket;
  private final Metrics metrics;
  private final ModelRepository repository;
  private final ModelCatalog catalog;
  private final Duration poll;
  private final long cacheSize;
  private final Path incoming;
  private final Clock clock;
  private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "torchfeed-mirror");
    t.setDaemon(true);
    return t;
  });
  private final ExecutorService fetchers = Executors.newFixedThreadPool(ARRIVALS, new ThreadFactory() {
    private final AtomicInteger count = new AtomicInteger();

    @Override
    public Thread newThread(Runnable r) {
      Thread t = new Thread(r, "torchfeed-arrival-" + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    }
  });
  private final AtomicBoolean queued = new AtomicBoolean();
  private final AtomicLong syncs = new AtomicLong();
  /** Arrivals under way, by {@code name:version}: every request for one waits on the same. */
  private final ConcurrentHashMap<String, CompletableFuture<Void>> arrivals = new ConcurrentHashMap<>();
  /** One lock per blob: a blob arrives for one version at a time, so the next copies it locally. */
  private final ConcurrentHashMap<String, Object> blobLocks = new ConcurrentHashMap<>();
  /** Requests waiting for the next sync to start (a version the last snapshot did not have). */
  private final List<CompletableFuture<Void>> waitingForSync = new ArrayList<>();
  private final Object room = new Object();
  private long reserved; // guarded by room
  private volatile StoreHealth health;
  private volatile List<String> problems = List.of();
  private volatile BucketSnapshot known = BucketSnapshot.empty();
  // confined to the mirror thread
  private BucketSnapshot previous = BucketSnapshot.empty();
  private StoreUnavailableException unreachableNow;

  /**
   * @param cacheSize the most bytes of model files the directory holds; {@code Long.MAX_VALUE} for no limit
   */
  public BucketMirror(BucketRepository bucket, ModelRepository repository, Duration poll, long cacheSize,
      Metrics metrics) {
    this.bucket = bucket;
    this.metrics = metrics;
    this.repository = repository;
    this.catalog = repository.catalog();
    this.poll = poll;
    this.cacheSize = cacheSize;
    this.incoming = repository.root().resolve(INCOMING);
    this.clock = Clock.systemUTC();
    this.health = StoreHealth.up(clock.instant());
    try {
      PathUtils.deleteDirectory(incoming);
    } catch (IOException e) {
      // not there yet
    }
    try {
      Files.createDirectories(incoming);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + incoming + ": " + e.getMessage(), e);
    }
  }

  /** The first sync now (returning once it is done, whether or not the bucket answered), then every poll. */
  public void start() {
    try {
      thread.submit(this::sync).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      log.error("the first sync with the bucket failed", e.getCause());
    }
    long every = poll.toMillis();
    thread.scheduleWithFixedDelay(this::sync, every, every, TimeUnit.MILLISECONDS);
  }

  /** Asks for a sync on the mirror thread; requests made before it starts are merged into one. */
  public void syncSoon() {
    if (queued.compareAndSet(false, true)) {
      try {
        thread.execute(() -> {
          queued.set(false);
          sync();
        });
      } catch (RejectedExecutionException e) {
        queued.set(false);
      }
    }
  }

  public StoreHealth health() {
    return health;
  }

  /** What the last sync could not bring in, one line each: unreadable objects, altered blobs, no room. */
  public List<String> problems() {
    return problems;
  }

  /** How many syncs have ended (reaching the bucket or not): tests wait on it. */
  public long syncsCompleted() {
    return syncs.get();
  }

  @Override
  public Optional<CompletableFuture<Void>> bring(ModelId id) {
    Optional<CompletableFuture<Void>> now = find(known, id).map(this::arrive);
    if (now.isPresent() || !maybeNewer(known, id)) {
      return now;
    }
    // published since the last snapshot, perhaps: read the bucket again, then look
    return Optional.of(nextSync().thenCompose(v -> find(known, id).map(this::arrive)
        .orElseGet(() -> CompletableFuture.completedFuture(null))));
  }

  @Override
  public Optional<CompletableFuture<Void>> bringBlob(String sha256) {
    Optional<CompletableFuture<Void>> now = withSha256(known, sha256).map(this::arrive);
    if (now.isPresent()) {
      return now;
    }
    return Optional.of(nextSync().thenCompose(v -> withSha256(known, sha256).map(this::arrive)
        .orElseGet(() -> CompletableFuture.completedFuture(null))));
  }

  @Override
  public SortedSet<Integer> versions(String name) {
    return known.model(name).<SortedSet<Integer>>map(m -> new TreeSet<>(m.versions().keySet()))
        .orElse(Collections.emptySortedSet());
  }

  private static Optional<VersionRecord> find(BucketSnapshot snapshot, ModelId id) {
    return snapshot.model(id.name()).flatMap(model -> {
      if (id.alias() != null) {
        return Optional.ofNullable(model.aliases().get(id.alias())).map(model.versions()::get);
      }
      return id.isLatest() ? model.latest() : Optional.ofNullable(model.versions().get(id.version()));
    });
  }

  /** Whether a newer snapshot could have what {@code id} names: a new model, version or alias. */
  private static boolean maybeNewer(BucketSnapshot snapshot, ModelId id) {
    Optional<BucketSnapshot.Model> model = snapshot.model(id.name());
    if (model.isEmpty() || model.get().versions().isEmpty()) {
      return true;
    }
    if (id.alias() != null) {
      return !model.get().aliases().containsKey(id.alias());
    }
    return !id.isLatest() && id.version() > model.get().versions().lastKey();
  }

  private static Optional<VersionRecord> withSha256(BucketSnapshot snapshot, String sha256) {
    return snapshot.models().values().stream().flatMap(m -> m.versions().values().stream())
        .filter(r -> r.manifest().sha256().equals(sha256)).findFirst();
  }

  /** {@code name:version} of each model's latest and aliased versions: what the copy always holds. */
  private static Set<String> heads(BucketSnapshot snapshot) {
    Set<String> heads = new HashSet<>();
    for (BucketSnapshot.Model model : snapshot.models().values()) {
      model.latest().ifPresent(r -> heads.add(model.name() + ":" + r.manifest().version()));
      model.aliases().values().forEach(v -> heads.add(model.name() + ":" + v));
    }
    return heads;
  }

  /** A future completed by the end of a sync that starts after this call (exceptionally if it could not read). */
  private CompletableFuture<Void> nextSync() {
    CompletableFuture<Void> next = new CompletableFuture<>();
    synchronized (waitingForSync) {
      waitingForSync.add(next);
    }
    syncSoon();
    return next;
  }

  private void sync() {
    List<CompletableFuture<Void>> waiting;
    synchronized (waitingForSync) {
      waiting = new ArrayList<>(waitingForSync);
      waitingForSync.clear();
    }
    unreachableNow = null;
    try {
      syncOnce();
    } catch (RuntimeException e) {
      log.error("sync with the bucket failed", e);
    } finally {
      syncs.incrementAndGet();
      StoreUnavailableException failed = unreachableNow;
      waiting.forEach(w -> {
        if (failed == null) {
          w.complete(null);
        } else {
          w.completeExceptionally(failed);
        }
      });
    }
  }

  private void syncOnce() {
    // The local listing comes first: a version this replica publishes is recorded in the bucket before it enters
    // the directory, so whatever is listed here is in any snapshot read after it.
    long changesSeen = repository.upstreamChanges();
    Map<String, Map<Integer, Long>> local = localVersions();
    BucketSnapshot snapshot;
    try {
      snapshot = bucket.snapshot(previous);
    } catch (StoreUnavailableException e) {
      unreachable(e);
      return;
    }
    reachable();
    BucketSnapshot before = previous;
    previous = snapshot;
    known = snapshot;
    List<String> found = new ArrayList<>(snapshot.problems());
    // each model's latest and aliased versions, newest first, arrive (several at once) before the alias files
    // name them
    Set<String> heads = heads(snapshot);
    Map<String, CompletableFuture<Void>> arriving = new LinkedHashMap<>();
    for (BucketSnapshot.Model model : snapshot.models().values()) {
      Map<Integer, Long> held = local.getOrDefault(model.name(), Map.of());
      for (VersionRecord record : model.versions().descendingMap().values()) {
        Manifest manifest = record.manifest();
        if (heads.contains(manifest.name() + ":" + manifest.version()) && !held.containsKey(manifest.version())) {
          arriving.put(manifest.name() + ":" + manifest.version(), arrive(record));
        }
      }
    }
    arriving.forEach((key, arrival) -> {
      try {
        arrival.join();
      } catch (CompletionException e) {
        if (e.getCause() instanceof StoreUnavailableException down) {
          unreachable(down);
        } else {
          found.add(e.getCause() instanceof BlobCorruptException || e.getCause() instanceof CacheFullException
              ? e.getCause().getMessage() : key + " is not copied: " + e.getCause().getMessage());
        }
      }
    });
    // An object that could not be read is left out of the snapshot: while there is one, nothing is retired and no
    // alias file rewritten on its account (a copy already validated is kept).
    if (snapshot.problems().isEmpty()) {
      List<MirrorChange> changes = new ArrayList<>();
      snapshot.models().values().forEach(m -> changes.add(new MirrorChange.Aliases(m.name(), m.aliases())));
      local.forEach((name, versions) -> {
        BucketSnapshot.Model model = snapshot.models().get(name);
        for (int version : versions.keySet()) {
          if (model == null || !model.versions().containsKey(version)) {
            changes.add(new MirrorChange.Retire(name, version));
          }
        }
        if (model == null) {
          changes.add(new MirrorChange.Aliases(name, Map.of()));
        }
      });
      // deleted in the bucket, never held here: subscribers still hear of it
      before.models().values().forEach(model -> model.versions().keySet().forEach(version -> {
        if (!snapshot.model(model.name()).map(m -> m.versions().containsKey(version)).orElse(false)
            && !local.getOrDefault(model.name(), Map.of()).containsKey(version)) {
          changes.add(new MirrorChange.Gone(model.name(), version));
        }
      }));
      if (!repository.follow(changes, changesSeen)) {
        syncSoon();
      }
    }
    report(found);
  }

  /** The arrival of {@code record}'s version, started unless one is under way (then that one). */
  private CompletableFuture<Void> arrive(VersionRecord record) {
    Manifest manifest = record.manifest();
    String key = manifest.name() + ":" + manifest.version();
    CompletableFuture<Void> mine = new CompletableFuture<>();
    CompletableFuture<Void> running = arrivals.putIfAbsent(key, mine);
    if (running != null) {
      return running;
    }
    // news for subscribers: a new latest (an aliased version's news is the alias move, announced on its own)
    boolean announce = known.model(manifest.name()).flatMap(BucketSnapshot.Model::latest)
        .map(latest -> latest.manifest().version() == manifest.version()).orElse(false);
    try {
      fetchers.execute(() -> {
        try {
          bringIn(manifest, announce);
          mine.complete(null);
        } catch (RuntimeException | Error e) {
          mine.completeExceptionally(e);
        } finally {
          arrivals.remove(key, mine);
        }
      });
    } catch (RejectedExecutionException e) {
      arrivals.remove(key, mine);
      mine.completeExceptionally(new StoreUnavailableException("the server is stopping", e));
    }
    return mine;
  }

  /**
   * Checks the version is still published (the snapshot may be a poll old), makes room, gets the bytes (a local copy
   * of a blob served already, or one GET), and has the repository adopt and validate them; returns once the version
   * is in the catalog or refused. One arrival at a time per blob, so the next one copies it locally.
   */
  private void bringIn(Manifest manifest, boolean announce) {
    synchronized (blobLocks.computeIfAbsent(manifest.sha256(), k -> new Object())) {
      if (Files.exists(repository.root().resolve(manifest.name()).resolve(String.valueOf(manifest.version())))) {
        return;
      }
      bucket.requirePublished(manifest.name(), manifest.version(), manifest.sha256());
      makeRoom(manifest);
      Path file = incoming.resolve(manifest.name() + "." + manifest.version() + ".pt");
      try {
        download(manifest, file);
        // just arrived: the most recently used, and the requests waiting for it are about to use it
        catalog.touch(manifest.name(), manifest.version());
        List<MirrorChange> adopt = List.of(new MirrorChange.Adopt(manifest.name(), manifest.version(), file,
            announce));
        long seen;
        do {
          // checked again right before the adopt: a delete made here since the check above (or while the blob
          // was downloading) must not be undone by it
          seen = repository.upstreamChanges();
          bucket.requirePublished(manifest.name(), manifest.version(), manifest.sha256());
        } while (!repository.follow(adopt, seen));
      } finally {
        synchronized (room) {
          reserved -= manifest.size();
        }
        try {
          Files.deleteIfExists(file);
        } catch (IOException e) {
          log.warn("cannot remove {}: {}", file, e.toString());
        }
      }
    }
  }

  /** Reserves room for {@code manifest}'s bytes, dropping the least recently used versions if need be. */
  private void makeRoom(Manifest manifest) {
    synchronized (room) {
      long now = System.nanoTime();
      List<CacheSpace.Held> held = new ArrayList<>();
      localVersions().forEach((name, versions) -> versions.forEach((version, size) -> held.add(
          new CacheSpace.Held(name, version, size, catalog.lastUse(name, version).map(t -> Math.max(0, now - t))
              .orElse(Long.MAX_VALUE)))));
      List<CacheSpace.Held> victims = CacheSpace.victims(held, reserved, manifest.size(), cacheSize, kept(),
          manifest.name() + ":" + manifest.version());
      if (!victims.isEmpty()) {
        repository.follow(victims.stream().<MirrorChange>map(v -> new MirrorChange.Evict(v.name(), v.version()))
            .toList(), repository.upstreamChanges());
      }
      reserved += manifest.size();
    }
  }

  /**
   * {@code name:version} of what no arrival may drop: each model's latest and aliased versions in the bucket and
   * in the catalog served now (a new latest does not replace the old one before it has arrived), and the versions
   * arriving (requests wait to be answered from them).
   */
  private Set<String> kept() {
    Set<String> kept = heads(known);
    Catalog served = catalog.current();
    for (ServedModel model : served.all()) {
      String name = model.manifest().name();
      served.latest(name).ifPresent(l -> kept.add(name + ":" + l.manifest().version()));
      served.aliases(name).values().forEach(v -> kept.add(name + ":" + v));
    }
    kept.addAll(arrivals.keySet());
    return kept;
  }

  /** The version's bytes into {@code file}: copied from a blob this replica serves already, or downloaded once. */
  private void download(Manifest manifest, Path file) {
    try {
      Files.deleteIfExists(file);
      if (copyServed(manifest.sha256(), file)) {
        metrics.replicaCopy("local", "ok");
        return;
      }
    } catch (IOException e) {
      log.debug("cannot copy a local copy of {}: {}", manifest.sha256(), e.toString());
    }
    try {
      Files.deleteIfExists(file);
      bucket.fetchBlob(manifest, file);
    } catch (BlobCorruptException e) {
      metrics.replicaCopy("bucket", "refused");
      throw e;
    } catch (IOException e) {
      metrics.replicaCopy("bucket", "error");
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      metrics.replicaCopy("bucket", "error");
      throw e;
    }
    metrics.replicaCopy("bucket", "ok");
    log.info("downloaded {}:{} ({} bytes, sha256 {})", manifest.name(), manifest.version(), manifest.size(),
        manifest.sha256());
  }

  /**
   * Copies the file this replica serves with {@code sha256}, through its pinned descriptor (the validated bytes,
   * whatever happened to the path since); false if it serves none.
   */
  private boolean copyServed(String sha256, Path target) throws IOException {
    ServedModel served;
    try {
      served = repository.catalog().current().withSha256(sha256);
    } catch (ModelNotFoundException e) {
      return false;
    }
    if (!served.file().retain()) {
      return false;
    }
    try (FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      FileChannel in = served.file().channel();
      long size = in.size();
      for (long at = 0; at < size; ) {
        at += in.transferTo(at, size - at, out);
      }
      return true;
    } finally {
      served.file().release();
    }
  }

  /** Model name to version to file size, as the directory holds them now (rejected files included). */
  private Map<String, Map<Integer, Long>> localVersions() {
    Map<String, Map<Integer, Long>> versions = new TreeMap<>();
    Path root = repository.root();
    try (DirectoryStream<Path> models = Files.newDirectoryStream(root, p -> Files.isDirectory(p)
        && !p.getFileName().toString().startsWith("."))) {
      for (Path model : models) {
        Map<Integer, Long> held = versions.computeIfAbsent(model.getFileName().toString(), n -> new TreeMap<>());
        try (DirectoryStream<Path> children = Files.newDirectoryStream(model,
            p -> p.getFileName().toString().matches("[1-9][0-9]{0,8}"))) {
          for (Path child : children) {
            Path file = child.resolve("model.pt");
            held.put(Integer.parseInt(child.getFileName().toString()), Files.isRegularFile(file)
                ? Files.size(file) : 0L);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + root + ": " + e.getMessage(), e);
    }
    return versions;
  }

  private void unreachable(StoreUnavailableException e) {
    unreachableNow = e;
    if (health.reachable() || !health.reason().equals(e.getMessage())) {
      log.warn("{}; serving what this replica holds", e.getMessage());
      health = StoreHealth.down(clock.instant(), e.getMessage());
    }
  }

  private void reachable() {
    if (!health.reachable()) {
      log.info("the bucket answers again");
      health = StoreHealth.up(clock.instant());
    }
  }

  private void report(List<String> found) {
    for (String problem : found) {
      if (!problems.contains(problem)) {
        log.warn("bucket: {}", problem);
      }
    }
    problems = List.copyOf(found);
  }

  @Override
  public void close() {
    fetchers.shutdownNow();
    StoreUnavailableException stopping = new StoreUnavailableException("the server is stopping", null);
    arrivals.values().forEach(arrival -> arrival.completeExceptionally(stopping));
    synchronized (waitingForSync) {
      waitingForSync.forEach(waiting -> waiting.completeExceptionally(stopping));
      waitingForSync.clear();
    }
    thread.shutdownNow();
    try {
      thread.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
