package io.torchfeed.signing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads one PEM block of a given label from a key file, and writes one. */
final class Pem {
  private static final Pattern BLOCK = Pattern.compile(
      "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
  private static final int MAX_FILE = 64 * 1024;

  private Pem() {}

  /**
   * The DER bytes of the first block labelled {@code label} in {@code file}.
   *
   * @param what how the file is named in errors, e.g. "signing key"
   * @throws SigningKeyException naming the file and what is wrong
   */
  static byte[] read(Path file, String label, String what) {
    String text;
    try {
      if (Files.size(file) > MAX_FILE) {
        throw new SigningKeyException(what + " " + file + " is not a PEM key file (over 64 KiB)");
      }
      text = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (NoSuchFileException e) {
      throw new SigningKeyException(what + " " + file + " does not exist", e);
    } catch (IOException e) {
      throw new SigningKeyException("cannot read " + what + " " + file + ": " + e.getMessage(), e);
    }
    Matcher m = BLOCK.matcher(text);
    while (m.find()) {
      if (m.group(1).equals(label)) {
        try {
          return Base64.getMimeDecoder().decode(m.group(2));
        } catch (IllegalArgumentException e) {
          throw new SigningKeyException(what + " " + file + ": bad base64 in its " + label + " block", e);
        }
      }
    }
    m.reset();
    String found = !m.find() ? "no PEM block"
        : ("AEIOU".indexOf(m.group(1).charAt(0)) >= 0 ? "an " : "a ") + m.group(1) + " block";
    throw new SigningKeyException(what + " " + file + " holds " + found + ", not a " + label + " block");
  }

  /** One PEM block, lines of 64 characters, ending with a newline. */
  static String write(String label, byte[] der) {
    String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n";
  }
}
