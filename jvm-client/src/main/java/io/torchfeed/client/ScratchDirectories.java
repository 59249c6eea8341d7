package io.torchfeed.client;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The private directories {@link ScratchFile}s live in, and their clean-up when the process that made them does
 * not get to close them. Each is {@code torchfeed-<pid>-<random>} ({@code rwx------}) and holds the model file
 * and a lock file, {@code .lock}, which its process keeps locked (an exclusive {@code fcntl} lock) for as long as
 * the directory is in use. So that:
 *
 * <ul>
 *   <li>a JVM that is told to stop (SIGTERM, SIGINT, {@code System.exit}) deletes the directories it still holds
 *       in a shutdown hook, registered before the first one is made;
 *   <li>one that could not (killed with SIGKILL, crashed, OOM-killed) loses its locks with its life, and the next
 *       scratch directory made in the same place by any process of the same user deletes the directories whose
 *       lock it can take. The lock, not the process id in the name, says whether a directory is in use: process
 *       ids repeat across containers (each JVM may be pid 1) and across restarts, and containers that share
 *       {@code /dev/shm} see each other's files but not each other's processes; the kernel's file locks hold
 *       across all of them.
 * </ul>
 *
 * Symbolic links are never followed. A directory without a lock file (being made at that instant) is left alone;
 * nothing but the model file, the lock file and the directory itself is ever deleted.
 */
final class ScratchDirectories {
  static final String FILE = "model.pt";
  static final String LOCK = ".lock";
  private static final FileAttribute<?> PRIVATE =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
  private static final FileAttribute<?> PRIVATE_FILE =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
  private static final Map<Path, FileChannel> LIVE = new ConcurrentHashMap<>();
  private static final Object HOOK_LOCK = new Object();
  private static boolean hooked;

  private ScratchDirectories() {}

  /** A new private directory in {@code root}, locked by this process, after sweeping those no process holds. */
  static Path create(Path root) {
    hookOnce();
    sweep(root);
    Path dir;
    try {
      String prefix = "torchfeed-" + ProcessHandle.current().pid() + "-";
      dir = posix(root) ? Files.createTempDirectory(root, prefix, PRIVATE) : Files.createTempDirectory(root, prefix);
    } catch (IOException e) {
      throw new ClientException("cannot create a temporary directory in " + root + ": " + e.getMessage(), e);
    }
    try {
      Path lockFile = dir.resolve(LOCK);
      FileChannel lock = posix(root)
          ? FileChannel.open(lockFile, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
              PRIVATE_FILE)
          : FileChannel.open(lockFile, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      lock.lock();
      LIVE.put(dir, lock);
      return dir;
    } catch (IOException e) {
      try {
        Files.deleteIfExists(dir.resolve(LOCK));
        Files.deleteIfExists(dir);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw new ClientException("cannot lock a temporary directory in " + root + ": " + e.getMessage(), e);
    }
  }

  /** Deletes {@code dir}'s file, releases and deletes its lock, deletes {@code dir}. Idempotent. */
  static void delete(Path dir) throws IOException {
    Files.deleteIfExists(dir.resolve(FILE));
    FileChannel lock = LIVE.remove(dir);
    if (lock != null) {
      lock.close();
    }
    Files.deleteIfExists(dir.resolve(LOCK));
    Files.deleteIfExists(dir);
  }

  /**
   * Deletes the scratch directories in {@code root} (and their files) that belong to this user and that no
   * process holds. Best effort, entry by entry: another process may be sweeping the same directory meanwhile.
   */
  static void sweep(Path root) {
    String user = System.getProperty("user.name");
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(root, "torchfeed-*")) {
      for (Path dir : entries) {
        try {
          if (!LIVE.containsKey(dir) && Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
              && Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS).getName().equals(user)) {
            sweepIfAbandoned(dir);
          }
        } catch (IOException | SecurityException e) {
          // gone meanwhile, not ours, or not readable: the next entry
        }
      }
    } catch (IOException | SecurityException e) {
      // the root cannot be listed: the new directory is made all the same
    }
  }

  private static void sweepIfAbandoned(Path dir) throws IOException {
    Path lockFile = dir.resolve(LOCK);
    if (!Files.isRegularFile(lockFile, LinkOption.NOFOLLOW_LINKS)) {
      return; // being made right now, or not one of ours
    }
    try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException heldHere) {
        return;
      }
      if (lock == null) {
        return; // another process holds it: in use
      }
      Files.deleteIfExists(dir.resolve(FILE));
      Files.deleteIfExists(lockFile);
      lock.release();
    }
    Files.deleteIfExists(dir);
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
    for (Path dir : LIVE.keySet()) {
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
