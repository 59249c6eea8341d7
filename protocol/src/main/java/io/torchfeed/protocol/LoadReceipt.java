package io.torchfeed.protocol;

import io.torchfeed.model.LoadStatus;
import io.torchfeed.model.ModelId;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * RECEIPT (0x06): how loading a fetched version went on the client (docs/protocol.md 5.9). Answered by
 * RECEIPT_OK.
 *
 * <pre>
 * +----------+-------------+-------------+-----------+------------+--------------+
 * | name str | version u32 | sha256 32 B | status u8 | reason str | libtorch str |
 * +----------+-------------+-------------+-----------+------------+--------------+
 * </pre>
 *
 * @param name     model name, as received (see {@link #id()})
 * @param version  the concrete version loaded, never 0
 * @param sha256   the SHA-256 of the bytes loaded, 32 bytes (copied in, copied out)
 * @param status   loaded (0) or failed (1)
 * @param reason   empty when loaded, else one line saying why
 * @param libtorch the LibTorch version that loaded it; empty = the one announced in HELLO
 */
public record LoadReceipt(String name, int version, byte[] sha256, LoadStatus status, String reason,
    String libtorch) implements Message {

  public LoadReceipt {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(libtorch, "libtorch");
    if (version <= 0) {
      throw new IllegalArgumentException("version " + version + " is not a concrete version");
    }
    if (sha256.length != Protocol.SHA256_LENGTH) {
      throw new IllegalArgumentException("sha256 of " + sha256.length + " bytes, expected 32");
    }
    sha256 = sha256.clone();
  }

  /** A receipt for {@code sha256Hex} (64 hex digits). */
  public static LoadReceipt of(String name, int version, String sha256Hex, LoadStatus status, String reason,
      String libtorch) {
    return new LoadReceipt(name, version, HexFormat.of().parseHex(sha256Hex), status, reason, libtorch);
  }

  /**
   * The version reported on.
   *
   * @throws io.torchfeed.model.InvalidRequestException when the name is not a model name
   */
  public ModelId id() {
    return new ModelId(name, version);
  }

  @Override
  public byte[] sha256() {
    return sha256.clone();
  }

  public String sha256Hex() {
    return HexFormat.of().formatHex(sha256);
  }

  @Override
  public FrameType type() {
    return FrameType.RECEIPT;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LoadReceipt r && r.name.equals(name) && r.version == version
        && Arrays.equals(r.sha256, sha256) && r.status == status && r.reason.equals(reason)
        && r.libtorch.equals(libtorch);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, version, Arrays.hashCode(sha256), status, reason, libtorch);
  }

  @Override
  public String toString() {
    return "LoadReceipt[name=" + name + ", version=" + version + ", sha256=" + sha256Hex() + ", status=" + status
        + ", reason=" + reason + ", libtorch=" + libtorch + "]";
  }
}
