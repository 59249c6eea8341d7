package io.torchfeed.protocol;

import io.torchfeed.model.ModelId;
import java.util.Objects;

/**
 * MANIFEST (0x03): asks for the manifest of one model version.
 *
 * <pre>
 * +----------+-------------+
 * | name str | version u32 |   version 0 = latest
 * +----------+-------------+
 * </pre>
 *
 * @param name    model name, as received (not validated here; see {@link #id()})
 * @param version the version, or 0 for the latest
 */
public record ManifestRequest(String name, int version) implements Message {
  public ManifestRequest {
    Objects.requireNonNull(name, "name");
    if (version < 0) {
      throw new IllegalArgumentException("negative version " + version);
    }
  }

  public static ManifestRequest of(ModelId id) {
    return new ManifestRequest(id.wireName(), id.version());
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
    return FrameType.MANIFEST;
  }
}
