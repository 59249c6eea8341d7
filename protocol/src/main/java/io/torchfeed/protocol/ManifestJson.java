package io.torchfeed.protocol;

import io.torchfeed.model.Manifest;

/**
 * The manifest document's bytes as the protocol sends them (compact UTF-8 JSON, keys in the order of section
 * 5.3). A server signs exactly these bytes and sends them unchanged; a client verifies the bytes it received and
 * parses those same bytes, so no side ever re-serialises a signed document.
 */
public final class ManifestJson {
  private ManifestJson() {}

  /**
   * The manifest as a client of {@code protocolVersion} is sent it: with its chunk digests from version 3 on,
   * without them before, so that a client of version 1 or 2 gets (and has signed) the very bytes it always got.
   */
  public static Manifest forVersion(Manifest manifest, int protocolVersion) {
    return protocolVersion >= Protocol.CHUNKS_VERSION ? manifest : manifest.withoutChunks();
  }

  /** The document of {@code manifest}, a fresh array: with its chunk digests when it has them. */
  public static byte[] write(Manifest manifest) {
    return Json.write(manifest);
  }

  /**
   * Parses a manifest document, e.g. the HTTP API's answer to an upload.
   *
   * @throws MalformedMessageException prefixed with {@code where} when the bytes are not one
   */
  public static Manifest read(byte[] json, String where) {
    return Json.read(new String(json, java.nio.charset.StandardCharsets.UTF_8), Manifest.class, where);
  }
}
