package io.torchfeed.protocol;

/**
 * A frame of a type protocol version 1 does not define. Its length was sane and its payload has been read, so
 * the framing is intact and the connection survives it.
 */
public final class UnsupportedFrameTypeException extends ProtocolException {
  private static final long serialVersionUID = 1L;

  private final int type;

  public UnsupportedFrameTypeException(int type) {
    super("unknown frame type " + FrameType.hex(type));
    this.type = type;
  }

  /** The type byte received, 0..255. */
  public int type() {
    return type;
  }

  @Override
  public ErrorCode errorCode() {
    return ErrorCode.UNSUPPORTED;
  }

  @Override
  public boolean fatal() {
    return false;
  }
}
