package io.torchfeed.client;

import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModelId;
import io.torchfeed.protocol.FetchHeader;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * A model version downloaded into a private file for loading, checked, and deleted on {@link #close()}: the way to
 * hand the bytes to a library that loads models from a path (LibTorch's {@code torch::jit::load}) without keeping
 * a copy on disk.
 *
 * <ul>
 *   <li>The file is {@code model.pt} ({@code rw-------}) in a new directory ({@code rwx------}) under
 *       {@link #defaultRoot(long) /dev/shm} when it is there with room for the model, so the bytes stay in RAM;
 *       else under {@code java.io.tmpdir}.
 *   <li>The bytes go straight from the socket to the file and are checked as they arrive ({@link CheckedSink}):
 *       each chunk, read back from the file, on a pool of threads (protocol version 3), else the whole file's
 *       sha256. {@link #download} returns only when every chunk matches (else the sha256 and size are the
 *       manifest's; and, with a trust key, its signature checks out), and deletes everything it created when they
 *       do not: nothing unchecked is handed to a loader. Peak memory: the file, never a second copy.
 *   <li>A transfer cut short resumes at the start of the first chunk not wholly received (else at the bytes
 *       written), on the next server of the client's {@link Replicas} (as {@link FileDownload}).
 *   <li>{@link #close()} deletes the file and its directory: close it as soon as the model is loaded. A process
 *       that stops first (SIGTERM) deletes them on its way out; one that is killed leaves them to the next
 *       scratch file made in the same place, which deletes those of processes that are gone
 *       ({@link ScratchDirectories}).
 * </ul>
 */
public final class ScratchFile implements AutoCloseable {
  private static final Path SHM = Path.of("/dev/shm");
  private static final FileAttribute<?> PRIVATE_FILE =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

  private final Manifest manifest;
  private final Path file;

  private ScratchFile(Manifest manifest, Path file) {
    this.manifest = manifest;
    this.file = file;
  }

  /** Downloads the version {@code id} names into a new private file under {@link #defaultRoot(long)}. */
  public static ScratchFile download(TorchfeedClient client, ModelId id, TorchfeedClient.Progress progress) {
    try (FailoverFetch fetch = new FailoverFetch(client)) {
      Manifest manifest = fetch.manifest(id);
      return download(fetch, manifest, defaultRoot(manifest.size()), progress);
    }
  }

  /** Downloads the version {@code id} names into a new private directory under {@code root}. */
  public static ScratchFile download(TorchfeedClient client, ModelId id, Path root,
      TorchfeedClient.Progress progress) {
    try (FailoverFetch fetch = new FailoverFetch(client)) {
      return download(fetch, fetch.manifest(id), root, progress);
    }
  }

  private static ScratchFile download(FailoverFetch client, Manifest manifest, Path root,
      TorchfeedClient.Progress progress) {
    Path file = ScratchDirectories.create(root).resolve(ScratchDirectories.FILE);
    try {
      return new ScratchFile(fetch(client, manifest, file, progress).manifest(), file);
    } catch (RuntimeException | Error e) {
      try {
        delete(file);
      } catch (ClientException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  private static FetchHeader fetch(FailoverFetch client, Manifest manifest, Path file,
      TorchfeedClient.Progress progress) {
    Set<StandardOpenOption> options =
        Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
    try (FileChannel channel = ScratchDirectories.posix(file) ? FileChannel.open(file, options, PRIVATE_FILE)
        : FileChannel.open(file, options);
        CheckedSink sink = new CheckedSink(manifest, Landing.of(channel, 0), ChunkCheck.pool())) {
      return client.fetch(manifest, sink, progress);
    } catch (IOException e) {
      throw new ClientException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Where scratch files go: {@code /dev/shm} (RAM) when it is a writable directory with room for {@code size}
   * bytes, else {@code java.io.tmpdir} (a container's {@code /dev/shm} is often only 64 MiB).
   */
  public static Path defaultRoot(long size) {
    try {
      if (Files.isDirectory(SHM) && Files.isWritable(SHM) && Files.getFileStore(SHM).getUsableSpace() > size) {
        return SHM;
      }
    } catch (IOException e) {
      // not usable: fall through
    }
    return Path.of(System.getProperty("java.io.tmpdir"));
  }

  /** The server's manifest of the exact version in the file. */
  public Manifest manifest() {
    return manifest;
  }

  /** The file: {@link #manifest()}{@code .size()} bytes whose sha256 is the manifest's. */
  public Path path() {
    return file;
  }

  /** Deletes the file and its directory. Idempotent. */
  @Override
  public void close() {
    delete(file);
  }

  private static void delete(Path file) {
    try {
      ScratchDirectories.delete(file.getParent());
    } catch (IOException e) {
      throw new ClientException("cannot delete " + file + ": " + e.getMessage(), e);
    }
  }
}
