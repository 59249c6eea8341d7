package io.torchfeed.validation;

import static io.torchfeed.validation.ArchivePrecheck.reject;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Where a zip archive's central directory is, read from the records at its end. PyTorch always writes the ZIP64
 * pair, even for small archives, followed by the classic record, whose fields then repeat the ZIP64 values or
 * hold the 0xFFFF / 0xFFFFFFFF "see ZIP64" sentinels:
 *
 * <pre>
 * [records][central directory][ZIP64 end record][ZIP64 locator][end record]
 *
 * ZIP64 end record, 56 bytes (PyTorch writes no extensible data):
 *   0 50 4b 06 06  4 u64 size of the rest (44)  12 u16 made by  14 u16 needed
 *  16 u32 this disk  20 u32 central directory's disk  24 u64 entries on this disk  32 u64 entries
 *  40 u64 central directory size  48 u64 central directory offset
 * ZIP64 locator, 20 bytes:
 *   0 50 4b 06 07  4 u32 disk of the ZIP64 end record  8 u64 its offset  16 u32 number of disks (1)
 * end record, 22 bytes plus a comment (PyTorch writes none):
 *   0 50 4b 05 06  4 u16 this disk  6 u16 central directory's disk  8 u16 entries on this disk
 *  10 u16 entries  12 u32 central directory size  16 u32 central directory offset  20 u16 comment length
 * </pre>
 *
 * <p>Worked example, the last 98 bytes of {@code test-fixtures/models/dtypes/model.pt} (12,004 bytes, 23
 * records, central directory of 1,648 bytes at 10,258):
 *
 * <pre>
 * 50 4b 06 06 2c 00 00 00 00 00 00 00 1e 03 2d 00 00 00 00 00 00 00 00 00   ZIP64 end at 11,906, size 44
 * 17 00 00 00 00 00 00 00 17 00 00 00 00 00 00 00                           23 entries, 23 entries
 * 70 06 00 00 00 00 00 00 12 28 00 00 00 00 00 00                           1,648 bytes at 10,258
 * 50 4b 06 07 00 00 00 00 82 2e 00 00 00 00 00 00 01 00 00 00               locator: ZIP64 end at 11,906
 * 50 4b 05 06 00 00 00 00 17 00 17 00 70 06 00 00 12 28 00 00 00 00         end record, the same values
 * </pre>
 *
 * <p>Little-endian throughout. Every offset and size is checked against the file before it is used: the
 * central directory must end exactly where the end records begin, and hold no more than
 * {@link ArchivePrecheck.Limits#maxRecords()} entries.
 *
 * @param centralOffset where the central directory starts
 * @param centralSize   its size in bytes; it ends where the end records start
 * @param records       how many entries it holds
 */
record ZipEnd(long centralOffset, long centralSize, long records) {
  static final int END_SIGNATURE = 0x06054b50;
  static final int END_LENGTH = 22;
  static final int LOCATOR_SIGNATURE = 0x07064b50;
  static final int LOCATOR_LENGTH = 20;
  static final int END64_SIGNATURE = 0x06064b50;
  static final int END64_LENGTH = 56;
  private static final int LOCAL_SIGNATURE = 0x04034b50;

  static ZipEnd read(ArchiveReader in, ArchivePrecheck.Limits limits) throws IOException {
    long end = findEnd(in);
    ByteBuffer b = in.read(end, END_LENGTH);
    int disk = u16(b, 4);
    int centralDisk = u16(b, 6);
    long onDisk = u16(b, 8);
    long records = u16(b, 10);
    long centralSize = u32(b, 12);
    long centralOffset = u32(b, 16);
    if (disk != 0 || centralDisk != 0 || onDisk != records) {
      throw reject("the archive spans several disks");
    }
    long centralEnd = end;
    if (end >= LOCATOR_LENGTH && in.read(end - LOCATOR_LENGTH, 4).getInt(0) == LOCATOR_SIGNATURE) {
      long locator = end - LOCATOR_LENGTH;
      ByteBuffer l = in.read(locator, LOCATOR_LENGTH);
      if (l.getInt(4) != 0 || Integer.compareUnsigned(l.getInt(16), 1) > 0) {
        throw reject("the archive spans several disks");
      }
      long end64 = l.getLong(8);
      if (end64 < 0 || end64 > locator - END64_LENGTH) {
        throw reject("the ZIP64 end-of-central-directory record (offset " + Long.toUnsignedString(end64)
            + ") lies outside the archive");
      }
      ByteBuffer e = in.read(end64, END64_LENGTH);
      if (e.getInt(0) != END64_SIGNATURE || e.getLong(4) != END64_LENGTH - 12 || end64 + END64_LENGTH != locator) {
        throw reject("no valid ZIP64 end-of-central-directory record at offset " + end64);
      }
      if (e.getInt(16) != 0 || e.getInt(20) != 0 || e.getLong(24) != e.getLong(32)) {
        throw reject("the archive spans several disks");
      }
      records = agree(records, 0xFFFF, e.getLong(32));
      centralSize = agree(centralSize, 0xFFFFFFFFL, e.getLong(40));
      centralOffset = agree(centralOffset, 0xFFFFFFFFL, e.getLong(48));
      centralEnd = end64;
    }
    if (records < 0 || records > limits.maxRecords()) {
      throw reject("the archive declares " + Long.toUnsignedString(records) + " records, more than the "
          + limits.maxRecords() + " allowed");
    }
    if (records == 0) {
      throw reject("no records");
    }
    if (centralOffset < 0 || centralSize < 0 || centralOffset > centralEnd
        || centralSize > centralEnd - centralOffset) {
      throw reject("the central directory (" + Long.toUnsignedString(centralSize) + " bytes at offset "
          + Long.toUnsignedString(centralOffset) + ") lies outside the archive");
    }
    if (centralOffset + centralSize < centralEnd) {
      throw reject((centralEnd - centralOffset - centralSize) + " bytes at offset " + (centralOffset + centralSize)
          + ", after the central directory, belong to no record");
    }
    if (centralSize > limits.maxCentralDirectory()) {
      throw reject("the central directory is " + centralSize + " bytes, more than the "
          + limits.maxCentralDirectory() + " allowed");
    }
    return new ZipEnd(centralOffset, centralSize, records);
  }

  /**
   * The offset of the end record: the last signature whose comment runs exactly to the end of the file. Only
   * the last {@value ArchiveReader#MAX_READ} bytes are searched, so comments of more than 65,513 bytes (which
   * PyTorch never writes) are not supported.
   */
  private static long findEnd(ArchiveReader in) throws IOException {
    long size = in.size();
    long from = Math.max(0, size - ArchiveReader.MAX_READ);
    ByteBuffer tail = in.read(from, (int) (size - from));
    for (long at = size - END_LENGTH; at >= from; at--) {
      int i = (int) (at - from);
      if (tail.getInt(i) == END_SIGNATURE && at + END_LENGTH + u16(tail, i + 20) == size) {
        return at;
      }
    }
    if (size >= 4 && in.read(0, 4).getInt(0) == LOCAL_SIGNATURE) {
      throw reject("truncated zip archive (no end-of-central-directory record)");
    }
    throw reject("not a zip archive (no end-of-central-directory record)");
  }

  /** The ZIP64 value, if the classic field is its sentinel or says the same. */
  private static long agree(long classic, long sentinel, long zip64) {
    if (classic != sentinel && classic != zip64) {
      throw reject("the end-of-central-directory records disagree (" + classic + " and "
          + Long.toUnsignedString(zip64) + ")");
    }
    return zip64;
  }

  static int u16(ByteBuffer b, int at) {
    return Short.toUnsignedInt(b.getShort(at));
  }

  static long u32(ByteBuffer b, int at) {
    return Integer.toUnsignedLong(b.getInt(at));
  }
}
