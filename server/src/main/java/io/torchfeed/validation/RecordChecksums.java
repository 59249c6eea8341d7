package io.torchfeed.validation;

import static io.torchfeed.validation.ArchivePrecheck.reject;

import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Checks each record's CRC-32, and that each deflated record inflates to exactly its declared size, from the
 * bytes of the file as {@link ArchiveFacts} streams them through SHA-256: the file is read once. LibTorch does
 * not check CRCs, so without this a flipped bit in a tensor record is served as a valid model. A CRC of 0 is
 * not checked: PyTorch writes 0 when told not to compute CRCs ({@code compute_crc32=False}). Feed it the
 * whole file, in order, in pieces of any size; it holds one 64 KiB buffer and, for a deflated record, one
 * {@link Inflater}, never a whole record.
 */
final class RecordChecksums implements AutoCloseable {
  private final List<ZipRecord> records;
  private final CRC32 crc = new CRC32();
  private final byte[] inflated = new byte[64 * 1024];
  private Inflater inflater;
  private long inflatedSize;
  private int current;

  /** @param records the records in file order, with their data offsets ({@link LocalHeaders#check}) */
  RecordChecksums(List<ZipRecord> records) {
    this.records = records;
  }

  /** The {@code length} bytes of the file at {@code position}, following the previous ones. */
  void update(long position, byte[] buffer, int offset, int length) {
    long end = position + length;
    while (current < records.size()) {
      ZipRecord r = records.get(current);
      long dataEnd = r.dataOffset() + r.compressedSize();
      long from = Math.max(position, r.dataOffset());
      if (from >= end && dataEnd > from) {
        return;
      }
      long to = Math.min(end, dataEnd);
      if (from < to) {
        feed(r, buffer, offset + (int) (from - position), (int) (to - from));
      }
      if (dataEnd > end) {
        return;
      }
      complete(r);
      current++;
    }
  }

  /** Whether every record has been checked. */
  boolean done() {
    return current == records.size();
  }

  @Override
  public void close() {
    if (inflater != null) {
      inflater.end();
      inflater = null;
    }
  }

  private void feed(ZipRecord r, byte[] buffer, int offset, int length) {
    if (r.method() == ZipRecord.STORED) {
      crc.update(buffer, offset, length);
      return;
    }
    if (inflater == null) {
      inflater = new Inflater(true);
      inflatedSize = 0;
    }
    inflater.setInput(buffer, offset, length);
    try {
      for (int n; (n = inflater.inflate(inflated)) > 0 || !(inflater.finished() || inflater.needsInput()); ) {
        if (n == 0) {
          throw reject("deflated record " + r.shown() + " is corrupt (it needs a preset dictionary)");
        }
        crc.update(inflated, 0, n);
        inflatedSize += n;
        if (inflatedSize > r.size()) {
          throw reject("deflated record " + r.shown() + " inflates to more than the " + r.size()
              + " bytes it declares");
        }
      }
    } catch (DataFormatException e) {
      throw reject("deflated record " + r.shown() + " is corrupt (" + Reasons.oneLine(e.getMessage()) + ")");
    }
    if (inflater.finished() && inflater.getRemaining() > 0) {
      throw reject("deflated record " + r.shown() + " has bytes after the end of its deflate stream");
    }
  }

  private void complete(ZipRecord r) {
    if (r.method() == ZipRecord.DEFLATED) {
      boolean finished = inflater != null && inflater.finished();
      long size = inflatedSize;
      close();
      if (!finished) {
        throw reject("deflated record " + r.shown() + " is cut short (its deflate stream does not end)");
      }
      if (size != r.size()) {
        throw reject("deflated record " + r.shown() + " inflates to " + size + " bytes, not the " + r.size()
            + " it declares");
      }
    }
    int actual = (int) crc.getValue();
    crc.reset();
    if (r.crc() != 0 && actual != r.crc()) { // 0: not computed (PyTorchFileWriter with compute_crc32=False)
      throw reject("record " + r.shown() + " is corrupt (CRC-32 " + String.format("%08x", actual)
          + ", the archive says " + String.format("%08x", r.crc()) + ")");
    }
  }
}
