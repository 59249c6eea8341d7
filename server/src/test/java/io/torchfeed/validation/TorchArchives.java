package io.torchfeed.validation;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.ZipFile;

/**
 * Zip archives laid out as PyTorch writes them (stored records, sizes in data descriptors, ZIP64 end records),
 * built in memory for tests. {@link #zip64()} writes every size and offset in ZIP64 extra fields and 64-bit
 * data descriptors, as PyTorch does for records past 4 GiB, without needing 4 GiB.
 */
final class TorchArchives {
  private final Map<String, byte[]> records = new LinkedHashMap<>();
  private final Set<String> deflated = new HashSet<>();
  private final Map<String, Long> declared = new HashMap<>();
  private boolean zip64;
  private boolean noCrcs;

  /** An archive {@code top/} with {@code data.pkl}, {@code constants.pkl} and {@code version}. */
  static TorchArchives minimal(String top, String version) {
    return new TorchArchives().add(top + "/data.pkl", "\u0080\u0002).")
        .add(top + "/constants.pkl", "\u0080\u0002).").add(top + "/version", version);
  }

  /** The records of a zip file (read with java.util.zip, so only for good files), in order. */
  static TorchArchives copyOf(Path file) {
    TorchArchives archive = new TorchArchives();
    try (ZipFile zip = new ZipFile(file.toFile())) {
      for (var e : zip.stream().toList()) {
        archive.records.put(e.getName(), zip.getInputStream(e).readAllBytes());
        if (e.getMethod() == ZipRecord.DEFLATED) {
          archive.deflated.add(e.getName());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return archive;
  }

  TorchArchives add(String name, String content) {
    return add(name, content.getBytes(StandardCharsets.ISO_8859_1));
  }

  TorchArchives add(String name, byte[] content) {
    records.put(name, content);
    return this;
  }

  /** A record written deflated, as PyTorch writes code/ records of over 200 bytes. */
  TorchArchives addDeflated(String name, byte[] content) {
    deflated.add(name);
    return add(name, content);
  }

  /** Declares {@code size} as the record's uncompressed size (in the descriptor and central directory). */
  TorchArchives declare(String name, long size) {
    declared.put(name, size);
    return this;
  }

  TorchArchives remove(String name) {
    records.remove(name);
    return this;
  }

  /** CRCs of 0, as PyTorchFileWriter writes them with {@code compute_crc32=False}. */
  TorchArchives withoutCrcs() {
    noCrcs = true;
    return this;
  }

  TorchArchives zip64() {
    zip64 = true;
    return this;
  }

  byte[] bytes() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    List<long[]> central = new ArrayList<>(); // offset, crc, compressed size, size, method
    for (Map.Entry<String, byte[]> r : records.entrySet()) {
      byte[] name = r.getKey().getBytes(StandardCharsets.UTF_8);
      byte[] data = r.getValue();
      int method = deflated.contains(r.getKey()) ? ZipRecord.DEFLATED : ZipRecord.STORED;
      byte[] stored = method == ZipRecord.DEFLATED ? deflate(data) : data;
      CRC32 crc = new CRC32();
      crc.update(noCrcs ? new byte[0] : data);
      long size = declared.getOrDefault(r.getKey(), (long) data.length);
      central.add(new long[] {out.size(), crc.getValue(), stored.length, size, method});
      byte[] extra = zip64 ? le(2 + 2 + 16).putShort((short) 1).putShort((short) 16).putLong(size)
          .putLong(stored.length).array() : new byte[0];
      out.writeBytes(le(30).putInt(LocalHeaders.SIGNATURE).putShort((short) (zip64 ? 45 : 0))
          .putShort((short) 0x0808).putShort((short) method).putInt(0).putInt(0).putInt(0).putInt(0)
          .putShort((short) name.length).putShort((short) extra.length).array());
      out.writeBytes(name);
      out.writeBytes(extra);
      out.writeBytes(stored);
      ByteBuffer descriptor =
          le(zip64 ? 24 : 16).putInt(LocalHeaders.DESCRIPTOR_SIGNATURE).putInt((int) crc.getValue());
      out.writeBytes((zip64 ? descriptor.putLong(stored.length).putLong(size)
          : descriptor.putInt(stored.length).putInt((int) size)).array());
    }
    long centralOffset = out.size();
    int i = 0;
    for (String nameText : records.keySet()) {
      long[] r = central.get(i++);
      byte[] name = nameText.getBytes(StandardCharsets.UTF_8);
      byte[] extra = zip64 ? le(4 + 24).putShort((short) 1).putShort((short) 24).putLong(r[3]).putLong(r[2])
          .putLong(r[0]).array() : new byte[0];
      int sentinel = -1;
      out.writeBytes(le(46).putInt(CentralDirectory.SIGNATURE).putShort((short) 0)
          .putShort((short) (zip64 ? 45 : 0)).putShort((short) 0x0808).putShort((short) r[4]).putInt(0)
          .putInt((int) r[1]).putInt(zip64 ? sentinel : (int) r[2]).putInt(zip64 ? sentinel : (int) r[3])
          .putShort((short) name.length).putShort((short) extra.length).putShort((short) 0).putShort((short) 0)
          .putShort((short) 0).putInt(0).putInt(zip64 ? sentinel : (int) r[0]).array());
      out.writeBytes(name);
      out.writeBytes(extra);
    }
    long centralSize = out.size() - centralOffset;
    long end64 = out.size();
    int n = records.size();
    out.writeBytes(le(56).putInt(ZipEnd.END64_SIGNATURE).putLong(44).putShort((short) 0x031e)
        .putShort((short) 0x2d).putInt(0).putInt(0).putLong(n).putLong(n).putLong(centralSize)
        .putLong(centralOffset).array());
    out.writeBytes(le(20).putInt(ZipEnd.LOCATOR_SIGNATURE).putInt(0).putLong(end64).putInt(1).array());
    out.writeBytes(le(22).putInt(ZipEnd.END_SIGNATURE).putShort((short) 0).putShort((short) 0)
        .putShort((short) (zip64 ? 0xFFFF : n)).putShort((short) (zip64 ? 0xFFFF : n))
        .putInt(zip64 ? -1 : (int) centralSize).putInt(zip64 ? -1 : (int) centralOffset).putShort((short) 0)
        .array());
    return out.toByteArray();
  }

  Path write(Path dir, String name) {
    try {
      return Files.write(dir.resolve(name), bytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] deflate(byte[] data) {
    Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    deflater.setInput(data);
    deflater.finish();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[64 * 1024];
    while (!deflater.finished()) {
      out.write(buffer, 0, deflater.deflate(buffer));
    }
    deflater.end();
    return out.toByteArray();
  }

  private static ByteBuffer le(int length) {
    return ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
  }
}
