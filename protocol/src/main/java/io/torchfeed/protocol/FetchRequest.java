package io.torchfeed.protocol;

import io.torchfeed.model.ModelId;
import java.util.Objects;

/**
 * FETCH (0x04): asks for the bytes of one model version, or a range of them.
 *
 * <pre>
 * +----------+-------------+------------+------------+
 * | name str | version u32 | offset u64 | length u64 |
 * +----------+-------------+------------+------------+
 * </pre>
 *
 * @param name    model name, as received (not validated here; see {@link #id()})
 * @param version the version, or 0 for the latest
 * @param offset  the first byte wanted
 * @param length  how many bytes are wanted, 0 for "to the end of the file"
 */
public record FetchRequest(String name, int version, long offset, long length) implements Message {
  public FetchRequest {
    Objects.requireNonNull(name, "name");
    if (version < 0 || offset < 0 || length < 0) {
      throw new IllegalArgumentException("negative version, offset or length: " + version + ", " + offset
          + ", " + length);
    }
  }

  /** A FETCH for the whole file. */
  public static FetchRequest of(ModelId id) {
    return new FetchRequest(id.wireName(), id.version(), 0, 0);
  }

  /**
   * The model asked for.
   *
   * @throws io.torchfeed.model.InvalidRequestException when the name is not a valid model name
   */
  public ModelId id() {
    return ModelId.fromWire(name, version);
  }

  @Override
  public FrameType type() {
    return FrameType.FETCH;
  }
}
