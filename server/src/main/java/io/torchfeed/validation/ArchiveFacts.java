package io.torchfeed.validation;

import io.torchfeed.model.ChunkDigests;
import io.torchfeed.model.ChunkHasher;
import io.torchfeed.model.FileFacts;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * What plain Java learns about a model file without LibTorch: its size, its SHA-256, the SHA-256 of each of its
 * chunks ({@link ChunkDigests}, 8 MiB each) and the archive's file-format version, after {@link ArchivePrecheck}
 * has checked that it is a TorchScript archive laid out as PyTorch writes one. Every path into the server (the
 * repository scan, uploads, {@code inspect}) calls this before LibTorch sees the file.
 *
 * <p>A TorchScript file is a zip archive whose records all sit in one top-level directory, named after the
 * file it was saved as ({@code convnet/data.pkl}, {@code convnet/code/...}). The format version is the decimal
 * integer in {@code <top>/version} (what PyTorch writes up to format version 5) or, if that record is absent,
 * {@code <top>/.data/version} (format 6 and later).
 *
 * <p>The file is read once, 1 MiB at a time, to hash it whole and chunk by chunk; the same pass checks every
 * record's CRC-32 ({@link RecordChecksums}). Reasons for rejection start with
 * {@code not a TorchScript archive: } and then say what is wrong (see {@link ArchivePrecheck}; here:
 * {@code empty file}, {@code version record is empty}, {@code version record is not a number: '...'}); a file that
 * cannot be read at all is rejected with {@code cannot read file: ...}.
 */
public final class ArchiveFacts {
  static final int BUFFER_SIZE = 1 << 20;
  private static final int MAX_VERSION_RECORD = 32;
  private static final Pattern VERSION = Pattern.compile("[0-9]{1,9}");

  private final ArchivePrecheck precheck;
  private final int chunkSize;

  public ArchiveFacts() {
    this(new ArchivePrecheck(), ChunkDigests.DEFAULT_SIZE);
  }

  ArchiveFacts(ArchivePrecheck precheck) {
    this(precheck, ChunkDigests.DEFAULT_SIZE);
  }

  /** With chunks of {@code chunkSize} bytes instead of {@link ChunkDigests#DEFAULT_SIZE} (for tests). */
  ArchiveFacts(ArchivePrecheck precheck, int chunkSize) {
    this.precheck = precheck;
    this.chunkSize = chunkSize;
  }

  /**
   * Checks the file and reads its facts.
   *
   * @throws ModelRejectedException with a one-line reason if the file is empty, unreadable, or not a
   *     TorchScript archive as PyTorch writes it
   */
  public FileFacts read(Path file) {
    try {
      BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
      if (attributes.isDirectory()) {
        throw new ModelRejectedException("cannot read file: it is a directory");
      }
      if (!attributes.isRegularFile()) {
        throw new ModelRejectedException("cannot read file: not a regular file");
      }
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
        return read(channel);
      }
    } catch (NoSuchFileException e) {
      boolean dangling = Files.isSymbolicLink(file);
      throw new ModelRejectedException("cannot read file: " + (dangling ? "a symbolic link to a missing file"
          : "no such file"), e);
    } catch (IOException e) {
      throw new ModelRejectedException("cannot read file: " + describe(e), e);
    }
  }

  private FileFacts read(FileChannel channel) throws IOException {
    long size = channel.size();
    if (size == 0) {
      throw ArchivePrecheck.reject("empty file");
    }
    ArchivePrecheck.Layout layout = precheck.check(channel, size);
    MessageDigest sha256 = sha256();
    ChunkHasher chunks = new ChunkHasher(chunkSize);
    digest(channel, size, layout, sha256, chunks);
    ZipRecord version = layout.record("version").or(() -> layout.record(".data/version")).orElseThrow();
    return new FileFacts(size, HexFormat.of().formatHex(sha256.digest()),
        parseVersion(readVersion(channel, version)), chunks.digests());
  }

  /** Hashes the whole file and each chunk, and checks every record's CRC-32 on the way. */
  private static void digest(FileChannel channel, long size, ArchivePrecheck.Layout layout, MessageDigest sha256,
      ChunkHasher chunks) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(BUFFER_SIZE);
    long position = 0;
    try (RecordChecksums checksums = new RecordChecksums(layout.records())) {
      for (int n; (n = channel.read(buffer.clear(), position)) > 0; position += n) {
        sha256.update(buffer.array(), 0, n);
        chunks.update(buffer.array(), 0, n);
        checksums.update(position, buffer.array(), 0, n);
      }
      if (position != size || channel.size() != size || !checksums.done()) {
        throw new ModelRejectedException("the file changed while it was being read");
      }
    }
  }

  private static byte[] readVersion(FileChannel channel, ZipRecord record) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(record.size(), MAX_VERSION_RECORD + 1));
    while (buffer.hasRemaining() && channel.read(buffer, record.dataOffset() + buffer.position()) > 0) {
      // positional reads until the buffer is full
    }
    return Arrays.copyOf(buffer.array(), buffer.position());
  }

  private static int parseVersion(byte[] record) {
    String text = new String(record, StandardCharsets.US_ASCII).strip();
    if (text.isEmpty()) {
      throw ArchivePrecheck.reject("version record is empty");
    }
    if (record.length > MAX_VERSION_RECORD || !VERSION.matcher(text).matches()) {
      String shown = text.length() <= MAX_VERSION_RECORD
          ? text
          : text.substring(0, MAX_VERSION_RECORD) + "...";
      throw ArchivePrecheck.reject("version record is not a number: '" + Reasons.oneLine(shown) + "'");
    }
    return Integer.parseInt(text);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this Java has no SHA-256", e);
    }
  }

  private static String describe(IOException e) {
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    return Reasons.oneLine(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
  }
}
