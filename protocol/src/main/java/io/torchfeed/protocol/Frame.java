package io.torchfeed.protocol;

import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * One frame as received: its type byte and its payload, not yet interpreted. The type may be one protocol
 * version 1 does not define ({@link #frameType()} is then empty); {@link MessageDecoder} turns a frame into a
 * {@link Message}.
 *
 * @param type    the type byte, 0..255
 * @param payload the payload (copied in, copied out)
 */
public record Frame(int type, byte[] payload) {
  public Frame {
    if (type < 0 || type > 0xFF) {
      throw new IllegalArgumentException("frame type " + type + " is not a byte");
    }
    payload = payload.clone();
  }

  public static Frame of(FrameType type, byte[] payload) {
    return new Frame(type.code(), payload);
  }

  /** The frame type, or empty for a type protocol version 1 does not define. */
  public Optional<FrameType> frameType() {
    return FrameType.of(type);
  }

  /** A copy of the payload. */
  @Override
  public byte[] payload() {
    return payload.clone();
  }

  /** The payload length in bytes. */
  public int length() {
    return payload.length;
  }

  /** The payload without copying, for the codec's reader only. */
  byte[] payloadArray() {
    return payload;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Frame f && f.type == type && Arrays.equals(f.payload, payload);
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, Arrays.hashCode(payload));
  }

  @Override
  public String toString() {
    return "Frame[type=" + FrameType.hex(type) + frameType().map(t -> " " + t).orElse("")
        + ", length=" + payload.length + "]";
  }
}
