package io.torchfeed.model;

import java.util.regex.Pattern;

/**
 * What a request names: a model and either a version ({@code toynet:3}), an alias ({@code toynet@stable}) or
 * neither, meaning the latest version ({@code toynet}; version 0 on the wire). Aliases are names like models'.
 *
 * @param name    model name, {@code [A-Za-z0-9][A-Za-z0-9._-]{0,127}}
 * @param version a positive version, or 0 for "latest or the alias"
 * @param alias   an alias name, or null
 */
public record ModelId(String name, int version, String alias) {
  public static final int LATEST = 0;
  /** The longest model or alias name, a fixed limit (names are directory names in the repository). */
  public static final int MAX_NAME_LENGTH = 128;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0," + (MAX_NAME_LENGTH - 1) + "}");

  public ModelId {
    checkName("model name", name);
    if (version < 0) {
      throw new InvalidRequestException("invalid version " + Integer.toUnsignedString(version));
    }
    if (alias != null) {
      checkName("alias", alias);
    }
    if (alias != null && version != LATEST) {
      throw new InvalidRequestException("give a version or an alias, not both");
    }
  }

  public ModelId(String name, int version) {
    this(name, version, null);
  }

  private static void checkName(String what, String name) {
    if (isValidName(name)) {
      return;
    }
    if (name != null && name.length() > MAX_NAME_LENGTH) {
      throw new InvalidRequestException("invalid " + what + " '" + printable(name.substring(0, 16)) + "...': "
          + name.length() + " characters, at most " + MAX_NAME_LENGTH + " are allowed");
    }
    throw new InvalidRequestException("invalid " + what + " '" + printable(name) + "': use 1-" + MAX_NAME_LENGTH
        + " of A-Z a-z 0-9 . _ - starting with a letter or digit");
  }

  public static boolean isValidName(String name) {
    return name != null && NAME.matcher(name).matches();
  }

  /** Parses {@code NAME}, {@code NAME:VERSION} or {@code NAME@ALIAS}. */
  public static ModelId parse(String text) {
    int at = text.indexOf('@');
    if (at >= 0) {
      return new ModelId(text.substring(0, at), LATEST, text.substring(at + 1));
    }
    int colon = text.lastIndexOf(':');
    if (colon < 0) {
      return new ModelId(text, LATEST);
    }
    String version = text.substring(colon + 1);
    try {
      int v = Integer.parseInt(version);
      if (v <= 0) {
        throw new NumberFormatException();
      }
      return new ModelId(text.substring(0, colon), v);
    } catch (NumberFormatException e) {
      throw new InvalidRequestException("invalid version '" + printable(version) + "' in '"
          + printable(text) + "': expected a positive integer");
    }
  }

  /** From a request's name field ({@code NAME} or {@code NAME@ALIAS}) and version field (0 = latest). */
  public static ModelId fromWire(String nameField, int version) {
    int at = nameField.indexOf('@');
    if (at < 0) {
      return new ModelId(nameField, version);
    }
    return new ModelId(nameField.substring(0, at), version, nameField.substring(at + 1));
  }

  /** The name field a request carries: {@code NAME} or {@code NAME@ALIAS}. */
  public String wireName() {
    return alias == null ? name : name + "@" + alias;
  }

  public boolean isLatest() {
    return version == LATEST && alias == null;
  }

  @Override
  public String toString() {
    if (alias != null) {
      return name + "@" + alias;
    }
    return version == LATEST ? name : name + ":" + version;
  }

  private static String printable(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder();
    s.codePoints().limit(140).forEach(c -> {
      if (c < 0x20 || c == 0x7f) {
        out.append(String.format("\\x%02x", c));
      } else {
        out.appendCodePoint(c);
      }
    });
    return out.toString();
  }
}
