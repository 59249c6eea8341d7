package io.torchfeed.protocol;

/**
 * A HELLO or SERVER_HELLO with a bad magic or a protocol version outside {@link Protocol#VERSION} to {@link
 * Protocol#MAX_VERSION}: the peer does not speak this protocol. Fatal.
 */
public final class UnsupportedProtocolException extends ProtocolException {
  private static final long serialVersionUID = 1L;

  public UnsupportedProtocolException(String message) {
    super(message);
  }

  @Override
  public ErrorCode errorCode() {
    return ErrorCode.UNSUPPORTED;
  }

  @Override
  public boolean fatal() {
    return true;
  }
}
