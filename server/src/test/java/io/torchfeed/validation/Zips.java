package io.torchfeed.validation;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Small zip archives built in memory, for files that are zips but not (complete) TorchScript archives. */
final class Zips {
  private Zips() {}

  /** A zip with the given records, each {@code name, content} in turn, in this order. */
  static byte[] of(String... namesAndContents) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      for (int i = 0; i < namesAndContents.length; i += 2) {
        zip.putNextEntry(new ZipEntry(namesAndContents[i]));
        zip.write(namesAndContents[i + 1].getBytes(StandardCharsets.UTF_8));
        zip.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** An archive {@code top/} holding only a version record. */
  static byte[] versionOnly(String top, String version) {
    return of(top + "/version", version);
  }
}
