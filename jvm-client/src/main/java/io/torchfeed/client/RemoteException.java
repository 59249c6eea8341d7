package io.torchfeed.client;

import io.torchfeed.protocol.ErrorCode;
import io.torchfeed.protocol.ErrorMessage;

/** The server answered a request with an ERROR frame. */
public class RemoteException extends ClientException {
  private static final long serialVersionUID = 1L;
  private final ErrorCode code;
  private final boolean fatal;

  public RemoteException(ErrorMessage error) {
    super(error.code().name() + ": " + error.message());
    this.code = error.code();
    this.fatal = error.fatal();
  }

  public ErrorCode code() {
    return code;
  }

  /** True when the server closed the connection after this error. */
  public boolean fatal() {
    return fatal;
  }
}
