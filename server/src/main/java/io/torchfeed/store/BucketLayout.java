package io.torchfeed.store;

import io.torchfeed.model.ModelId;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The keys of torchfeed's objects in a bucket, under the location's prefix (docs/store.md):
 *
 * <pre>
 * PREFIX/blobs/sha256/HEX                  a model file's bytes, named by their sha256 (64 lower-case hex digits)
 * PREFIX/models/NAME/versions/V.json       version V of model NAME: its manifest, who published it and when
 * PREFIX/models/NAME/aliases.json          NAME's aliases: {"stable": 3, "canary": 4}
 * </pre>
 *
 * Version numbers are decimal without leading zeros ({@code 12.json}, not {@code 012.json}); names are model names
 * ({@link ModelId#isValidName}), which need no escaping in a key.
 */
public final class BucketLayout {
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern MODEL_KEY = Pattern.compile(
      "models/([^/]+)/(?:versions/([1-9][0-9]{0,8})\\.json|(aliases\\.json))");

  /** What a key under {@code models/} names: a version record ({@code version > 0}) or an alias map (0). */
  public record ModelKey(String name, int version) {
    public boolean isAliases() {
      return version == 0;
    }
  }

  private final String prefix;

  /** Keys under {@code prefix} (no leading or trailing slash; empty for the bucket's root). */
  public BucketLayout(String prefix) {
    this.prefix = prefix.isEmpty() ? "" : prefix + "/";
  }

  public String blob(String sha256) {
    if (!SHA256.matcher(sha256).matches()) {
      throw new IllegalArgumentException("not a sha256: '" + sha256 + "'");
    }
    return prefix + "blobs/sha256/" + sha256;
  }

  /** The prefix of every model's keys. */
  public String models() {
    return prefix + "models/";
  }

  /** The prefix of {@code name}'s version records. */
  public String versions(String name) {
    return prefix + "models/" + checked(name) + "/versions/";
  }

  public String version(String name, int version) {
    if (version <= 0) {
      throw new IllegalArgumentException("invalid version " + version);
    }
    return versions(name) + version + ".json";
  }

  public String aliases(String name) {
    return prefix + "models/" + checked(name) + "/aliases.json";
  }

  /** The model and version (or alias map) {@code key} names, or empty for any other key. */
  public Optional<ModelKey> parse(String key) {
    if (!key.startsWith(prefix)) {
      return Optional.empty();
    }
    Matcher m = MODEL_KEY.matcher(key.substring(prefix.length()));
    if (!m.matches() || !ModelId.isValidName(m.group(1))) {
      return Optional.empty();
    }
    return Optional.of(new ModelKey(m.group(1), m.group(3) != null ? 0 : Integer.parseInt(m.group(2))));
  }

  private static String checked(String name) {
    if (!ModelId.isValidName(name)) {
      throw new IllegalArgumentException("invalid model name '" + name + "'");
    }
    return name;
  }
}
