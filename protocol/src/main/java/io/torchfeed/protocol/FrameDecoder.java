package io.torchfeed.protocol;

import java.nio.ByteBuffer;

/**
 * Cuts frames out of a byte stream, incrementally: feed it bytes as they arrive and it returns each frame
 * once all of it is there. Pure and single-threaded: one decoder per connection.
 *
 * <pre>
 *  0        1        2        3        4        5
 * +--------+--------+--------+--------+--------+=================+
 * |  type  |     length (u32, big-endian)      | payload (length) |
 * +--------+--------+--------+--------+--------+=================+
 * </pre>
 *
 * <p>Worked example, a MANIFEST request for the latest {@code toynet} ({@code 03-manifest.bin}, 17 bytes):
 *
 * <pre>
 * 03                      type 0x03 MANIFEST
 * 00 00 00 0c             length 12
 * 00 06 74 6f 79 6e 65 74 payload: name, 6 bytes "toynet"
 * 00 00 00 00                      version 0 (latest)
 * </pre>
 *
 * <p>The decoder reads the 5-byte header first and checks {@code length} against its maximum
 * <em>before</em> allocating: a length over the maximum (any u32 of 2^31 or more is over) throws {@link
 * FrameTooLargeException}, after which the stream cannot be resynchronised and the decoder refuses further
 * use.
 * A type byte it does not know is not an error here: the frame is returned whole so the caller can answer
 * UNSUPPORTED and carry on.
 *
 * <p>{@link #decode} consumes only the bytes of the frame it is assembling. Whatever follows a frame stays in
 * the caller's buffer: after a FETCH_HEADER frame those are the raw bytes of the file, which the caller reads
 * itself before calling {@code decode} again.
 */
public final class FrameDecoder {
  private final int maxPayloadLength;
  private final ByteBuffer header = ByteBuffer.allocate(Protocol.HEADER_LENGTH);
  private int type;
  private byte[] payload;
  private int filled;
  private boolean failed;

  /** A decoder accepting payloads of up to {@code maxPayloadLength} bytes. */
  public FrameDecoder(int maxPayloadLength) {
    if (maxPayloadLength < 0) {
      throw new IllegalArgumentException("negative maximum payload length " + maxPayloadLength);
    }
    this.maxPayloadLength = maxPayloadLength;
  }

  public int maxPayloadLength() {
    return maxPayloadLength;
  }

  /**
   * Consumes bytes of {@code in} up to the end of the current frame.
   *
   * @return the frame once it is complete, or {@code null} when {@code in} ran out first
   * @throws FrameTooLargeException when the header declares a payload over the maximum
   * @throws IllegalStateException  when called again after a {@code FrameTooLargeException}
   */
  public Frame decode(ByteBuffer in) {
    if (failed) {
      throw new IllegalStateException("frame decoder used after a framing error");
    }
    if (payload == null && !readHeader(in)) {
      return null;
    }
    int n = Math.min(in.remaining(), payload.length - filled);
    in.get(payload, filled, n);
    filled += n;
    if (filled < payload.length) {
      return null;
    }
    Frame frame = new Frame(type, payload);
    payload = null;
    filled = 0;
    header.clear();
    return frame;
  }

  /** Whether part of a frame has been consumed but not yet returned (a stream ending now is truncated). */
  public boolean hasPartialFrame() {
    return payload != null || header.position() > 0;
  }

  private boolean readHeader(ByteBuffer in) {
    while (header.hasRemaining() && in.hasRemaining()) {
      header.put(in.get());
    }
    if (header.hasRemaining()) {
      return false;
    }
    type = header.get(0) & 0xFF;
    long length = header.getInt(1) & 0xFFFF_FFFFL;
    if (length > maxPayloadLength) {
      failed = true;
      throw new FrameTooLargeException(length, maxPayloadLength);
    }
    payload = new byte[(int) length];
    return true;
  }
}
