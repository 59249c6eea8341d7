package io.torchfeed.repository;

import io.torchfeed.model.Manifest;
import java.nio.file.Path;

/**
 * Where a replica's repository records its changes before showing them: the source of truth shared with other
 * replicas (the bucket store). Without one, the local directory is the truth and {@link ModelRepository} numbers
 * versions and keeps aliases itself. Each method either records the change or throws the reason (a lost race is a
 * {@link ConflictException}, a missing version a {@link ModelNotFoundException}, an unreachable store its own
 * exception); the local directory follows only after it returns.
 */
public interface Upstream {
  /**
   * Records {@code file}, validated here, as the next version of its model.
   *
   * @param manifest the file's manifest, of any version number
   * @return the manifest numbered with the version given
   */
  Manifest publish(Manifest manifest, Path file);

  /** Points {@code alias} of {@code name} at a published version. */
  void moveAlias(String name, String alias, int version);

  /** Removes {@code alias} of {@code name}. */
  void removeAlias(String name, String alias);

  /** Removes a published version; refused while an alias names it. */
  void delete(String name, int version);
}
