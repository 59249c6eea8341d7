package io.torchfeed.client;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The private directories {@link ScratchFile}s live in, and their clean-up when the process that made them does
 * not get to close them. Each is {@code torchfeed-<pid>-<random>} ({@code rwx------}), named for the process that
 * made it, so that:
 *
 * <ul>
 *   <li>a JVM that is told to stop (SIGTERM, SIGINT, {@code System.exit}) deletes the directories it still holds
 *       in a shutdown hook, registered with the first one;
 *   <li>one that could not (killed with SIGKILL, crashed) leaves them to the next scratch file made in the same
 *       place by any process of the same user, which deletes those whose process is gone before it makes its own.
 * </ul>
 *
 * A directory holds one file, {@code model.pt}; nothing else is ever deleted.
 */
final class ScratchDirectories {
  static final String FILE = "model.pt";
  private static final Pattern NAME = Pattern.compile("torchfeed-(\\d+)-.+");
  private static final FileAttribute<?> PRIVATE =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
  private static final Set<Path> LIVE = ConcurrentHashMap.newKeySet();
  private static final Object HOOK_LOCK = new Object();
  private static boolean hooked;

  private ScratchDirectories() {}

  /** A new private directory in {@code root}, after deleting those there whose process has died. */
  static Path create(Path root) {
    sweep(root);
    try {
      String prefix = "torchfeed-" + ProcessHandle.current().pid() + "-";
      Path dir = posix(root) ? Files.createTempDirectory(root, prefix, PRIVATE)
          : Files.createTempDirectory(root, prefix);
      hookOnce();
      LIVE.add(dir);
      return dir;
    } catch (IOException e) {
      throw new ClientException("cannot create a temporary directory in " + root + ": " + e.getMessage(), e);
    }
  }

  /** Deletes {@code dir}'s file and {@code dir}. Idempotent. */
  static void delete(Path dir) throws IOException {
    Files.deleteIfExists(dir.resolve(FILE));
    Files.deleteIfExists(dir);
    LIVE.remove(dir);
  }

  /**
   * Deletes the scratch directories in {@code root} (and their file) that belong to a process of this user that is
   * no longer running. Best effort: another process may be sweeping the same directory at the same time.
   */
  static void sweep(Path root) {
    String user = System.getProperty("user.name");
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(root, "torchfeed-*")) {
      for (Path dir : entries) {
        Matcher name = NAME.matcher(dir.getFileName().toString());
        if (name.matches() && !alive(name.group(1)) && Files.isDirectory(dir)
            && Files.getOwner(dir).getName().equals(user)) {
          delete(dir);
        }
      }
    } catch (NoSuchFileException gone) {
      // swept by another process meanwhile
    } catch (IOException | SecurityException e) {
      // not ours to clean, or not readable: the new directory is made all the same
    }
  }

  private static boolean alive(String pid) {
    try {
      return ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false);
    } catch (NumberFormatException e) {
      return true; // not a pid we wrote: leave it alone
    }
  }

  private static void hookOnce() {
    synchronized (HOOK_LOCK) {
      if (!hooked) {
        Runtime.getRuntime().addShutdownHook(new Thread(ScratchDirectories::deleteLive, "torchfeed-scratch-cleanup"));
        hooked = true;
      }
    }
  }

  private static void deleteLive() {
    for (Path dir : LIVE) {
      try {
        delete(dir);
      } catch (IOException e) {
        // the JVM is exiting: nowhere to report it
      }
    }
  }

  static boolean posix(Path path) {
    return path.getFileSystem().supportedFileAttributeViews().contains("posix");
  }
}
