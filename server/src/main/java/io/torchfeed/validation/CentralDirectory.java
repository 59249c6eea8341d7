package io.torchfeed.validation;

import static io.torchfeed.validation.ArchivePrecheck.reject;
import static io.torchfeed.validation.ZipEnd.u16;
import static io.torchfeed.validation.ZipEnd.u32;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the entries of a zip archive's central directory, checking that each lies inside the directory and
 * that the directory holds exactly the number of entries its end record declares.
 *
 * <pre>
 * entry, 46 bytes, then the name, the extra field and the comment:
 *   0 50 4b 01 02  4 u16 made by  6 u16 version needed  8 u16 flags  10 u16 method  12 u16 time  14 u16 date
 *  16 u32 CRC-32  20 u32 compressed size  24 u32 size  28 u16 name length  30 u16 extra length
 *  32 u16 comment length  34 u16 disk  36 u16 internal attributes  38 u32 external attributes
 *  42 u32 local header offset
 * extra field: blocks of u16 id, u16 length, data. The ZIP64 block (id 0x0001) holds, in this order and only
 * for the fields above that are 0xFFFFFFFF (0xFFFF for the disk): u64 size, u64 compressed size, u64 local
 * header offset, u32 disk.
 * </pre>
 *
 * <p>PyTorch writes flags 0x0808 (sizes in a data descriptor, UTF-8 names), method 0 or 8, no time, no extra
 * field below 4 GiB and no comment.
 */
final class CentralDirectory {
  static final int SIGNATURE = 0x02014b50;
  static final int ENTRY_LENGTH = 46;
  static final int ZIP64_EXTRA = 0x0001;
  private static final long SENTINEL = 0xFFFFFFFFL;

  private CentralDirectory() {}

  static List<ZipRecord> read(ArchiveReader in, ZipEnd end, ArchivePrecheck.Limits limits) throws IOException {
    List<ZipRecord> records = new ArrayList<>((int) end.records());
    long at = end.centralOffset();
    long stop = end.centralOffset() + end.centralSize();
    for (int i = 0; i < end.records(); i++) {
      if (stop - at < ENTRY_LENGTH) {
        throw reject("central directory entry " + i + " runs past the central directory");
      }
      ByteBuffer b = in.read(at, ENTRY_LENGTH);
      if (b.getInt(0) != SIGNATURE) {
        throw reject("central directory entry " + i + " at offset " + at + " is corrupt (no signature)");
      }
      int nameLength = u16(b, 28);
      int extraLength = u16(b, 30);
      long length = ENTRY_LENGTH + nameLength + extraLength + u16(b, 32);
      if (stop - at < length) {
        throw reject("central directory entry " + i + " runs past the central directory");
      }
      if (nameLength > limits.maxNameLength()) {
        throw reject("record name of " + nameLength + " bytes (central directory entry " + i + "), more than the "
            + limits.maxNameLength() + " allowed");
      }
      String name = new String(in.bytes(at + ENTRY_LENGTH, nameLength), StandardCharsets.ISO_8859_1);
      long size = u32(b, 24);
      long compressed = u32(b, 20);
      long offset = u32(b, 42);
      long disk = u16(b, 34);
      if (size == SENTINEL || compressed == SENTINEL || offset == SENTINEL || disk == 0xFFFF) {
        ByteBuffer zip64 = zip64(in.read(at + ENTRY_LENGTH + nameLength, extraLength), name);
        size = size == SENTINEL ? next(zip64, name) : size;
        compressed = compressed == SENTINEL ? next(zip64, name) : compressed;
        offset = offset == SENTINEL ? next(zip64, name) : offset;
        disk = disk == 0xFFFF ? (zip64.remaining() >= 4 ? zip64.getInt() : -1) : disk;
      }
      if (disk != 0) {
        throw reject("record " + ZipRecord.shown(name) + " is on another disk");
      }
      if (size < 0 || compressed < 0 || offset < 0) {
        throw reject("record " + ZipRecord.shown(name) + " has a size or offset over 2^63");
      }
      records.add(new ZipRecord(name, u16(b, 8), u16(b, 10), b.getInt(16), compressed, size, offset, -1));
      at += length;
    }
    if (at != stop) {
      throw reject("the central directory holds more than the " + end.records() + " records it declares ("
          + (stop - at) + " bytes left)");
    }
    return records;
  }

  /** The data of the ZIP64 block of an extra field, positioned at its first value. */
  static ByteBuffer zip64(ByteBuffer extra, String name) {
    while (extra.remaining() >= 4) {
      int id = Short.toUnsignedInt(extra.getShort());
      int length = Short.toUnsignedInt(extra.getShort());
      if (length > extra.remaining()) {
        break;
      }
      if (id == ZIP64_EXTRA) {
        return extra.slice().limit(length).order(extra.order());
      }
      extra.position(extra.position() + length);
    }
    throw reject("record " + ZipRecord.shown(name) + " needs a ZIP64 extra field and has none");
  }

  private static long next(ByteBuffer zip64, String name) {
    if (zip64.remaining() < 8) {
      throw reject("record " + ZipRecord.shown(name) + " has a ZIP64 extra field that is too short");
    }
    return zip64.getLong();
  }
}
