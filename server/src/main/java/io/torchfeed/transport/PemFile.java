package io.torchfeed.transport;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The blocks of a PEM file (RFC 7468): {@code -----BEGIN LABEL-----}, base64, {@code -----END LABEL-----}. Text
 * outside the blocks (openssl's "Bag Attributes", comments) is ignored. Pure: parses text, reads no file.
 */
final class PemFile {
  private static final Pattern BLOCK = Pattern.compile(
      "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");

  /** One block: its label (e.g. {@code CERTIFICATE}, {@code PRIVATE KEY}) and its DER bytes. */
  record Block(String label, byte[] der) {}

  private PemFile() {}

  /** Every block in order; {@link IllegalArgumentException} for bad base64. */
  static List<Block> parse(String text) {
    List<Block> blocks = new ArrayList<>();
    Matcher m = BLOCK.matcher(text);
    while (m.find()) {
      try {
        blocks.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2).replaceAll("\\s", ""))));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("the " + m.group(1) + " block is not valid base64");
      }
    }
    return blocks;
  }
}
