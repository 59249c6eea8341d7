package io.torchfeed.transport;

/** TLS cannot be set up from the files configured; the one-line message names the file and what is wrong. */
public final class TlsSetupException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  TlsSetupException(String message) {
    super(message);
  }
}
