package io.torchfeed.protocol;

import java.nio.charset.StandardCharsets;

/** Constants of the protocol (docs/protocol.md), versions 1 to 3. */
public final class Protocol {
  /** Protocol version 1: what a client that does not check signatures sends in HELLO. */
  public static final int VERSION = 1;

  /**
   * Protocol version 2: version 1 plus signed manifests (docs/protocol.md, section 5.10). A client that checks
   * signatures sends it; the server then answers MANIFEST and FETCH with SIGNED_MANIFEST_RESULT and
   * SIGNED_FETCH_HEADER when it has a signing key.
   */
  public static final int SIGNED_VERSION = 2;

  /**
   * Protocol version 3: version 2 plus chunk digests (docs/protocol.md, section 5.3). A client that sends it gets
   * manifests with {@code chunkSize} and {@code chunks}; clients of versions 1 and 2 get the documents they always
   * got ({@link ManifestJson#forVersion}).
   */
  public static final int CHUNKS_VERSION = 3;

  /** The highest protocol version this codec speaks; HELLO and SERVER_HELLO carry 1 to this. */
  public static final int MAX_VERSION = CHUNKS_VERSION;

  /** The default TCP port. */
  public static final int DEFAULT_PORT = 7070;

  /** Bytes of a frame header: type (u8) and payload length (u32). */
  public static final int HEADER_LENGTH = 5;

  /** The largest request payload the server accepts by default (64 KiB, {@code --max-frame}). */
  public static final int MAX_REQUEST_PAYLOAD = 64 * 1024;

  /**
   * The largest response payload a client should accept (64 MiB): the manifest of a 100 GB model in 8 MiB chunks
   * is about 850 KB, so a file of about 8 TB still fits.
   */
  public static final int MAX_RESPONSE_PAYLOAD = 64 * 1024 * 1024;

  /** The largest byte count of a {@code str} field. */
  public static final int MAX_STRING_BYTES = 0xFFFF;

  /** Bytes of a {@code sha256} field. */
  public static final int SHA256_LENGTH = 32;

  static final byte[] MAGIC = "TFED".getBytes(StandardCharsets.US_ASCII);

  private Protocol() {}

  /** The four magic bytes {@code "TFED"} that open HELLO and SERVER_HELLO (a fresh copy). */
  public static byte[] magic() {
    return MAGIC.clone();
  }
}
