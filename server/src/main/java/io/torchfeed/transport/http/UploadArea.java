package io.torchfeed.transport.http;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where uploads are written before they are published: {@code <repository>/.uploads/}, on the repository's file
 * system so that publishing is a rename, in a directory the scanner skips (its name starts with a dot) and only
 * the server's user can enter (0700).
 */
final class UploadArea {
  private static final Logger log = LoggerFactory.getLogger(UploadArea.class);
  static final String DIRECTORY = ".uploads";
  private static final String PREFIX = "upload-";

  private final Path dir;

  UploadArea(Path repositoryRoot) {
    this.dir = repositoryRoot.resolve(DIRECTORY);
  }

  /** Deletes uploads left by a server that stopped in the middle of one. */
  void clean() {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(dir, PREFIX + "*")) {
      for (Path leftover : leftovers) {
        log.info("deleting an unfinished upload: {}", leftover);
        Files.deleteIfExists(leftover);
      }
    } catch (IOException e) {
      log.warn("cannot clean {}: {}", dir, e.toString());
    }
  }

  /** A new empty file for one upload; the caller deletes it unless it was published (moved away). */
  Path newFile() throws IOException {
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    Path file = Files.createTempFile(dir, PREFIX, ".pt");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    return file;
  }
}
