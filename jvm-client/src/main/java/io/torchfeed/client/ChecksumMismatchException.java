package io.torchfeed.client;

/**
 * The bytes received are not those the manifest describes: a chunk whose SHA-256 is not its digest (the message
 * names its index, offset and both digests), or a whole file whose sha256 or size is not the manifest's. Not
 * retried (another copy of the same bytes would fail alike); the bytes were discarded.
 */
public class ChecksumMismatchException extends ClientException {
  private static final long serialVersionUID = 1L;

  public ChecksumMismatchException(String message) {
    super(message);
  }
}
