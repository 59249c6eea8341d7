package io.torchfeed.validation;

import static io.torchfeed.validation.ArchivePrecheck.reject;
import static io.torchfeed.validation.ZipEnd.u16;
import static io.torchfeed.validation.ZipEnd.u32;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Checks every record's local header against the central directory and that the records tile the file: the
 * first starts at offset 0, each starts where the previous one ends and the last ends where the central
 * directory starts, so no two records share bytes and no byte is hidden between them. LibTorch (miniz) reads
 * only the central directory and the lengths in the local header, so a mismatch here is invisible to it.
 *
 * <pre>
 * local header, 30 bytes, then the name, the extra field and the data:
 *   0 50 4b 03 04  4 u16 version needed  6 u16 flags  8 u16 method  10 u16 time  12 u16 date
 *  14 u32 CRC-32  18 u32 compressed size  22 u32 size  26 u16 name length  28 u16 extra length
 * data descriptor, after the data when flag bit 3 is set (and then the local header's CRC and sizes are 0):
 *   [50 4b 07 08] u32 CRC-32, u32 compressed size, u32 size  (u64 sizes if the local header has a ZIP64 block)
 * </pre>
 *
 * <p>PyTorch sets bit 3, leaves the local CRC and sizes 0, pads the extra field with an {@code FB} block so
 * the data starts at a multiple of 64 and writes a 16-byte descriptor with its signature. Worked example, the
 * first record of {@code test-fixtures/models/dtypes/model.pt}:
 *
 * <pre>
 * 50 4b 03 04 00 00 08 08 00 00 00 00 00 00        signature, version 0, flags 0x0808, method 0, no time
 * 00 00 00 00 00 00 00 00 00 00 00 00 0c 00 16 00  CRC and sizes 0 (see the descriptor); name 12, extra 22
 * 6d 6f 64 65 6c 2f 64 61 74 61 2f 30              "model/data/0"
 * 46 42 12 00 5a 5a ... 5a                         "FB" block, 18 bytes of padding: the data starts at 64
 * b2 79 cd bf bc 10 6e 3e 08 5a 0f 40              the 12 bytes of data
 * 50 4b 07 08 02 0e 40 e3 0c 00 00 00 0c 00 00 00  descriptor: CRC 0xe3400e02, 12 and 12 bytes
 * </pre>
 */
final class LocalHeaders {
  static final int SIGNATURE = 0x04034b50;
  static final int LENGTH = 30;
  static final int DESCRIPTOR_SIGNATURE = 0x08074b50;
  private static final int DATA_DESCRIPTOR_FLAG = 0x8;

  private LocalHeaders() {}

  /** The records in file order, each with its data offset. */
  static List<ZipRecord> check(ArchiveReader in, List<ZipRecord> records, long recordsEnd) throws IOException {
    for (ZipRecord r : records) {
      if (r.localOffset() >= recordsEnd) {
        throw reject("record " + r.shown() + " starts at offset " + r.localOffset()
            + ", past the central directory at offset " + recordsEnd);
      }
    }
    List<ZipRecord> sorted = new ArrayList<>(records);
    sorted.sort(Comparator.comparingLong(ZipRecord::localOffset));
    List<ZipRecord> placed = new ArrayList<>(sorted.size());
    long cursor = 0;
    for (int i = 0; i < sorted.size(); i++) {
      ZipRecord r = sorted.get(i);
      if (r.localOffset() > cursor) {
        throw unclaimed(cursor, r.localOffset());
      }
      long next = i + 1 < sorted.size() ? sorted.get(i + 1).localOffset() : recordsEnd;
      Local local = header(in, r, recordsEnd);
      long dataOffset = local.dataOffset();
      if (r.compressedSize() > recordsEnd - dataOffset) {
        throw reject("record " + r.shown() + " (" + r.compressedSize() + " bytes at offset " + dataOffset
            + ") runs past the central directory at offset " + recordsEnd);
      }
      long dataEnd = dataOffset + r.compressedSize();
      if (dataEnd > next) {
        throw reject("records " + r.shown() + " and " + sorted.get(i + 1).shown() + " overlap");
      }
      cursor = local.descriptor() ? descriptor(in, r, local.zip64(), dataEnd, next) : dataEnd;
      placed.add(r.withData(dataOffset));
    }
    if (cursor < recordsEnd) {
      throw unclaimed(cursor, recordsEnd);
    }
    return placed;
  }

  /** What the local header says beyond the central directory: where the data starts, what follows it. */
  private record Local(long dataOffset, boolean descriptor, boolean zip64) {}

  /** Checks the local header of {@code r}. */
  private static Local header(ArchiveReader in, ZipRecord r, long recordsEnd) throws IOException {
    long at = r.localOffset();
    if (recordsEnd - at < LENGTH || in.read(at, 4).getInt(0) != SIGNATURE) {
      throw reject("record " + r.shown() + " has no local header at offset " + at);
    }
    ByteBuffer b = in.read(at, LENGTH);
    int nameLength = u16(b, 26);
    int extraLength = u16(b, 28);
    long dataOffset = at + LENGTH + nameLength + extraLength;
    if (dataOffset > recordsEnd) {
      throw reject("the local header of record " + r.shown() + " runs past the central directory");
    }
    byte[] name = in.bytes(at + LENGTH, nameLength);
    if (!Arrays.equals(name, r.nameBytes())) {
      throw reject("the local header of record " + r.shown() + " names "
          + ZipRecord.shown(new String(name, StandardCharsets.ISO_8859_1)));
    }
    if (u16(b, 8) != r.method()) {
      throw reject("the local header of record " + r.shown() + " says compression method " + u16(b, 8)
          + ", the central directory " + r.method());
    }
    ByteBuffer extra = in.read(at + LENGTH + nameLength, extraLength);
    long crc = u32(b, 14);
    long compressed = u32(b, 18);
    long size = u32(b, 22);
    boolean descriptor = (u16(b, 6) & DATA_DESCRIPTOR_FLAG) != 0;
    boolean zip64 = hasZip64(extra.duplicate().order(extra.order()));
    if (descriptor) {
      if ((crc | compressed | size) != 0 && !agrees(r, crc, compressed, size)) {
        throw disagree("local header", r, crc, compressed, size);
      }
    } else {
      if (size == 0xFFFFFFFFL || compressed == 0xFFFFFFFFL) {
        ByteBuffer sizes = CentralDirectory.zip64(extra, r.name());
        if (sizes.remaining() < 16) {
          throw reject("record " + r.shown() + " has a ZIP64 extra field that is too short");
        }
        size = sizes.getLong();
        compressed = sizes.getLong();
      }
      if (!agrees(r, crc, compressed, size)) {
        throw disagree("local header", r, crc, compressed, size);
      }
    }
    return new Local(dataOffset, descriptor, zip64);
  }

  /** Checks the data descriptor after the data of {@code r}; returns where it ends. */
  private static long descriptor(ArchiveReader in, ZipRecord r, boolean wide, long at, long next)
      throws IOException {
    int length = wide ? 20 : 12;
    long room = next - at;
    int skip = room >= 4 && in.read(at, 4).getInt(0) == DESCRIPTOR_SIGNATURE ? 4 : 0;
    if (room < skip + length) {
      throw reject("record " + r.shown() + " has no room for its data descriptor");
    }
    ByteBuffer d = in.read(at + skip, length);
    long crc = u32(d, 0);
    long compressed = wide ? d.getLong(4) : u32(d, 4);
    long size = wide ? d.getLong(12) : u32(d, 8);
    if (!agrees(r, crc, compressed, size)) {
      throw disagree("data descriptor", r, crc, compressed, size);
    }
    return at + skip + length;
  }

  /** Whether an extra field has a ZIP64 block: then a data descriptor has 64-bit sizes. */
  private static boolean hasZip64(ByteBuffer extra) {
    while (extra.remaining() >= 4) {
      int id = Short.toUnsignedInt(extra.getShort());
      int length = Short.toUnsignedInt(extra.getShort());
      if (id == CentralDirectory.ZIP64_EXTRA) {
        return true;
      }
      extra.position(Math.min(extra.limit(), extra.position() + length));
    }
    return false;
  }

  private static boolean agrees(ZipRecord r, long crc, long compressed, long size) {
    return crc == Integer.toUnsignedLong(r.crc()) && compressed == r.compressedSize() && size == r.size();
  }

  private static RuntimeException disagree(String where, ZipRecord r, long crc, long compressed, long size) {
    return reject("the " + where + " of record " + r.shown() + " disagrees with the central directory (CRC "
        + String.format("%08x", crc) + ", " + Long.toUnsignedString(compressed) + "/" + Long.toUnsignedString(size)
        + " bytes; central directory: CRC " + String.format("%08x", r.crc()) + ", " + r.compressedSize() + "/"
        + r.size() + " bytes)");
  }

  private static RuntimeException unclaimed(long from, long to) {
    return reject((to - from) + " bytes at offset " + from + " belong to no record");
  }
}
