package io.torchfeed.protocol;

import java.util.Optional;

/** The frame types of the protocol and their wire codes (docs/protocol.md, section 2; 0x88 and 0x89: version 2). */
public enum FrameType {
  HELLO(0x01),
  LIST(0x02),
  MANIFEST(0x03),
  FETCH(0x04),
  SUBSCRIBE(0x05),
  RECEIPT(0x06),
  SERVER_HELLO(0x81),
  LIST_RESULT(0x82),
  MANIFEST_RESULT(0x83),
  FETCH_HEADER(0x84),
  SUBSCRIBED(0x85),
  NOTICE(0x86),
  RECEIPT_OK(0x87),
  SIGNED_MANIFEST_RESULT(0x88),
  SIGNED_FETCH_HEADER(0x89),
  ERROR(0xFF);

  private static final FrameType[] BY_CODE = new FrameType[256];

  static {
    for (FrameType type : values()) {
      BY_CODE[type.code] = type;
    }
  }

  private final int code;

  FrameType(int code) {
    this.code = code;
  }

  /** The type byte on the wire, 0..255. */
  public int code() {
    return code;
  }

  /** The frame type with this wire code, or empty when the protocol defines none. */
  public static Optional<FrameType> of(int code) {
    return code >= 0 && code < BY_CODE.length ? Optional.ofNullable(BY_CODE[code]) : Optional.empty();
  }

  /** The wire code as two hex digits, e.g. {@code 0x84}. */
  public static String hex(int code) {
    return String.format("0x%02X", code);
  }
}
