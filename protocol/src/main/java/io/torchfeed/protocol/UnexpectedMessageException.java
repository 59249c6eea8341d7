package io.torchfeed.protocol;

/**
 * A well-formed message in the wrong place: a request before HELLO (fatal, BAD_REQUEST), a second HELLO or a
 * server-to-client type sent to the server (not fatal, UNSUPPORTED).
 */
public final class UnexpectedMessageException extends ProtocolException {
  private static final long serialVersionUID = 1L;
  private final ErrorCode code;
  private final boolean fatal;

  private UnexpectedMessageException(String message, ErrorCode code, boolean fatal) {
    super(message);
    this.code = code;
    this.fatal = fatal;
  }

  /** Any frame but HELLO opening a connection. */
  public static UnexpectedMessageException beforeHello(FrameType received) {
    return new UnexpectedMessageException("the first frame must be HELLO, not " + received, ErrorCode.BAD_REQUEST,
        true);
  }

  /** A message the receiver never accepts in this direction or at this point. */
  public static UnexpectedMessageException notAccepted(String message) {
    return new UnexpectedMessageException(message, ErrorCode.UNSUPPORTED, false);
  }

  @Override
  public ErrorCode errorCode() {
    return code;
  }

  @Override
  public boolean fatal() {
    return fatal;
  }
}
