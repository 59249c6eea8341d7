package io.torchfeed.client;

import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModelId;
import io.torchfeed.protocol.FetchHeader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Downloads a model version to a file: resumable, checked and atomic.
 *
 * <ul>
 *   <li>Bytes go to {@code FILE.part}; next to it {@code FILE.part.sha256} records which file they belong to.
 *   <li>A {@code .part} whose recorded sha256 matches the version being fetched is resumed with a FETCH at its
 *       size; otherwise it is started over.
 *   <li>The sha256 of the whole file (kept bytes first, then the new ones as they arrive) must match the server's
 *       header; then the file is synced and renamed over {@code FILE} in one step.
 *   <li>With a trust key ({@link TorchfeedClient#trustKey()}) the manifest and the header must be signed by it; a
 *       refused header leaves no new {@code .part} behind.
 *   <li>A transfer cut short (the connection lost, the server unavailable) resumes at the bytes written, on the
 *       next server of the client's {@link Replicas} (the same one when it has one), for the version of the
 *       manifest and with its sha256 ({@link Replicas}: rounds, {@link ReplicaMismatchException}).
 * </ul>
 */
public final class FileDownload {
  private final TorchfeedClient client;

  public FileDownload(TorchfeedClient client) {
    this.client = client;
  }

  /** Result of a download: the manifest and how many bytes were kept from an earlier attempt. */
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
      long offset = keptBytes(part, marker, manifest);
      Files.writeString(marker, manifest.sha256(), StandardCharsets.US_ASCII);
      MessageDigest digest = sha256();
      hashExisting(part, offset, digest);
      FetchHeader header;
      try (FileChannel channel = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
        channel.truncate(offset);
        channel.position(offset);
        OutputStream sink = new DigestOutputStream(Channels.newOutputStream(channel), digest);
        try {
          header = fetch.fetch(manifest, offset, sink, progress);
        } catch (UntrustedManifestException e) {
          if (offset == 0) {  // nothing of ours was there: leave nothing behind
            channel.close();
            Files.deleteIfExists(part);
            Files.deleteIfExists(marker);
          }
          throw e;
        }
        sink.flush();
        channel.force(true);
      }
      String actual = HexFormat.of().formatHex(digest.digest());
      String expected = HexFormat.of().formatHex(header.sha256());
      if (!actual.equals(expected)) {
        Files.deleteIfExists(part);
        Files.deleteIfExists(marker);
        throw new ClientException("checksum mismatch for " + exact + ": got sha256 " + actual + ", the server "
            + "announced " + expected + "; the partial file was discarded");
      }
      Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      Files.deleteIfExists(marker);
      return new Result(header.manifest(), offset);
    } catch (IOException e) {
      throw new ClientException("cannot write " + target + ": " + e.getMessage(), e);
    }
  }

  private static long keptBytes(Path part, Path marker, Manifest manifest) throws IOException {
    if (!Files.isRegularFile(part) || !Files.isRegularFile(marker)) {
      return 0;
    }
    String recorded = Files.readString(marker, StandardCharsets.US_ASCII).trim();
    long size = Files.size(part);
    return recorded.equals(manifest.sha256()) && size <= manifest.size() ? size : 0;
  }

  private static void hashExisting(Path part, long length, MessageDigest digest) throws IOException {
    if (length == 0) {
      return;
    }
    byte[] buffer = new byte[1 << 20];
    long remaining = length;
    try (InputStream in = Files.newInputStream(part)) {
      while (remaining > 0) {
        int n = in.read(buffer, 0, (int) Math.min(buffer.length, remaining));
        if (n < 0) {
          throw new IOException(part + " shrank while it was being read");
        }
        digest.update(buffer, 0, n);
        remaining -= n;
      }
    }
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
