package io.torchfeed.repository;

import io.torchfeed.model.FileFacts;
import io.torchfeed.model.Manifest;
import io.torchfeed.validation.ModelRejectedException;
import io.torchfeed.model.ModuleInfo;
import io.torchfeed.model.Rejection;
import io.torchfeed.validation.ArchiveFacts;
import io.torchfeed.validation.Validator;
import io.torchfeed.validation.ValidatorFailureException;
import io.torchfeed.validation.ValidatorUnavailableException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the files of a repository into a {@link Catalog}. Each {@code model.pt} is checked in plain Java
 * ({@link ArchiveFacts}) and validated by LibTorch in the worker process ({@link Validator}), unless the previous
 * catalog or the {@link ManifestCache} already knows this exact file; then it is pinned. A bad file becomes a
 * {@link Rejection} with a one-line reason; it never stops the scan.
 *
 * <p>A file modified less than {@code settle} ago is still being written (a slow copy): it is left out of this
 * scan, and its previous version, if any, stays served; {@link Scan#unsettled()} tells the caller to scan again.
 * A file the manifest cache knows (a publish puts its entry there before the rename) is never settling.
 */
public final class RepositoryLoader {
  private static final Logger log = LoggerFactory.getLogger(RepositoryLoader.class);

  private final RepositoryScanner scanner;
  private final ArchiveFacts archiveFacts;
  private final Validator validator;
  private final ManifestCache cache;
  private final AliasStore aliases;
  private final Duration settle;
  private final boolean followSymlinks;
  /** Crashes and time-outs are not cached on disk, but a file is not retried until it changes. */
  private final Map<FileStamp, String> failedInThisProcess = new HashMap<>();

  public RepositoryLoader(RepositoryScanner scanner, ArchiveFacts archiveFacts, Validator validator,
      ManifestCache cache, Duration settle) {
    this(scanner, archiveFacts, validator, cache, settle, false);
  }

  /**
   * @param followSymlinks serve files whose real path is outside the repository; without it such a file (a
   *     symbolic link out of the repository, or inside a linked directory) is rejected with the reason
   */
  public RepositoryLoader(RepositoryScanner scanner, ArchiveFacts archiveFacts, Validator validator,
      ManifestCache cache, Duration settle, boolean followSymlinks) {
    this.followSymlinks = followSymlinks;
    this.scanner = scanner;
    this.archiveFacts = archiveFacts;
    this.validator = validator;
    this.cache = cache;
    this.aliases = new AliasStore(scanner.root(), log::warn);
    this.settle = settle;
  }

  /** The outcome of one scan. */
  public record Scan(Catalog catalog, boolean unsettled) {}

  public Catalog load() {
    return scan(Catalog.empty()).catalog();
  }

  /** Scans the repository; files unchanged since {@code previous} keep their pinned descriptor. */
  public Scan scan(Catalog previous) {
    return scan(previous, Set.of());
  }

  /**
   * As {@link #scan(Catalog)}; files whose stamp is in {@code complete} are known to be whole (a replica's copy,
   * its sha256 checked) and are validated at once, without waiting for {@code settle}.
   */
  public Scan scan(Catalog previous, Set<FileStamp> complete) {
    long start = System.nanoTime();
    Map<String, ServedModel> known = new HashMap<>();
    previous.all().forEach(m -> known.put(m.relative(), m));
    List<ServedModel> served = new ArrayList<>();
    List<Rejection> rejected = new ArrayList<>();
    Map<String, Map<String, Integer>> aliasMap = new TreeMap<>();
    boolean unsettled = false;
    int validated = 0;
    for (ModelFile file : scanner.scan()) {
      try {
        refuseOutside(file);
        FileStamp stamp = stat(file);
        ServedModel same = known.get(file.relative());
        if (same != null && same.stamp().equals(stamp)) {
          served.add(same);
          continue;
        }
        Optional<ManifestCache.Entry> cached = cache.get(stamp);
        if (cached.isEmpty() && !complete.contains(stamp) && isSettling(stamp)) {
          unsettled = true;
          if (same != null) {
            served.add(same);
          }
          continue;
        }
        validated += cached.isEmpty() ? 1 : 0;
        served.add(ingest(file, stamp, cached));
      } catch (ModelRejectedException e) {
        log.warn("rejected {}: {}", file.relative(), e.getMessage());
        rejected.add(new Rejection(file.id().name(), file.id().version(), file.relative(), e.getMessage()));
      } catch (ValidatorUnavailableException e) {
        log.error("could not validate {}: {}", file.relative(), e.getMessage());
        unsettled = true;
        Optional.ofNullable(known.get(file.relative())).ifPresent(served::add);
      }
    }
    served.stream().map(m -> m.manifest().name()).distinct()
        .forEach(name -> aliasMap.put(name, aliases.read(name)));
    if (validated > 0 || previous.all().isEmpty()) {
      log.info("repository {}: {} model versions served, {} rejected ({} ms)", scanner.root(), served.size(),
          rejected.size(), (System.nanoTime() - start) / 1_000_000);
    }
    return new Scan(new Catalog(served, rejected, aliasMap), unsettled);
  }

  /** Validates one file that is not in the repository yet (an upload), without caching anything. */
  public ModuleInfo validateCandidate(Path file) {
    archiveFacts.read(file);
    return validator.validate(file);
  }

  private void refuseOutside(ModelFile file) {
    if (followSymlinks) {
      return;
    }
    try {
      Path real = file.path().toRealPath();
      Path root = scanner.root().toRealPath();
      if (!real.startsWith(root)) {
        throw new ModelRejectedException("model.pt resolves to " + real + ", outside the repository; "
            + "start the server with --follow-symlinks to serve it");
      }
    } catch (IOException e) {
      // a dangling link or an unreadable path: stat() gives the reason
    }
  }

  private boolean isSettling(FileStamp stamp) {
    long ageNanos = System.currentTimeMillis() * 1_000_000L - stamp.modifiedNanos();
    return ageNanos < settle.toNanos();
  }

  private ServedModel ingest(ModelFile file, FileStamp stamp, Optional<ManifestCache.Entry> cached) {
    if (cached.isPresent() && cached.get().wasRejected()) {
      throw new ModelRejectedException(cached.get().rejected());
    }
    String failed = failedInThisProcess.get(stamp);
    if (failed != null) {
      throw new ModelRejectedException(failed);
    }
    PinnedFile pinned = pin(file);
    try {
      ManifestCache.Entry entry = cached.map(e -> e.lacksChunks() ? withChunks(file, e) : e)
          .orElseGet(() -> validate(file, stamp));
      if (!stat(file).equals(stamp)) {
        throw new ModelRejectedException("the file changed while it was being validated; it is checked again "
            + "on the next scan");
      }
      if (cached.isEmpty() || cached.get() != entry) {
        cache.put(entry);
      }
      return new ServedModel(Manifest.of(file.id(), entry.facts(), entry.module()), pinned, file.relative(),
          stamp);
    } catch (RuntimeException e) {
      pinned.retire();
      throw e;
    }
  }

  /**
   * A cache entry from before chunk digests, completed: the file's facts read again (no LibTorch), its module as
   * LibTorch listed it.
   */
  private ManifestCache.Entry withChunks(ModelFile file, ManifestCache.Entry old) {
    FileFacts facts = archiveFacts.read(file.path());
    log.info("computed the chunk digests of {} (its cached manifest predates them)", file.id());
    return ManifestCache.Entry.valid(old.stamp(), facts, old.module());
  }

  private ManifestCache.Entry validate(ModelFile file, FileStamp stamp) {
    long start = System.nanoTime();
    FileFacts facts;
    ModuleInfo module;
    try {
      facts = archiveFacts.read(file.path());
      module = validator.validate(file.path());
    } catch (ValidatorFailureException e) {
      failedInThisProcess.put(stamp, e.getMessage());
      throw e;
    } catch (ModelRejectedException e) {
      cache.put(ManifestCache.Entry.rejected(stamp, e.getMessage()));
      throw e;
    }
    log.info("validated {} ({} parameters, {} buffers) in {} ms", file.id(), module.parameters().size(),
        module.buffers().size(), (System.nanoTime() - start) / 1_000_000);
    return ManifestCache.Entry.valid(stamp, facts, module);
  }

  private static FileStamp stat(ModelFile file) {
    try {
      return FileStamp.of(file.path());
    } catch (FileStamp.NotARegularFileException e) {
      throw new ModelRejectedException(e.getMessage());
    } catch (IOException e) {
      throw new ModelRejectedException("cannot read " + file.relative() + ": " + e.getMessage());
    }
  }

  private static PinnedFile pin(ModelFile file) {
    try {
      return PinnedFile.open(file.path());
    } catch (IOException e) {
      throw new ModelRejectedException("cannot open " + file.relative() + ": " + e.getMessage());
    }
  }
}
