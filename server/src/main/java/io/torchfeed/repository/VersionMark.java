package io.torchfeed.repository;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The highest version number a model has ever had through this server, kept in {@code <repo>/<name>/.last-version}
 * so that a version removed by a delete or a prune is never numbered again: a client that loaded {@code toynet:4}
 * must never be told that another file is {@code toynet:4}. Dot files are ignored by the scan. A missing or
 * unreadable mark counts as 0 (the version directories on disk still bound the next number).
 */
final class VersionMark {
  static final String FILE = ".last-version";

  private VersionMark() {}

  static int read(Path modelDir) {
    try {
      String text = Files.readString(modelDir.resolve(FILE), StandardCharsets.US_ASCII).trim();
      return text.matches("[0-9]{1,9}") ? Integer.parseInt(text) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  /** Raises the mark to {@code version} (never lowers it); written to a temporary file and renamed. */
  static void raise(Path modelDir, int version) throws IOException {
    if (read(modelDir) >= version) {
      return;
    }
    Path tmp = Files.createTempFile(modelDir, FILE, ".tmp");
    try {
      Files.writeString(tmp, version + "\n", StandardCharsets.US_ASCII);
      Files.move(tmp, modelDir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
