package io.torchfeed.protocol;

import java.util.Optional;

/** The codes an ERROR frame carries (docs/protocol.md, section 4). */
public enum ErrorCode {
  /** Malformed payload, bad name, request before HELLO, offset past the end. */
  BAD_REQUEST(1),
  /** No such model, or no such version. */
  NOT_FOUND(2),
  /** Unknown frame type, bad magic, protocol version the server does not speak. */
  UNSUPPORTED(3),
  /** Frame length over the receiver's maximum. */
  TOO_LARGE(4),
  /** The server failed. */
  INTERNAL(5),
  /** The server is shutting down or over its connection limit. */
  UNAVAILABLE(6);

  private final int code;

  ErrorCode(int code) {
    this.code = code;
  }

  /** The u16 on the wire. */
  public int code() {
    return code;
  }

  /** The error code with this wire value, or empty when protocol version 1 defines none. */
  public static Optional<ErrorCode> of(int code) {
    for (ErrorCode c : values()) {
      if (c.code == code) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }
}
