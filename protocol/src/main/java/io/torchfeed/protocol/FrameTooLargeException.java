package io.torchfeed.protocol;

/**
 * A frame header declared a payload longer than the receiver's maximum. Fatal: the receiver cannot know where
 * the next frame starts without reading the oversized one.
 */
public final class FrameTooLargeException extends ProtocolException {
  private static final long serialVersionUID = 1L;

  private final long length;
  private final int maxLength;

  public FrameTooLargeException(long length, int maxLength) {
    super("frame of " + length + " bytes exceeds the limit of " + maxLength);
    this.length = length;
    this.maxLength = maxLength;
  }

  /** The payload length the header declared, as an unsigned u32. */
  public long length() {
    return length;
  }

  /** The receiver's maximum payload length. */
  public int maxLength() {
    return maxLength;
  }

  @Override
  public ErrorCode errorCode() {
    return ErrorCode.TOO_LARGE;
  }

  @Override
  public boolean fatal() {
    return true;
  }
}
