package io.torchfeed.client;

import io.torchfeed.model.ChunkDigests;
import io.torchfeed.model.Manifest;
import io.torchfeed.protocol.FetchHeader;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * A download's bytes on their way to a {@link Landing}, checked against the manifest of the version pinned
 * ({@link FailoverFetch#manifest}), from whichever servers they come.
 *
 * <ul>
 *   <li>With chunk digests (protocol version 3): each chunk is checked on the {@link ChunkCheck} pool as soon as its
 *       last byte is in place, and the whole file's SHA-256 is not computed: the digests come in the same manifest
 *       as its {@code sha256} and {@code size}, which every FETCH_HEADER must announce (and, with a trust key, are
 *       signed with them), so a file whose every chunk matches is the file the manifest describes. A transfer
 *       resumes at the start of the first chunk not wholly received; bytes kept from before (a {@code .part}) are
 *       kept to that chunk boundary and their chunks checked like the others.
 *   <li>Without: the whole file's SHA-256, kept bytes first, then the new ones as they arrive; a transfer resumes at
 *       the bytes held.
 * </ul>
 *
 * <p>A bad chunk found while the payload is still arriving stops the writing, but not the reading: the rest of the
 * payload is read and dropped, so that the connection stays in step with the server's frames, and
 * {@link #finish()} throws the {@link ChecksumMismatchException} once the payload is over. The caller then has a
 * checksum mismatch on a connection still open (a {@link ModelWatcher} sends a failed receipt), as for a whole file
 * whose sha256 does not match, not a broken connection.
 *
 * <p>Used from the receiving thread alone; {@link #close()} stops the checking before the landing's bytes go.
 */
final class CheckedSink extends OutputStream {
  private final Manifest pinned;
  private final Landing landing;
  private final ChunkCheck chunks;  // null without chunk digests
  private final MessageDigest whole;  // null with chunk digests
  private final long kept;
  private ClientException refused;  // a chunk found bad (or not checkable): the rest is dropped

  /** The bytes already in {@code landing} are kept (those of a whole chunk, with chunk digests). */
  CheckedSink(Manifest pinned, Landing landing, Executor executor) throws IOException {
    this.pinned = pinned;
    this.landing = landing;
    Optional<ChunkDigests> digests = pinned.chunkDigests();
    long held = Math.min(landing.size(), pinned.size());
    if (digests.isPresent()) {
      this.chunks = new ChunkCheck(pinned.id().toString(), digests.get(), pinned.size(), landing, executor);
      this.whole = null;
      this.kept = ChunkCheck.resumeOffset(held, pinned.size(), digests.get().chunkSize());
      landing.truncate(kept);
      try {
        chunks.advance(kept);
      } catch (ClientException e) {
        refused = e;  // a kept chunk already found bad: thrown by finish(), so the .part is discarded
      }
    } else {
      this.chunks = null;
      this.whole = FileDownload.sha256();
      this.kept = held;
      landing.truncate(kept);
      for (long at = 0; at < kept; at += 1 << 30) {
        landing.read(at, (int) Math.min(1 << 30, kept - at), whole);
      }
    }
  }

  /** How many of the bytes found in the landing were kept. */
  long kept() {
    return kept;
  }

  /** Where the next FETCH starts: a chunk boundary with chunk digests, else the bytes held. */
  long resumeOffset() {
    return chunks == null ? landing.size()
        : ChunkCheck.resumeOffset(landing.size(), pinned.size(), pinned.chunkSize());
  }

  /**
   * A FETCH_HEADER from {@code offset} ({@link #resumeOffset()}) arrived: it must announce the pinned file, and the
   * bytes after {@code offset} go (those of a chunk not wholly received).
   */
  void start(FetchHeader header, long offset) {
    Manifest announced = header.manifest();
    if (!header.sha256Hex().equals(pinned.sha256()) || header.totalSize() != pinned.size()
        || !announced.sha256().equals(pinned.sha256()) || announced.size() != pinned.size()) {
      throw new ChecksumMismatchException("checksum mismatch for " + pinned.id() + ": the FETCH_HEADER "
          + "announces " + header.totalSize() + " bytes with sha256 " + header.sha256Hex() + " (its manifest "
          + announced.size() + " bytes with sha256 " + announced.sha256() + "), the manifest " + pinned.size()
          + " bytes with sha256 " + pinned.sha256() + "; the server's file changed");
    }
    try {
      landing.truncate(offset);
    } catch (IOException e) {
      throw new ClientException("cannot write " + pinned.id() + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] bytes, int offset, int length) throws IOException {
    if (refused != null) {
      return;  // read, and dropped
    }
    if (landing.size() + length > pinned.size()) {
      throw new ClientException("the server sent more bytes of " + pinned.id() + " than its manifest announced");
    }
    landing.write(bytes, offset, length);
    if (chunks == null) {
      whole.update(bytes, offset, length);
      return;
    }
    try {
      chunks.advance(landing.size());
    } catch (ClientException e) {
      refused = e;  // thrown by finish(), after the payload
    }
  }

  /** A chunk was found bad (or could not be checked): throws that, as no other server's bytes would mend it. */
  void throwIfRefused() {
    if (refused != null) {
      throw refused;
    }
  }

  /**
   * Every byte arrived: returns once each chunk is checked, or the whole file's SHA-256 compared.
   *
   * @throws ChecksumMismatchException naming the bad chunk (its index, offset and both digests), or the whole
   *     file's digests
   */
  void finish() {
    throwIfRefused();
    if (landing.size() != pinned.size()) {
      throw new ChecksumMismatchException("checksum mismatch for " + pinned.id() + ": got " + landing.size()
          + " bytes, the manifest announced " + pinned.size() + "; the bytes received were discarded");
    }
    if (chunks != null) {
      chunks.await();
      return;
    }
    String actual = HexFormat.of().formatHex(whole.digest());
    if (!actual.equals(pinned.sha256())) {
      throw new ChecksumMismatchException("checksum mismatch for " + pinned.id() + ": got sha256 " + actual
          + ", the server announced " + pinned.sha256() + "; the bytes received were discarded");
    }
  }

  /** Stops checking: drops the chunks not begun, waits for those being hashed. */
  @Override
  public void close() {
    if (chunks != null) {
      chunks.close();
    }
  }
}
