package io.torchfeed.store;

import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModelId;
import io.torchfeed.repository.ConflictException;
import io.torchfeed.repository.ModelNotFoundException;
import io.torchfeed.repository.Upstream;
import io.torchfeed.store.ObjectStore.ObjectBytes;
import io.torchfeed.store.ObjectStore.StoredObject;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * torchfeed's models in a bucket, shared by every replica that points at it ({@link BucketLayout} has the keys,
 * docs/store.md the protocol). Nothing is locked: a version number is claimed by creating its record only if
 * absent, so two replicas publishing at the same moment get two numbers; an alias map is replaced only if its
 * ETag is the one read ({@link AliasUpdate}). Safe to use from any thread.
 */
public final class BucketRepository implements Upstream {
  private static final Logger log = LoggerFactory.getLogger(BucketRepository.class);

  /** How many numbers a publish tries to claim before it gives up (each refusal means another publish won one). */
  static final int CLAIM_ATTEMPTS = 20;

  private final ObjectStore store;
  private final BucketLayout layout;
  private final String publisher;
  private final Blobs blobs;
  private final AliasUpdate aliases;
  private final SnapshotReader snapshots;

  /**
   * @param publisher who this replica is, written into the version records it publishes (e.g. host and port)
   */
  public BucketRepository(ObjectStore store, BucketLayout layout, String publisher) {
    this.store = store;
    this.layout = layout;
    this.publisher = publisher;
    this.blobs = new Blobs(store, layout);
    this.aliases = new AliasUpdate(store, layout);
    this.snapshots = new SnapshotReader(store, layout);
  }

  /**
   * Publishes {@code file}, whose manifest (of any version number) is {@code manifest}, as the next version of its
   * model: puts the blob unless the bucket has it, then claims the next number by creating its version record only
   * if absent; a number another publisher claimed first makes it list again and try the next.
   *
   * @return the manifest with the version claimed
   * @throws ConflictException when {@value #CLAIM_ATTEMPTS} numbers in a row were claimed by others
   */
  @Override
  public Manifest publish(Manifest manifest, Path file) {
    String name = new ModelId(manifest.name(), ModelId.LATEST).name();
    blobs.put(manifest, file);
    String publishId = UUID.randomUUID().toString();
    int version = nextVersion(name);
    int failures = 0;
    for (int attempt = 1; attempt <= CLAIM_ATTEMPTS; attempt++) {
      Manifest numbered = manifest.numbered(version);
      VersionRecord record = new VersionRecord(numbered, Instant.now().toString(), publisher, publishId, null);
      try {
        store.putIfAbsent(layout.version(name, version), BucketJson.write(record));
        log.info("published {}:{} (sha256 {})", name, version, manifest.sha256());
        return numbered;
      } catch (ObjectExistsException | StoreUnavailableException e) {
        // Refused, or an unknown outcome (the answer was lost): the record tells whose number it is.
        Claim claim = claim(publishId, name, version);
        if (claim == Claim.OURS) {
          log.info("published {}:{} (sha256 {})", name, version, manifest.sha256());
          return numbered;
        }
        if (claim == Claim.NONE && e instanceof StoreUnavailableException unavailable) {
          // nothing was written: the same number again, a few times
          if (++failures == Blobs.UNKNOWN_OUTCOME_ATTEMPTS) {
            throw unavailable;
          }
          continue;
        }
        version = Math.max(version + 1, nextVersion(name));
      }
    }
    throw new ConflictException("cannot number a new version of " + name + ": " + CLAIM_ATTEMPTS
        + " versions in a row were claimed by other publishers first; publish again");
  }

  /** Points {@code alias} of {@code name} at a published version (compare-and-swap on the alias map). */
  @Override
  public void moveAlias(String name, String alias, int version) {
    ModelId id = new ModelId(name, ModelId.LATEST, alias);
    published(id.name(), version);
    aliases.change(id.name(), map -> {
      if (Integer.valueOf(version).equals(map.get(alias))) {
        return false;
      }
      map.put(alias, version);
      return true;
    });
  }

  /** Removes {@code alias} of {@code name}; the version it named stays. */
  @Override
  public void removeAlias(String name, String alias) {
    ModelId id = new ModelId(name, ModelId.LATEST, alias);
    aliases.change(id.name(), map -> {
      if (map.remove(alias) == null) {
        throw new ModelNotFoundException("model '" + name + "' has no alias '" + alias + "'");
      }
      return true;
    });
  }

  /**
   * Deletes a published version: its record becomes a tombstone (kept, so the number is never given again); the
   * blob stays (other versions may share it). Refused while an alias points at the version.
   */
  @Override
  public void delete(String name, int version) {
    Published current = published(new ModelId(name, version).name(), version);
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
    try {
      store.putIfMatch(layout.version(name, version), BucketJson.write(current.record().deletedAt(Instant.now())),
          current.etag());
    } catch (EtagMismatchException e) {
      throw new ModelNotFoundException("model '" + name + "' has no version " + version + " (deleted meanwhile)");
    }
  }

  /**
   * Checks that {@code name:version} is published now with this sha256 (one small GET): a replica's knowledge of
   * the bucket may be a poll old, and a version deleted meanwhile must not come back.
   *
   * @throws ModelNotFoundException when it is not, or no longer
   */
  public void requirePublished(String name, int version, String sha256) {
    Manifest manifest = published(name, version).record().manifest();
    if (!manifest.sha256().equals(sha256)) {
      throw new ModelNotFoundException(name + ":" + version + " in the bucket is not the version this replica knew"
          + " (sha256 " + manifest.sha256() + ", not " + sha256 + ")");
    }
  }

  /** The catalog as the bucket holds it now, reading only what changed since {@code previous}. */
  public BucketSnapshot snapshot(BucketSnapshot previous) {
    return snapshots.read(previous);
  }

  /** The catalog as the bucket holds it now. */
  public BucketSnapshot snapshot() {
    return snapshot(BucketSnapshot.empty());
  }

  /**
   * Downloads the blob of {@code manifest} into {@code target} and checks its sha256 and size on the way.
   *
   * @throws BlobCorruptException when the bytes are not the manifest's (the object was altered); {@code target}
   *                              is removed
   */
  public void fetchBlob(Manifest manifest, Path target) {
    blobs.fetch(manifest, target);
  }

  /** One more than the highest version record of {@code name} (tombstones included). */
  private int nextVersion(String name) {
    int max = 0;
    for (StoredObject object : store.list(layout.versions(name))) {
      max = Math.max(max, layout.parse(object.key()).map(BucketLayout.ModelKey::version).orElse(0));
    }
    return max + 1;
  }

  /** Whose the record of a number is, read after a refused write or one whose answer was lost. */
  private enum Claim { OURS, OTHERS, NONE }

  private Claim claim(String publishId, String name, int version) {
    String key = layout.version(name, version);
    try {
      return publishId.equals(BucketJson.readRecord(store.getBytes(key).bytes(), name, version,
          store.describe(key)).publishId()) ? Claim.OURS : Claim.OTHERS;
    } catch (ObjectNotFoundException e) {
      return Claim.NONE;
    } catch (UnreadableObjectException e) {
      return Claim.OTHERS;
    }
  }

  /** A published version's record and the ETag it was read with. */
  private record Published(VersionRecord record, String etag) {}

  /** The record of a published version; a missing or deleted one is a {@link ModelNotFoundException}. */
  private Published published(String name, int version) {
    String key = layout.version(name, version);
    try {
      ObjectBytes bytes = store.getBytes(key);
      VersionRecord record = BucketJson.readRecord(bytes.bytes(), name, version, store.describe(key));
      if (!record.deleted()) {
        return new Published(record, bytes.etag());
      }
    } catch (ObjectNotFoundException e) {
      // never published
    }
    throw new ModelNotFoundException("model '" + name + "' has no version " + version);
  }
}
