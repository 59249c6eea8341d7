package io.torchfeed.validation;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks, in plain Java and before LibTorch sees the file, that a model file is a TorchScript archive laid out
 * the way PyTorch writes one. It parses the zip structures itself ({@link ZipEnd}, {@link CentralDirectory},
 * {@link LocalHeaders}): {@code java.util.zip} would hide duplicate names and local headers that disagree with
 * the central directory, and LibTorch (miniz) trusts the central directory alone, so an archive can show one
 * thing to a zip tool and another to LibTorch. Only small headers are read, with positional reads; the record
 * data is checked afterwards by {@link RecordChecksums} while {@link ArchiveFacts} hashes the file.
 *
 * <p>Every rejection is one line, {@code not a TorchScript archive: } followed by what is wrong, checked in
 * this order (test-fixtures/hostile/ holds a file for each; its expected.tsv has the reasons):
 *
 * <ol>
 *   <li>What the file is instead: a Git LFS pointer ({@code a Git LFS pointer file ...}); a {@code torch.save}
 *       file in the legacy pickle format ({@code a torch.save file ...}).
 *   <li>The end records ({@link ZipEnd}): {@code not a zip archive (no end-of-central-directory record)},
 *       {@code truncated zip archive (...)}, {@code the archive spans several disks}, ZIP64 records outside
 *       the file or disagreeing with the classic one, more than {@link Limits#maxRecords()} records,
 *       {@code no records}, a central directory outside the file or followed by bytes that belong to no
 *       record, or larger than {@link Limits#maxCentralDirectory()}.
 *   <li>The central directory ({@link CentralDirectory}): entries that are corrupt or run past it, names
 *       longer than {@link Limits#maxNameLength()}, missing ZIP64 fields, more entries than declared.
 *   <li>Names: no NUL byte, no backslash, not absolute ({@code /...}, {@code C:...}), no {@code ..} segment,
 *       no duplicate.
 *   <li>One top-level folder: the first record's ({@code records are not in a top-level directory}), and
 *       every record in it ({@code records are not all in one top-level directory (...)}).
 *   <li>The records of a TorchScript module: a {@code torch.save} zip (a {@code data.pkl} with neither
 *       {@code constants.pkl} nor {@code code/}) is named as such; otherwise {@code no version record}
 *       (neither {@code version} nor {@code .data/version}), {@code no data.pkl record},
 *       {@code no constants.pkl record}.
 *   <li>Compression: not encrypted; stored (method 0), except the {@code code/} records, which PyTorch
 *       deflates (method 8) when they are over 200 bytes; a stored record's two sizes equal; a deflated
 *       record at most {@link Limits#maxInflatedRecord()} and, above 1 MiB, at most
 *       {@link Limits#maxInflationRatio()} times its compressed size; all of them at most
 *       {@link Limits#maxInflatedTotal()} together.
 *   <li>Local headers ({@link LocalHeaders}): present where the central directory says, with the same name,
 *       method, CRC and sizes (in the header or, with flag bit 3, in the data descriptor after the data), and
 *       the records tiling the file up to the central directory: nothing overlaps, nothing is hidden.
 *   <li>Afterwards, the data ({@link RecordChecksums}, as {@link ArchiveFacts} hashes the file): every CRC-32
 *       ({@code record '...' is corrupt (CRC-32 ...)}), every deflate stream whole and of its declared size.
 * </ol>
 */
final class ArchivePrecheck {
  static final String NOT_AN_ARCHIVE = "not a TorchScript archive: ";
  static final String SAVE_HOW = "save the module with torch.jit.script(model).save(path) or "
      + "torch.jit.trace(model, example_inputs).save(path)";
  static final String LFS_POINTER = "a Git LFS pointer file, not the model itself: fetch the file with "
      + "`git lfs pull`";
  static final String LEGACY_TORCH_SAVE = "a torch.save file in the legacy pickle format (a state_dict or "
      + "pickled module), not a TorchScript module; " + SAVE_HOW;
  static final String TORCH_SAVE = "a torch.save file (data.pkl and data/ but no constants.pkl or code/: a "
      + "state_dict or pickled module), not a TorchScript module; " + SAVE_HOW;

  private static final byte[] LFS_START =
      "version https://git-lfs.github.com/spec/v1".getBytes(StandardCharsets.US_ASCII);
  /** {@code pickle.dump(0x1950a86a20f9469cfc6c, f, protocol=2)}: how torch.save's legacy format starts. */
  private static final byte[] LEGACY_START = {(byte) 0x80, 0x02, (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc,
      (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a, (byte) 0xa8, 0x50, 0x19};
  private static final Pattern DRIVE = Pattern.compile("^[A-Za-z]:");
  private static final long ONE_MIB = 1 << 20;

  /**
   * Bounds on what an archive may declare.
   *
   * @param maxRecords          records in the archive
   * @param maxNameLength       bytes in a record name
   * @param maxCentralDirectory bytes in the central directory
   * @param maxInflatedRecord   bytes a deflated record inflates to
   * @param maxInflatedTotal    bytes all deflated records inflate to together
   * @param maxInflationRatio   inflated to compressed size, for deflated records over 1 MiB
   */
  record Limits(int maxRecords, int maxNameLength, long maxCentralDirectory, long maxInflatedRecord,
      long maxInflatedTotal, int maxInflationRatio) {
    /** 100,000 records, 1,024-byte names, 32 MiB of central directory, 256 MiB / 1 GiB inflated, 100:1. */
    static final Limits DEFAULT = new Limits(100_000, 1024, 32L << 20, 256L << 20, 1L << 30, 100);
  }

  /**
   * A checked archive: its top-level folder ({@code "model/"}) and its records in file order.
   */
  record Layout(String top, List<ZipRecord> records) {
    Optional<ZipRecord> record(String path) {
      return records.stream().filter(r -> r.name().equals(top + path)).findFirst();
    }
  }

  private final Limits limits;

  ArchivePrecheck() {
    this(Limits.DEFAULT);
  }

  ArchivePrecheck(Limits limits) {
    this.limits = limits;
  }

  /**
   * Checks the structure of the file open in {@code channel} (of {@code size} bytes, at least 1).
   *
   * @throws ModelRejectedException with the reason, if it is not a TorchScript archive as PyTorch writes it
   */
  Layout check(FileChannel channel, long size) throws IOException {
    ArchiveReader in = new ArchiveReader(channel, size);
    sniff(in);
    ZipEnd end = ZipEnd.read(in, limits);
    List<ZipRecord> records = CentralDirectory.read(in, end, limits);
    checkNames(records);
    String top = topLevel(records);
    checkRequired(records, top);
    checkCompression(records, top);
    return new Layout(top, LocalHeaders.check(in, records, end.centralOffset()));
  }

  static ModelRejectedException reject(String detail) {
    return new ModelRejectedException(NOT_AN_ARCHIVE + detail);
  }

  private static void sniff(ArchiveReader in) throws IOException {
    byte[] head = in.bytes(0, (int) Math.min(in.size(), 64));
    if (startsWith(head, LFS_START)) {
      throw reject(LFS_POINTER);
    }
    if (startsWith(head, LEGACY_START)) {
      throw reject(LEGACY_TORCH_SAVE);
    }
  }

  private static boolean startsWith(byte[] head, byte[] start) {
    return head.length >= start.length && Arrays.equals(head, 0, start.length, start, 0, start.length);
  }

  private static void checkNames(List<ZipRecord> records) {
    Set<String> seen = new HashSet<>();
    for (ZipRecord r : records) {
      String name = r.name();
      if (name.indexOf('\0') >= 0) {
        throw reject("record name " + r.shown() + " contains a NUL byte");
      }
      if (name.indexOf('\\') >= 0) {
        throw reject("record name " + r.shown() + " contains a backslash");
      }
      if (name.startsWith("/") || DRIVE.matcher(name).lookingAt()) {
        throw reject("record name " + r.shown() + " is absolute");
      }
      if (Arrays.asList(name.split("/", -1)).contains("..")) {
        throw reject("record name " + r.shown() + " contains a '..' segment");
      }
      if (!seen.add(name)) {
        throw reject("duplicate record " + r.shown());
      }
    }
  }

  private static String topLevel(List<ZipRecord> records) {
    String first = records.get(0).name();
    int slash = first.indexOf('/');
    if (slash <= 0) {
      throw reject("records are not in a top-level directory");
    }
    String top = first.substring(0, slash + 1);
    for (ZipRecord r : records) {
      if (!r.name().startsWith(top)) {
        throw reject("records are not all in one top-level directory (" + r.shown() + " is not in "
            + ZipRecord.shown(top) + ")");
      }
    }
    return top;
  }

  private static void checkRequired(List<ZipRecord> records, String top) {
    Set<String> names = new HashSet<>();
    boolean code = false;
    for (ZipRecord r : records) {
      names.add(r.name());
      code |= r.name().startsWith(top + "code/");
    }
    boolean data = names.contains(top + "data.pkl");
    boolean constants = names.contains(top + "constants.pkl");
    if (data && !constants && !code) {
      throw reject(TORCH_SAVE);
    }
    if (!names.contains(top + "version") && !names.contains(top + ".data/version")) {
      throw reject("no version record");
    }
    if (!data) {
      throw reject("no data.pkl record");
    }
    if (!constants) {
      throw reject("no constants.pkl record");
    }
  }

  private void checkCompression(List<ZipRecord> records, String top) {
    long inflatedTotal = 0;
    for (ZipRecord r : records) {
      if ((r.flags() & 0x41) != 0) {
        throw reject("record " + r.shown() + " is encrypted");
      }
      if (r.method() == ZipRecord.STORED) {
        if (r.compressedSize() != r.size()) {
          throw reject("stored record " + r.shown() + " has a compressed size of " + r.compressedSize()
              + " bytes and a size of " + r.size());
        }
      } else if (r.method() == ZipRecord.DEFLATED) {
        if (!isCode(r, top)) {
          throw reject("record " + r.shown() + " is deflated; PyTorch stores tensors and pickles uncompressed "
              + "and deflates only code/");
        }
        checkInflation(r);
        inflatedTotal += r.size();
        if (inflatedTotal > limits.maxInflatedTotal()) {
          throw reject("the deflated records inflate to more than the " + limits.maxInflatedTotal()
              + " bytes allowed together");
        }
      } else {
        throw reject("record " + r.shown() + " uses compression method " + r.method()
            + "; only stored (0) and deflated (8) records can be read");
      }
    }
  }

  private static boolean isCode(ZipRecord r, String top) {
    return r.name().startsWith(top + "code/") || r.name().startsWith(top + ".data/ts_code/");
  }

  private void checkInflation(ZipRecord r) {
    if (r.size() > limits.maxInflatedRecord()) {
      throw reject("deflated record " + r.shown() + " would inflate to " + r.size() + " bytes, more than the "
          + limits.maxInflatedRecord() + " allowed");
    }
    if (r.size() > ONE_MIB && r.size() / limits.maxInflationRatio() > r.compressedSize()) {
      throw reject("deflated record " + r.shown() + " would inflate " + r.compressedSize() + " bytes to "
          + r.size() + ", more than " + limits.maxInflationRatio() + " times as many: a zip bomb");
    }
  }
}
