package io.torchfeed.model;

/**
 * The longest model or alias name a server accepts ({@code --max-name-length}): at most the protocol's own
 * {@link ModelId#MAX_NAME_LENGTH}, lower when the operator wants it. A longer name in a request is an
 * {@link InvalidRequestException} (TCP BAD_REQUEST, HTTP 400); a longer directory in the repository is skipped.
 *
 * @param max the longest name, 1 to {@link ModelId#MAX_NAME_LENGTH}
 */
public record NameLimit(int max) {
  /** The protocol's limit, the default. */
  public static final NameLimit PROTOCOL = new NameLimit(ModelId.MAX_NAME_LENGTH);

  public NameLimit {
    if (max < 1 || max > ModelId.MAX_NAME_LENGTH) {
      throw new IllegalArgumentException("the name length limit must be 1 to " + ModelId.MAX_NAME_LENGTH + ", not "
          + max);
    }
  }

  /** {@code id}, when its name and alias are within the limit. */
  public ModelId check(ModelId id) {
    check("model name", id.name());
    if (id.alias() != null) {
      check("alias", id.alias());
    }
    return id;
  }

  /** {@code name} (a {@code what}: "model name", "alias"), when it is within the limit. */
  public String check(String what, String name) {
    if (!allows(name)) {
      String shown = name.length() > 16 ? name.substring(0, 16) + "..." : name;
      throw new InvalidRequestException("invalid " + what + " '" + shown + "': " + name.length()
          + " characters, at most " + max + " are allowed on this server");
    }
    return name;
  }

  public boolean allows(String name) {
    return name.length() <= max;
  }
}
