package io.torchfeed.repository;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.torchfeed.model.FileFacts;
import io.torchfeed.model.ModuleInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What validation found for a file, kept on disk so a restart with unchanged files runs no LibTorch. One JSON file
 * per {@link FileStamp} under {@code <dir>/manifests/}, named by the hash of the stamp and the validator's
 * identity (torchfeed and LibTorch versions), so an upgrade validates again. Entries are written atomically;
 * an unreadable entry is a miss.
 *
 * <p>The facts of a valid file hold its chunk digests (protocol version 3). An entry written before they existed
 * has none: {@link Entry#lacksChunks()}; {@link RepositoryLoader} then reads the file's facts again (plain Java,
 * no LibTorch) and puts the entry back with them, so a manifest is never served without its chunks.
 */
public final class ManifestCache {
  private static final Logger log = LoggerFactory.getLogger(ManifestCache.class);
  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private final Path dir;
  private final String validatorIdentity;

  /**
   * What the server's verdicts depend on: torchfeed's and LibTorch's versions and the generation of the
   * validation rules. Bump {@link #RULES} when the checks change, so that cached verdicts are made again.
   */
  public static String identity() {
    return "torchfeed " + io.torchfeed.Version.SOFTWARE + ", LibTorch " + io.torchfeed.Version.LIBTORCH
        + ", rules " + RULES;
  }

  /** The generation of the validation rules: 2 = the plain-Java archive pre-check. */
  static final int RULES = 2;

  public ManifestCache(Path dir, String validatorIdentity) {
    this.dir = dir.resolve("manifests");
    this.validatorIdentity = validatorIdentity;
  }

  /** A validation outcome: facts and module for a valid file, or the rejection reason. */
  public record Entry(FileStamp stamp, FileFacts facts, ModuleInfo module, String rejected) {
    public static Entry valid(FileStamp stamp, FileFacts facts, ModuleInfo module) {
      return new Entry(stamp, facts, module, null);
    }

    public static Entry rejected(FileStamp stamp, String reason) {
      return new Entry(stamp, null, null, reason);
    }

    public boolean wasRejected() {
      return rejected != null;
    }

    /** A valid file's entry from before chunk digests: its facts must be read again before it is served. */
    public boolean lacksChunks() {
      return facts != null && facts.chunks() == null;
    }
  }

  public Optional<Entry> get(FileStamp stamp) {
    Path file = fileFor(stamp);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      Entry entry = JSON.readValue(file.toFile(), Entry.class);
      return stamp.equals(entry.stamp()) ? Optional.of(entry) : Optional.empty();
    } catch (IOException e) {
      log.warn("ignoring unreadable manifest cache entry {}: {}", file, e.getMessage());
      return Optional.empty();
    }
  }

  public void put(Entry entry) {
    Path file = fileFor(entry.stamp());
    try {
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, ".entry", ".tmp");
      try {
        JSON.writeValue(tmp.toFile(), entry);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      log.warn("cannot write manifest cache entry {}: {}", file, e.getMessage());
    }
  }

  private Path fileFor(FileStamp stamp) {
    String key = validatorIdentity + "\n" + stamp;
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
      return dir.resolve(HexFormat.of().formatHex(hash) + ".json");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
