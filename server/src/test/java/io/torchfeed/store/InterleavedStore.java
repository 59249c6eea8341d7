package io.torchfeed.store;

import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A real {@link ObjectStore} whose conditional writes of bytes (version records, alias maps) run through a test's
 * {@link Around}: to let another replica write in between a read and the write that depends on it, or to lose the
 * answer to a write that succeeded. The writes themselves still go to the S3 service: nothing is faked.
 */
final class InterleavedStore implements ObjectStore {
  /** Wraps one conditional write of {@code key}; {@code write} performs it. */
  interface Around {
    StoredObject apply(String key, Supplier<StoredObject> write);
  }

  private final ObjectStore store;
  private final Around around;

  InterleavedStore(ObjectStore store, Around around) {
    this.store = store;
    this.around = around;
  }

  @Override
  public StoredObject putIfAbsent(String key, byte[] bytes) {
    return around.apply(key, () -> store.putIfAbsent(key, bytes));
  }

  @Override
  public StoredObject putIfMatch(String key, byte[] bytes, String etag) {
    return around.apply(key, () -> store.putIfMatch(key, bytes, etag));
  }

  @Override
  public StoredObject get(String key, OutputStream out) {
    return store.get(key, out);
  }

  @Override
  public ObjectBytes getBytes(String key) {
    return store.getBytes(key);
  }

  @Override
  public Optional<StoredObject> head(String key) {
    return store.head(key);
  }

  @Override
  public List<StoredObject> list(String prefix) {
    return store.list(prefix);
  }

  @Override
  public StoredObject putIfAbsent(String key, Path file) {
    return store.putIfAbsent(key, file);
  }

  @Override
  public void delete(String key) {
    store.delete(key);
  }

  @Override
  public String describe(String key) {
    return store.describe(key);
  }

  @Override
  public void close() {
    store.close();
  }
}
