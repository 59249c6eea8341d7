package io.torchfeed.store;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Where the bucket store is: {@code s3://BUCKET[/PREFIX]} and how to reach it (the S3 endpoint, the region, path-style
 * addressing). Every key the store writes starts with the prefix (see {@link #key(String)}).
 *
 * @param bucket    an S3 bucket name (3-63 of a-z 0-9 . -, starting and ending with a letter or digit)
 * @param prefix    the keys' common prefix without leading or trailing slashes, or empty
 * @param endpoint  the S3 service's base URI ({@code http} or {@code https}), or null for AWS's endpoint of the region
 * @param region    the signing region ({@value #DEFAULT_REGION} unless given)
 * @param pathStyle address the bucket as {@code ENDPOINT/BUCKET/KEY} rather than {@code BUCKET.ENDPOINT/KEY}
 */
public record StoreLocation(String bucket, String prefix, URI endpoint, String region, boolean pathStyle) {
  public static final String DEFAULT_REGION = "us-east-1";

  private static final String SCHEME = "s3://";
  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
  private static final Pattern IPV4 = Pattern.compile("[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+");
  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._-]+");
  private static final Pattern REGION = Pattern.compile("[a-z0-9-]{1,64}");

  public StoreLocation {
    checkBucket(bucket);
    checkPrefix(prefix);
    checkEndpoint(endpoint);
    if (region == null || !REGION.matcher(region).matches()) {
      throw new IllegalArgumentException("invalid S3 region '" + region + "': use a-z 0-9 - (e.g. "
          + DEFAULT_REGION + ")");
    }
  }

  /**
   * Parses {@code s3://BUCKET[/PREFIX]}; a trailing slash is dropped.
   *
   * @param region the region, or null for {@value #DEFAULT_REGION}
   * @throws IllegalArgumentException with a one-line reason when {@code uri} or {@code endpoint} is not usable
   */
  public static StoreLocation parse(String uri, String endpoint, String region, boolean pathStyle) {
    if (uri == null || !uri.startsWith(SCHEME)) {
      throw new IllegalArgumentException("invalid store '" + uri + "': expected s3://BUCKET[/PREFIX]");
    }
    String rest = uri.substring(SCHEME.length());
    int slash = rest.indexOf('/');
    String bucket = slash < 0 ? rest : rest.substring(0, slash);
    String prefix = slash < 0 ? "" : rest.substring(slash + 1);
    if (prefix.endsWith("/")) {
      prefix = prefix.substring(0, prefix.length() - 1);
    }
    return new StoreLocation(bucket, prefix, endpoint == null ? null : endpointUri(endpoint),
        region == null ? DEFAULT_REGION : region, pathStyle);
  }

  /** {@code relative} under the prefix: {@code PREFIX/relative}, or {@code relative} when there is no prefix. */
  public String key(String relative) {
    return prefix.isEmpty() ? relative : prefix + "/" + relative;
  }

  /** {@code s3://BUCKET/KEY}, for messages. */
  public String describe(String key) {
    return SCHEME + bucket + "/" + key;
  }

  /** {@code s3://BUCKET[/PREFIX]}. */
  @Override
  public String toString() {
    return SCHEME + bucket + (prefix.isEmpty() ? "" : "/" + prefix);
  }

  private static URI endpointUri(String text) {
    try {
      return new URI(text);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("invalid S3 endpoint '" + text + "': " + e.getReason());
    }
  }

  private static void checkBucket(String bucket) {
    if (bucket == null || bucket.isEmpty()) {
      throw new IllegalArgumentException("invalid store: no bucket name in s3://BUCKET[/PREFIX]");
    }
    if (!BUCKET.matcher(bucket).matches() || bucket.contains("..") || IPV4.matcher(bucket).matches()) {
      throw new IllegalArgumentException("invalid bucket name '" + bucket + "': use 3-63 of a-z 0-9 . - starting"
          + " and ending with a letter or digit, without '..', not an IP address");
    }
  }

  private static void checkPrefix(String prefix) {
    if (prefix == null) {
      throw new IllegalArgumentException("invalid store prefix: null");
    }
    if (prefix.isEmpty()) {
      return;
    }
    for (String segment : prefix.split("/", -1)) {
      if (!SEGMENT.matcher(segment).matches() || segment.equals(".") || segment.equals("..")) {
        throw new IllegalArgumentException("invalid store prefix '" + prefix + "': use segments of A-Z a-z 0-9"
            + " . _ - separated by single slashes, without '.' or '..' segments");
      }
    }
  }

  private static void checkEndpoint(URI endpoint) {
    if (endpoint == null) {
      return;
    }
    String scheme = endpoint.getScheme() == null ? "" : endpoint.getScheme().toLowerCase(Locale.ROOT);
    boolean bare = endpoint.getRawPath() == null || endpoint.getRawPath().isEmpty()
        || endpoint.getRawPath().equals("/");
    if (!(scheme.equals("http") || scheme.equals("https")) || endpoint.getHost() == null || !bare
        || endpoint.getRawQuery() != null || endpoint.getRawFragment() != null || endpoint.getRawUserInfo() != null) {
      throw new IllegalArgumentException("invalid S3 endpoint '" + endpoint + "': expected http(s)://HOST[:PORT]");
    }
  }
}
