package io.torchfeed.validation;

import io.torchfeed.model.FileFacts;
import io.torchfeed.model.ModelRejectedException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * What plain Java learns about a model file without LibTorch: its size, its SHA-256 and the archive's
 * file-format version.
 *
 * <p>A TorchScript file is a zip archive whose records all sit in one top-level directory, named after the
 * file it was saved as ({@code convnet/data.pkl}, {@code convnet/code/...}). Like LibTorch's
 * {@code PyTorchStreamReader}, the top-level directory is taken from the first record of the central
 * directory. The format version is the decimal integer in {@code <top>/version} (what PyTorch writes up to
 * format version 5) or, if that record is absent, {@code <top>/.data/version} (format 6 and later).
 *
 * <p>Reasons for rejection start with {@code not a TorchScript archive: } and then say what is wrong:
 * {@code empty file}, {@code not a zip archive (...)}, {@code no records},
 * {@code records are not in a top-level directory}, {@code no version record},
 * {@code version record is empty}, {@code version record is not a number: '...'},
 * {@code cannot read the version record (...)}; a file that cannot be read at all is rejected with
 * {@code cannot read file: ...}.
 */
public final class ArchiveFacts {
  static final int BUFFER_SIZE = 1 << 20;
  private static final String NOT_AN_ARCHIVE = "not a TorchScript archive: ";
  private static final int MAX_VERSION_RECORD = 32;
  private static final Pattern VERSION = Pattern.compile("[0-9]{1,9}");

  /**
   * Reads the whole file once to hash it (1 MiB at a time) and the zip's central directory to find the
   * version record.
   *
   * @throws ModelRejectedException with a one-line reason if the file is empty, unreadable, not a zip archive
   *     or has no readable version record
   */
  public FileFacts read(Path file) {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      long size = digest(file, sha256);
      if (size == 0) {
        throw new ModelRejectedException(NOT_AN_ARCHIVE + "empty file");
      }
      return new FileFacts(size, HexFormat.of().formatHex(sha256.digest()), formatVersion(file));
    } catch (ZipException e) {
      throw new ModelRejectedException(NOT_AN_ARCHIVE + "not a zip archive (" + describe(e) + ")", e);
    } catch (IOException e) {
      throw new ModelRejectedException("cannot read file: " + describe(e), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this Java has no SHA-256", e);
    }
  }

  private static long digest(Path file, MessageDigest digest) throws IOException {
    byte[] buffer = new byte[BUFFER_SIZE];
    long size = 0;
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
        size += n;
      }
    }
    return size;
  }

  private static int formatVersion(Path file) throws IOException {
    try (ZipFile zip = new ZipFile(file.toFile())) {
      Enumeration<? extends ZipEntry> entries = zip.entries();
      if (!entries.hasMoreElements()) {
        throw new ModelRejectedException(NOT_AN_ARCHIVE + "no records");
      }
      String first = entries.nextElement().getName();
      int slash = first.indexOf('/');
      if (slash <= 0) {
        throw new ModelRejectedException(NOT_AN_ARCHIVE + "records are not in a top-level directory");
      }
      String top = first.substring(0, slash);
      ZipEntry record = zip.getEntry(top + "/version");
      if (record == null) {
        record = zip.getEntry(top + "/.data/version");
      }
      if (record == null || record.isDirectory()) {
        throw new ModelRejectedException(NOT_AN_ARCHIVE + "no version record");
      }
      return parseVersion(readRecord(zip, record));
    }
  }

  private static byte[] readRecord(ZipFile zip, ZipEntry record) {
    try (InputStream in = zip.getInputStream(record)) {
      return in.readNBytes(MAX_VERSION_RECORD + 1);
    } catch (IOException e) {
      String reason = NOT_AN_ARCHIVE + "cannot read the version record (" + describe(e) + ")";
      throw new ModelRejectedException(reason, e);
    }
  }

  private static int parseVersion(byte[] record) {
    String text = new String(record, StandardCharsets.US_ASCII).strip();
    if (text.isEmpty()) {
      throw new ModelRejectedException(NOT_AN_ARCHIVE + "version record is empty");
    }
    if (record.length > MAX_VERSION_RECORD || !VERSION.matcher(text).matches()) {
      String shown = text.length() <= MAX_VERSION_RECORD
          ? text
          : text.substring(0, MAX_VERSION_RECORD) + "...";
      throw new ModelRejectedException(
          NOT_AN_ARCHIVE + "version record is not a number: '" + Reasons.oneLine(shown) + "'");
    }
    return Integer.parseInt(text);
  }

  private static String describe(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    return Reasons.oneLine(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
  }
}
