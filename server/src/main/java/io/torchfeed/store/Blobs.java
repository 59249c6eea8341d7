package io.torchfeed.store;

import io.torchfeed.model.Manifest;
import io.torchfeed.store.ObjectStore.StoredObject;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The content-addressed model files, {@code blobs/sha256/HEX}: put once unless the bucket has them, never
 * rewritten, and fetched with their sha256 checked on the way.
 */
final class Blobs {
  private static final Logger log = LoggerFactory.getLogger(Blobs.class);

  /** How many times a conditional write that failed without being written is tried (a stale connection...). */
  static final int UNKNOWN_OUTCOME_ATTEMPTS = 3;

  private final ObjectStore store;
  private final BucketLayout layout;

  Blobs(ObjectStore store, BucketLayout layout) {
    this.store = store;
    this.layout = layout;
  }

  /**
   * Puts {@code file}, whose manifest is {@code manifest}, under its sha256 unless the bucket has that blob; one
   * that exists (or that another publisher puts meanwhile) is the same bytes and is left as it is.
   */
  void put(Manifest manifest, Path file) {
    String key = layout.blob(manifest.sha256());
    Optional<StoredObject> existing = store.head(key);
    if (existing.isPresent()) {
      if (existing.get().size() != manifest.size()) {
        log.warn("{} has {} bytes, not {}: left as it is (fetches will report it altered)", store.describe(key),
            existing.get().size(), manifest.size());
      }
      return;
    }
    for (int attempt = 1; ; attempt++) {
      try {
        store.putIfAbsent(key, file);
        return;
      } catch (ObjectExistsException e) {
        log.debug("{} was put by another publisher meanwhile", store.describe(key));
        return;
      } catch (StoreUnavailableException e) {
        // The upload's answer may have been lost after the store took it: a blob of the right size is the one
        // put. Otherwise it was not written, and putting it again is safe.
        if (store.head(key).filter(o -> o.size() == manifest.size()).isPresent()) {
          return;
        }
        if (attempt == UNKNOWN_OUTCOME_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  /**
   * Downloads the blob of {@code manifest} into {@code target}, hashing it on the way.
   *
   * @throws BlobCorruptException when the bytes are not the manifest's; {@code target} is removed
   */
  void fetch(Manifest manifest, Path target) {
    MessageDigest sha256 = sha256();
    StoredObject got;
    try (OutputStream out = new DigestOutputStream(Files.newOutputStream(target), sha256)) {
      got = store.get(layout.blob(manifest.sha256()), out);
    } catch (IOException e) {
      deleteQuietly(target);
      throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      deleteQuietly(target);
      throw e;
    }
    String hex = HexFormat.of().formatHex(sha256.digest());
    if (!hex.equals(manifest.sha256()) || got.size() != manifest.size()) {
      deleteQuietly(target);
      throw new BlobCorruptException(store.describe(got.key()) + " was altered in the bucket: its " + got.size()
          + " bytes hash to " + hex + ", " + manifest.name() + ":" + manifest.version() + " has " + manifest.size()
          + " bytes hashing to " + manifest.sha256());
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.warn("cannot remove {}: {}", file, e.toString());
    }
  }
}
