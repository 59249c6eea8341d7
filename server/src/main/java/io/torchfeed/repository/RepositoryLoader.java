package io.torchfeed.repository;

import io.torchfeed.model.FileFacts;
import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModelRejectedException;
import io.torchfeed.model.ModuleInfo;
import io.torchfeed.model.Rejection;
import io.torchfeed.validation.ArchiveFacts;
import io.torchfeed.validation.Validator;
import io.torchfeed.validation.ValidatorFailureException;
import io.torchfeed.validation.ValidatorUnavailableException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the files of a repository into a {@link Catalog}: each {@code model.pt} is checked in plain Java
 * ({@link ArchiveFacts}), validated by LibTorch in the worker process ({@link Validator}) unless the
 * {@link ManifestCache} already knows this exact file, and pinned. A bad file becomes a {@link Rejection} with a
 * one-line reason; it never stops the scan.
 */
public final class RepositoryLoader {
  private static final Logger log = LoggerFactory.getLogger(RepositoryLoader.class);

  private final RepositoryScanner scanner;
  private final ArchiveFacts archiveFacts;
  private final Validator validator;
  private final ManifestCache cache;

  public RepositoryLoader(RepositoryScanner scanner, ArchiveFacts archiveFacts, Validator validator,
      ManifestCache cache) {
    this.scanner = scanner;
    this.archiveFacts = archiveFacts;
    this.validator = validator;
    this.cache = cache;
  }

  public Catalog load() {
    long start = System.nanoTime();
    List<ServedModel> served = new ArrayList<>();
    List<Rejection> rejected = new ArrayList<>();
    for (ModelFile file : scanner.scan()) {
      try {
        served.add(ingest(file));
      } catch (ModelRejectedException e) {
        log.warn("rejected {}: {}", file.relative(), e.getMessage());
        rejected.add(new Rejection(file.id().name(), file.id().version(), file.relative(), e.getMessage()));
      } catch (ValidatorUnavailableException e) {
        log.error("could not validate {}: {}", file.relative(), e.getMessage());
        rejected.add(new Rejection(file.id().name(), file.id().version(), file.relative(),
            "not validated: " + e.getMessage()));
      }
    }
    log.info("repository {}: {} model versions served, {} rejected ({} ms)", scanner.root(), served.size(),
        rejected.size(), (System.nanoTime() - start) / 1_000_000);
    return new Catalog(served, rejected);
  }

  private ServedModel ingest(ModelFile file) {
    FileStamp stamp = stat(file);
    Optional<ManifestCache.Entry> cached = cache.get(stamp);
    if (cached.isPresent() && cached.get().wasRejected()) {
      throw new ModelRejectedException(cached.get().rejected());
    }
    PinnedFile pinned = pin(file);
    try {
      ManifestCache.Entry entry = cached.orElseGet(() -> validate(file, stamp));
      if (!stat(file).equals(stamp)) {
        throw new ModelRejectedException("the file changed while it was being validated; it is checked again "
            + "on the next scan");
      }
      if (cached.isEmpty()) {
        cache.put(entry);
      }
      return new ServedModel(Manifest.of(file.id(), entry.facts(), entry.module()), pinned, file.relative());
    } catch (RuntimeException e) {
      pinned.retire();
      throw e;
    }
  }

  private ManifestCache.Entry validate(ModelFile file, FileStamp stamp) {
    long start = System.nanoTime();
    FileFacts facts;
    ModuleInfo module;
    try {
      facts = archiveFacts.read(file.path());
      module = validator.validate(file.path());
    } catch (ModelRejectedException e) {
      if (isCacheable(e)) {
        cache.put(ManifestCache.Entry.rejected(stamp, e.getMessage()));
      }
      throw e;
    }
    log.info("validated {} ({} parameters, {} buffers) in {} ms", file.id(), module.parameters().size(),
        module.buffers().size(), (System.nanoTime() - start) / 1_000_000);
    return ManifestCache.Entry.valid(stamp, facts, module);
  }

  /** A crash or time-out of the worker may not happen again (memory pressure): don't remember it. */
  private static boolean isCacheable(ModelRejectedException e) {
    return !(e instanceof ValidatorFailureException);
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
