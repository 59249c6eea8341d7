package io.torchfeed.protocol;

/**
 * The peer broke the protocol. The message is one line of English, fit for an ERROR frame as it is.
 *
 * <p>Each subtype knows the ERROR code the spec answers it with and whether the framing survived it
 * (docs/protocol.md, section 4), so a transport maps every case in one place with {@link
 * ErrorMessage#of(ProtocolException)}.
 */
public abstract class ProtocolException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  protected ProtocolException(String message) {
    super(message);
  }

  protected ProtocolException(String message, Throwable cause) {
    super(message, cause);
  }

  /** The code of the ERROR frame that answers this. */
  public abstract ErrorCode errorCode();

  /**
   * Whether the connection cannot continue: {@code true} after a framing error or a failed handshake,
   * {@code false} when the framing is intact and the next frame can still be read.
   */
  public abstract boolean fatal();
}
