package io.torchfeed.protocol;

import java.nio.charset.StandardCharsets;

/** Constants of protocol version 1 (docs/protocol.md). */
public final class Protocol {
  /** The protocol version this codec speaks and accepts in HELLO and SERVER_HELLO. */
  public static final int VERSION = 1;

  /** The default TCP port. */
  public static final int DEFAULT_PORT = 7070;

  /** Bytes of a frame header: type (u8) and payload length (u32). */
  public static final int HEADER_LENGTH = 5;

  /** The largest request payload the server accepts by default (64 KiB, {@code --max-frame}). */
  public static final int MAX_REQUEST_PAYLOAD = 64 * 1024;

  /** The largest response payload a client should accept (64 MiB). */
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
