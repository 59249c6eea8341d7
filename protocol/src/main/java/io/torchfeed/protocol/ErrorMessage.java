package io.torchfeed.protocol;

import java.util.Objects;

/**
 * ERROR (0xFF): a request failed, or the connection is about to close.
 *
 * <pre>
 * +------------+----------+-------------+
 * | code (u16) | fatal u8 | message str |
 * +------------+----------+-------------+
 * </pre>
 *
 * @param code    what went wrong
 * @param fatal   whether the server closes the connection right after this frame
 * @param message one line of English, shown to a person as it is
 */
public record ErrorMessage(ErrorCode code, boolean fatal, String message) implements Message {
  public ErrorMessage {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(message, "message");
  }

  /** The ERROR that answers a protocol violation: its code, fatality and message. */
  public static ErrorMessage of(ProtocolException e) {
    return new ErrorMessage(e.errorCode(), e.fatal(), e.getMessage());
  }

  @Override
  public FrameType type() {
    return FrameType.ERROR;
  }
}
