package io.torchfeed.protocol;

/**
 * A frame whose payload does not match its message's layout: short, trailing bytes, a bad UTF-8 string, bad
 * JSON or a value out of range. The framing is intact, so the connection survives it.
 */
public final class MalformedMessageException extends ProtocolException {
  private static final long serialVersionUID = 1L;

  public MalformedMessageException(String message) {
    super(message);
  }

  public MalformedMessageException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public ErrorCode errorCode() {
    return ErrorCode.BAD_REQUEST;
  }

  @Override
  public boolean fatal() {
    return false;
  }
}
