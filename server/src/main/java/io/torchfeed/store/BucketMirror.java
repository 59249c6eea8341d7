package io.torchfeed.store;

import io.torchfeed.metrics.Metrics;
import io.torchfeed.model.Manifest;
import io.torchfeed.repository.MirrorChange;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.commons.io.file.PathUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a replica's local directory a copy of the bucket (docs/scale-out.md): on start, every {@code poll} and
 * whenever {@link #syncSoon()} is called (a notice on the bus), it reads a {@link BucketSnapshot} and hands
 * {@link ModelRepository#follow} the changes: each version it does not hold is downloaded once (one GET per blob,
 * the sha256 checked on the way; a blob this replica holds already is copied locally, not downloaded), versions deleted in
 * the bucket are retired, alias files follow the bucket's. The repository's scan then validates what arrived in
 * the worker before anything is served. Versions that would take the directory past {@code cacheSize} are not
 * copied (newest first within each model: an older version is never copied in place of a newer one); a blob
 * altered in the bucket is refused with the reason, like a bad file. While the snapshot holds an object that could
 * not be read, nothing is retired and no alias file rewritten.
 *
 * <p>One thread does it all, so syncs never overlap and a blob is never fetched twice at once. An unreachable bucket
 * stops nothing: the replica serves what it holds and {@link #health()} says why.
 */
public final class BucketMirror implements AutoCloseable {
  /** Where downloads land before they are moved into the directory: under the root, so a move is a rename. */
  static final String INCOMING = ".incoming";

  private static final Logger log = LoggerFactory.getLogger(BucketMirror.class);

  private final BucketRepository bucket;
  private final Metrics metrics;
  private final ModelRepository repository;
  private final Duration poll;
  private final long cacheSize;
  private final Path incoming;
  private final Clock clock;
  private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "torchfeed-mirror");
    t.setDaemon(true);
    return t;
  });
  private final AtomicBoolean queued = new AtomicBoolean();
  private final AtomicLong syncs = new AtomicLong();
  private volatile StoreHealth health;
  private volatile List<String> problems = List.of();
  // confined to the mirror thread
  private BucketSnapshot previous = BucketSnapshot.empty();

  /**
   * @param cacheSize the most bytes of model files the directory holds; {@code Long.MAX_VALUE} for no limit
   */
  public BucketMirror(BucketRepository bucket, ModelRepository repository, Duration poll, long cacheSize,
      Metrics metrics) {
    this.bucket = bucket;
    this.metrics = metrics;
    this.repository = repository;
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
    } catch (java.util.concurrent.ExecutionException e) {
      log.error("the first sync with the bucket failed", e.getCause());
    }
    long every = poll.toMillis();
    thread.scheduleWithFixedDelay(this::sync, every, every, TimeUnit.MILLISECONDS);
  }

  /** Asks for a sync on the mirror thread; requests made before it starts are merged into one. */
  public void syncSoon() {
    if (queued.compareAndSet(false, true)) {
      thread.execute(() -> {
        queued.set(false);
        sync();
      });
    }
  }

  public StoreHealth health() {
    return health;
  }

  /** What the last sync could not copy, one line each: unreadable objects, altered blobs, a full cache. */
  public List<String> problems() {
    return problems;
  }

  /** How many syncs have ended (reaching the bucket or not): tests wait on it. */
  public long syncsCompleted() {
    return syncs.get();
  }

  private void sync() {
    try {
      syncOnce();
    } catch (RuntimeException e) {
      log.error("sync with the bucket failed", e);
    } finally {
      syncs.incrementAndGet();
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
    previous = snapshot;
    clearIncoming();
    List<String> found = new ArrayList<>(snapshot.problems());
    // An object that could not be read is left out of the snapshot: while there is one, nothing is retired and no
    // alias file rewritten on its account (a copy already validated is kept).
    boolean whole = snapshot.problems().isEmpty();
    boolean reaching = true;
    List<MirrorChange> changes = new ArrayList<>();
    long used = local.values().stream().flatMap(v -> v.values().stream()).mapToLong(Long::longValue).sum();
    Map<String, Path> fetched = new HashMap<>();
    for (BucketSnapshot.Model model : snapshot.models().values()) {
      Map<Integer, Long> held = local.getOrDefault(model.name(), Map.of());
      for (VersionRecord record : model.versions().descendingMap().values()) {
        Manifest manifest = record.manifest();
        if (!reaching || held.containsKey(manifest.version())) {
          continue;
        }
        if (used + manifest.size() > cacheSize) {
          // newest first: an older version is never copied in place of a newer one that did not fit
          found.add(manifest.name() + ":" + manifest.version() + " and older versions are not copied: "
              + manifest.size() + " bytes more would take the copy past --cache-size (" + cacheSize + " bytes)");
          break;
        }
        try {
          changes.add(new MirrorChange.Adopt(manifest.name(), manifest.version(), download(manifest, fetched)));
          used += manifest.size();
        } catch (StoreUnavailableException e) {
          unreachable(e);
          reaching = false;
        } catch (RuntimeException e) {
          // an altered blob, a missing one, a full disk: this version is not copied, the others are
          found.add(e instanceof BlobCorruptException ? e.getMessage() : manifest.name() + ":"
              + manifest.version() + " is not copied: " + e.getMessage());
        }
      }
      if (whole) {
        changes.add(new MirrorChange.Aliases(model.name(), model.aliases()));
      }
    }
    local.forEach((name, versions) -> {
      if (!whole) {
        return;
      }
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
    if (!repository.follow(changes, changesSeen)) {
      syncSoon();
    }
    report(found);
  }

  /** Removes what an earlier sync downloaded but could not move into place. */
  private void clearIncoming() {
    try (DirectoryStream<Path> files = Files.newDirectoryStream(incoming)) {
      for (Path file : files) {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      log.warn("cannot clear {}: {}", incoming, e.toString());
    }
  }

  /** The version's bytes in a file of {@link #INCOMING}: linked to a blob already here, or downloaded once. */
  private Path download(Manifest manifest, Map<String, Path> fetched) {
    Path file = incoming.resolve(manifest.name() + "." + manifest.version() + ".pt");
    try {
      Files.deleteIfExists(file);
      Path fetchedHere = fetched.get(manifest.sha256());
      if (fetchedHere != null) {
        Files.copy(fetchedHere, file);
        metrics.replicaCopy("local", "ok");
        return file;
      }
      if (copyServed(manifest.sha256(), file)) {
        metrics.replicaCopy("local", "ok");
        return file;
      }
    } catch (IOException e) {
      log.debug("cannot copy a local copy of {}: {}", manifest.sha256(), e.toString());
    }
    try {
      bucket.fetchBlob(manifest, file);
    } catch (BlobCorruptException e) {
      metrics.replicaCopy("bucket", "refused");
      throw e;
    } catch (RuntimeException e) {
      metrics.replicaCopy("bucket", "error");
      throw e;
    }
    metrics.replicaCopy("bucket", "ok");
    fetched.put(manifest.sha256(), file);
    log.info("downloaded {}:{} ({} bytes, sha256 {})", manifest.name(), manifest.version(), manifest.size(),
        manifest.sha256());
    return file;
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
    thread.shutdownNow();
    try {
      thread.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
