package io.torchfeed.transport.http;

import io.torchfeed.model.InvalidRequestException;
import io.torchfeed.model.ModelId;
import io.torchfeed.model.NameLimit;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.PathTemplateMatch;
import java.util.Deque;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the model references of docs/http.md from a request: {@code {name}}, {@code {name}@{alias}}, a
 * version {@code {v}}: a positive integer, {@code latest} or {@code @alias}, and a blob's {@code {digest}}:
 * {@code sha256:<64 lower-case hex digits>}. Bad ones are {@link InvalidRequestException}s (400).
 */
final class PathParams {
  private static final Pattern SHA256_DIGEST = Pattern.compile("sha256:([0-9a-f]{64})");

  private PathParams() {}

  /** The {@code {name}} of the route, which must be a plain model name. */
  static String name(HttpServerExchange exchange) {
    return new ModelId(param(exchange, "name"), ModelId.LATEST).name();
  }

  /**
   * Refuses (400) a model or alias name of the route, {@code {name}}, {@code {name}@{alias}}, {@code {alias}} or
   * {@code {v}} = {@code @alias}, that is longer than the server's limit.
   */
  static void requireWithin(NameLimit names, HttpServerExchange exchange) {
    Map<String, String> params = exchange.getAttachment(PathTemplateMatch.ATTACHMENT_KEY).getParameters();
    if (!params.containsKey("name")) {
      return;
    }
    ModelId named = names.check(nameOrAlias(exchange));
    if (params.containsKey("alias")) {
      names.check(new ModelId(named.name(), ModelId.LATEST, param(exchange, "alias")));
    }
    if (params.containsKey("v")) {
      names.check(version(named.name(), param(exchange, "v")));
    }
  }

  /** {@code {name}} and {@code {v}}. */
  static ModelId version(HttpServerExchange exchange) {
    return version(name(exchange), param(exchange, "v"));
  }

  /** {@code {name}} alone, meaning the latest version, or {@code {name}@{alias}}. */
  static ModelId nameOrAlias(HttpServerExchange exchange) {
    String text = param(exchange, "name");
    int at = text.indexOf('@');
    return at < 0 ? new ModelId(text, ModelId.LATEST)
        : new ModelId(text.substring(0, at), ModelId.LATEST, text.substring(at + 1));
  }

  /** A version reference {@code v} of model {@code name}. */
  static ModelId version(String name, String v) {
    if (v.equals("latest")) {
      return new ModelId(name, ModelId.LATEST);
    }
    if (v.startsWith("@")) {
      return new ModelId(name, ModelId.LATEST, v.substring(1));
    }
    if (v.matches("[1-9][0-9]{0,9}") && Long.parseLong(v) <= Integer.MAX_VALUE) {
      return new ModelId(name, Integer.parseInt(v));
    }
    throw new InvalidRequestException("invalid version '" + v + "': use a positive integer, latest or @alias");
  }

  /** The hex of the route's {@code {digest}}. */
  static String sha256(HttpServerExchange exchange) {
    return sha256(param(exchange, "digest"));
  }

  /** The 64 hex digits of {@code sha256:<hex>}; another algorithm, upper-case or a wrong length is refused. */
  static String sha256(String digest) {
    Matcher matcher = SHA256_DIGEST.matcher(digest);
    if (!matcher.matches()) {
      String printable = digest.replaceAll("[^\\x21-\\x7e]", "?");
      String shown = printable.length() > 80 ? printable.substring(0, 80) + "..." : printable;
      throw new InvalidRequestException("invalid digest '" + shown
          + "': use sha256: and the 64 lower-case hex digits of the file's sha256");
    }
    return matcher.group(1);
  }

  static String param(HttpServerExchange exchange, String key) {
    String value = exchange.getAttachment(PathTemplateMatch.ATTACHMENT_KEY).getParameters().get(key);
    if (value == null) {
      throw new IllegalStateException("route has no {" + key + "}");
    }
    return value;
  }

  /** A query parameter, or null. */
  static String query(HttpServerExchange exchange, String key) {
    Deque<String> values = exchange.getQueryParameters().get(key);
    return values == null || values.isEmpty() ? null : values.getFirst();
  }

  /** A boolean query parameter: absent or {@code false} is false, {@code true} is true. */
  static boolean flag(HttpServerExchange exchange, String key) {
    String value = query(exchange, key);
    if (value == null || value.equals("false")) {
      return false;
    }
    if (value.equals("true")) {
      return true;
    }
    throw new InvalidRequestException("invalid " + key + " '" + value + "': use true or false");
  }
}
