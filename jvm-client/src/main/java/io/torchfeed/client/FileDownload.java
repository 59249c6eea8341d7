package io.torchfeed.client;

import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModelId;
import io.torchfeed.protocol.FetchHeader;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Downloads a model version to a file: resumable, checked and atomic.
 *
 * <ul>
 *   <li>Bytes go to {@code FILE.part}; next to it {@code FILE.part.sha256} records which file they belong to.
 *   <li>A {@code .part} whose recorded sha256 matches the version being fetched is resumed; otherwise it is
 *       started over. With chunk digests (protocol version 3) it is kept up to the start of its first chunk not
 *       wholly written, the FETCH starts there, and its whole chunks are checked like the new ones; without, the
 *       FETCH starts at its size.
 *   <li>The bytes are checked as they arrive ({@link CheckedSink}): each chunk, read back from the {@code .part},
 *       on a pool of {@code Runtime.availableProcessors()} threads, against the manifest's chunk digests; without
 *       them, the sha256 of the whole file (kept bytes first). Once every chunk matches (or the sha256 does), the
 *       file is synced and renamed over {@code FILE} in one step. A bad chunk stops the writing at once (the rest
 *       of the payload is read and dropped, so the connection stays usable), the download fails with one line
 *       naming its index, offset and both digests, and the {@code .part} is deleted: nothing unchecked is ever
 *       under the name {@code FILE}.
 *   <li>With a trust key ({@link TorchfeedClient#trustKey()}) the manifest and the header must be signed by it; a
 *       refused header leaves no new {@code .part} behind.
 *   <li>A transfer cut short (the connection lost, the server unavailable) resumes at the start of the first
 *       chunk not wholly written (without chunk digests, at the bytes written), on the
 *       next server of the client's {@link Replicas} (the same one when it has one), for the version of the
 *       manifest and with its sha256 ({@link Replicas}: rounds, {@link ReplicaMismatchException}).
 * </ul>
 */
public final class FileDownload {
  private final TorchfeedClient client;

  public FileDownload(TorchfeedClient client) {
    this.client = client;
  }

  /** Result of a download: the manifest and how many bytes were kept from an earlier attempt (a .part). */
  public record Result(Manifest manifest, long resumedFrom) {}

  public Result download(ModelId id, Path target, TorchfeedClient.Progress progress) {
    try (FailoverFetch fetch = new FailoverFetch(client)) {
      return download(fetch, id, target, progress);
    }
  }

  private Result download(FailoverFetch fetch, ModelId id, Path target, TorchfeedClient.Progress progress) {
    Manifest manifest = fetch.manifest(id);
    ModelId exact = manifest.id();
    Path part = target.resolveSibling(target.getFileName() + ".part");
    Path marker = target.resolveSibling(target.getFileName() + ".part.sha256");
    try {
      long found = keptBytes(part, marker, manifest);
      Files.writeString(marker, manifest.sha256(), StandardCharsets.US_ASCII);
      FetchHeader header;
      long kept;
      try (FileChannel channel = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.READ,
          StandardOpenOption.WRITE);
          CheckedSink sink = new CheckedSink(manifest, Landing.of(channel, found), ChunkCheck.pool())) {
        kept = sink.kept();
        try {
          header = fetch.fetch(manifest, sink, progress);
        } catch (UntrustedManifestException e) {
          if (kept == 0) {  // nothing of ours was there: leave nothing behind
            sink.close();
            channel.close();
            discard(part, marker);
          }
          throw e;
        } catch (ChecksumMismatchException e) {  // a bad chunk, a bad file: those bytes are no good
          sink.close();
          channel.close();
          discard(part, marker);
          throw e;
        }
        channel.force(true);
      }
      Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      Files.deleteIfExists(marker);
      return new Result(header.manifest(), kept);
    } catch (IOException e) {
      throw new ClientException("cannot write " + target + ": " + e.getMessage(), e);
    }
  }

  private static void discard(Path part, Path marker) throws IOException {
    Files.deleteIfExists(part);
    Files.deleteIfExists(marker);
  }

  private static long keptBytes(Path part, Path marker, Manifest manifest) throws IOException {
    if (!Files.isRegularFile(part) || !Files.isRegularFile(marker)) {
      return 0;
    }
    String recorded = Files.readString(marker, StandardCharsets.US_ASCII).trim();
    long size = Files.size(part);
    return recorded.equals(manifest.sha256()) && size <= manifest.size() ? size : 0;
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
