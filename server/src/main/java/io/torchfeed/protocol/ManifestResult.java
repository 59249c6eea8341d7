package io.torchfeed.protocol;

import io.torchfeed.model.Manifest;
import java.util.Objects;

/**
 * MANIFEST_RESULT (0x83): the whole payload is the {@link Manifest} as compact JSON, keys in the order
 * {@code name, version, size, sha256, formatVersion, parameters, buffers}.
 */
public record ManifestResult(Manifest manifest) implements Message {
  public ManifestResult {
    Objects.requireNonNull(manifest, "manifest");
  }

  @Override
  public FrameType type() {
    return FrameType.MANIFEST_RESULT;
  }
}
