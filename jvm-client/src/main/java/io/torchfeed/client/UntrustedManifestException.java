package io.torchfeed.client;

/**
 * A manifest refused under {@code --trust-key}: unsigned, signed by another key, a signature that does not verify,
 * or a signed manifest that does not describe what was asked for or what is being sent. Nothing was written or
 * loaded; the connection stays usable.
 */
public final class UntrustedManifestException extends ClientException {
  private static final long serialVersionUID = 1L;

  public UntrustedManifestException(String message) {
    super(message);
  }
}
