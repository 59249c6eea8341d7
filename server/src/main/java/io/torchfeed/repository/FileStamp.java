package io.torchfeed.repository;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.TimeUnit;

/**
 * Identifies one state of a file: path, size, modification time and file key (device and inode on Linux).
 * Equal stamps mean "the same bytes" for the manifest cache and for detecting a file that changed while it was
 * being validated.
 */
public record FileStamp(String path, long size, long modifiedNanos, String fileKey) {

  /** Stats {@code path}, following symbolic links; throws if it is not a regular file. */
  public static FileStamp of(Path path) throws IOException {
    BasicFileAttributes attrs;
    try {
      attrs = Files.readAttributes(path, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      if (Files.isSymbolicLink(path)) {
        throw new NotARegularFileException("model.pt is a symbolic link to a missing file");
      }
      throw e;
    }
    if (attrs.isDirectory()) {
      throw new NotARegularFileException("model.pt is a directory, not a file");
    }
    if (!attrs.isRegularFile()) {
      throw new NotARegularFileException("model.pt is not a regular file");
    }
    return new FileStamp(path.toAbsolutePath().toString(), attrs.size(),
        attrs.lastModifiedTime().to(TimeUnit.NANOSECONDS), String.valueOf(attrs.fileKey()));
  }

  /** Thrown when {@code model.pt} exists but is a directory, a device, a socket, a dangling link ... */
  public static final class NotARegularFileException extends IOException {
    private static final long serialVersionUID = 1L;

    NotARegularFileException(String message) {
      super(message);
    }
  }
}
