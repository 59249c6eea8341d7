package io.torchfeed.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Every directory and file under a repository, files with their size and sha256, to compare before and after. The
 * server may be changing the tree while it is read (a partial upload deleted, a temporary file renamed): an entry
 * that vanishes between being listed and being read is simply left out, as if listed a moment later.
 */
public final class RepositorySnapshot {
  private RepositorySnapshot() {}

  /** {@code relative path -> "dir"} or {@code "<size> <sha256>"}, leaving out {@code exclude} (a top directory). */
  public static SortedMap<String, String> of(Path root, String exclude) {
    SortedMap<String, String> entries = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path path : (Iterable<Path>) walk::iterator) {
        String relative = root.relativize(path).toString();
        if (relative.isEmpty() || relative.equals(exclude) || relative.startsWith(exclude + "/")) {
          continue;
        }
        describe(path).ifPresent(entry -> entries.put(relative, entry));
      }
    } catch (NoSuchFileException e) {
      return entries; // the root itself went away: nothing under it
    } catch (UncheckedIOException e) {
      if (!(e.getCause() instanceof NoSuchFileException)) {
        throw e;
      }
      return of(root, exclude); // a directory vanished mid-walk: walk again over what is there now
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return entries;
  }

  /** {@code "dir"} or {@code "<size> <sha256>"}; empty when the entry no longer exists. */
  private static Optional<String> describe(Path path) throws IOException {
    try {
      return Optional.of(Files.isDirectory(path) ? "dir" : Files.size(path) + " " + sha256(path));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  /** The files (not directories) directly in {@code dir}; empty if it does not exist. */
  public static SortedMap<String, String> files(Path dir) {
    return Files.isDirectory(dir) ? of(dir, "\0") : new TreeMap<>();
  }

  public static String sha256(Path file) throws IOException {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
