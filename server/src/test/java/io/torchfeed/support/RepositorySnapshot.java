package io.torchfeed.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Every directory and file under a repository, files with their size and sha256, to compare before and after. */
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
        entries.put(relative, Files.isDirectory(path) ? "dir" : Files.size(path) + " " + sha256(path));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return entries;
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
