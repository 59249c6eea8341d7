package io.torchfeed.store;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * An object store: keys to bytes, each version of an object named by an opaque ETag, with the two conditional
 * writes torchfeed's bucket protocol needs (docs/store.md): create only if absent, replace only if unchanged.
 * Keys are full keys (the location's prefix included). Implementations are safe to use from any thread.
 *
 * <p>Every method throws {@link StoreUnavailableException} when the store cannot be used (unreachable, failing,
 * refusing the credentials), with a one-line reason.
 */
public interface ObjectStore extends AutoCloseable {
  /** An object as listed or written: its key, its ETag (as the store quotes it) and its size in bytes. */
  record StoredObject(String key, String etag, long size) {}

  /** A small object read whole, with the ETag of the version read. */
  record ObjectBytes(byte[] bytes, String etag) {}

  /**
   * Streams the object into {@code out} (never whole in memory); {@code out} is not closed.
   *
   * @throws ObjectNotFoundException when there is no such key
   */
  StoredObject get(String key, OutputStream out);

  /** As {@link #get(String, OutputStream)}, into {@code target} (created or replaced). */
  default StoredObject getToFile(String key, Path target) {
    try (OutputStream out = Files.newOutputStream(target)) {
      return get(key, out);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
    }
  }

  /**
   * A small object (a record, a map) read whole.
   *
   * @throws ObjectNotFoundException when there is no such key
   */
  ObjectBytes getBytes(String key);

  /** The object's ETag and size, or empty when there is no such key. */
  Optional<StoredObject> head(String key);

  /** Every object whose key starts with {@code prefix}, in key order (all pages of the listing). */
  List<StoredObject> list(String prefix);

  /**
   * Creates the object from {@code file} unless the key exists ({@code If-None-Match: *}).
   *
   * @throws ObjectExistsException when it exists, however recently it was created
   */
  StoredObject putIfAbsent(String key, Path file);

  /** As {@link #putIfAbsent(String, Path)}, from bytes. */
  StoredObject putIfAbsent(String key, byte[] bytes);

  /**
   * Replaces the object only if its current ETag is {@code etag} ({@code If-Match}): a compare-and-swap.
   *
   * @throws EtagMismatchException when the object has changed since {@code etag} was read, or is gone
   */
  StoredObject putIfMatch(String key, byte[] bytes, String etag);

  /** Removes the object; removing a key that does not exist is not an error. */
  void delete(String key);

  /** {@code s3://BUCKET/KEY} or the like, for messages. */
  String describe(String key);

  /** Releases the client's connections. */
  @Override
  void close();
}
