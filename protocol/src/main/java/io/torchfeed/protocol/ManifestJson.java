package io.torchfeed.protocol;

import io.torchfeed.model.Manifest;

/**
 * The manifest document's bytes as the protocol sends them (compact UTF-8 JSON, keys in the order of section
 * 5.3). A server signs exactly these bytes and sends them unchanged; a client verifies the bytes it received and
 * parses those same bytes, so no side ever re-serialises a signed document.
 */
public final class ManifestJson {
  private ManifestJson() {}

  /** The document of {@code manifest}, a fresh array. */
  public static byte[] write(Manifest manifest) {
    return Json.write(manifest);
  }
}
