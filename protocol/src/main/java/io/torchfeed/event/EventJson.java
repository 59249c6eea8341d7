package io.torchfeed.event;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.torchfeed.model.LoadStatus;
import java.nio.charset.StandardCharsets;

/**
 * The JSON shapes of every {@link Event}, in one place: NOTICE frames (docs/protocol.md 5.8) and the HTTP API's
 * {@code /v1/events} (docs/http.md, Events) both write them with {@link #write}. Written compact, {@code event}
 * first, then the keys in the order of the docs:
 *
 * <pre>
 * {"event":"published","name":"toynet","version":2,"sha256":"...","size":257596}
 * {"event":"removed","name":"toynet","version":1}
 * {"event":"alias","name":"toynet","alias":"stable","version":2}
 * {"event":"receipt","client":"7","name":"toynet","version":2,"sha256":"...","status":"loaded","reason":"",
 *  "libtorch":"1.13.1"}
 * </pre>
 *
 * <p>{@link #read} ignores unknown keys, requires every known one with its type, and turns an unknown
 * {@code event} into {@link Event.Other}.
 */
public final class EventJson {
  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

  private EventJson() {}

  /** The event as one compact JSON document. */
  public static String write(Event event) {
    if (event instanceof Event.Other other) {
      return other.json();
    }
    ObjectNode json = MAPPER.createObjectNode().put("event", event.kind());
    if (event instanceof Event.Published e) {
      json.put("name", e.name()).put("version", e.version()).put("sha256", e.sha256()).put("size", e.size());
    } else if (event instanceof Event.Removed e) {
      json.put("name", e.name()).put("version", e.version());
    } else if (event instanceof Event.AliasChanged e) {
      json.put("name", e.name()).put("alias", e.alias()).put("version", e.version());
    } else if (event instanceof Event.Receipt e) {
      json.put("client", e.client()).put("name", e.name()).put("version", e.version()).put("sha256", e.sha256())
          .put("status", e.status().json()).put("reason", e.reason()).put("libtorch", e.libtorch());
    }
    try {
      return MAPPER.writeValueAsString(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@link #write} as UTF-8 bytes. */
  public static byte[] utf8(Event event) {
    return write(event).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Parses one event document.
   *
   * @throws IllegalArgumentException with a one-line message when the text is not one
   */
  public static Event read(String text) {
    JsonNode json;
    try {
      json = MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("bad JSON: " + String.valueOf(e.getOriginalMessage())
          .replaceAll("\\s+", " ").replaceFirst(" \\(.*$", ""), e);
    }
    if (json == null || !json.isObject()) {
      throw new IllegalArgumentException("an event is a JSON object");
    }
    String kind = text(json, "event");
    return switch (kind) {
      case "published" -> new Event.Published(text(json, "name"), integer(json, "version"),
          text(json, "sha256"), size(json, "size"));
      case "removed" -> new Event.Removed(text(json, "name"), integer(json, "version"));
      case "alias" -> new Event.AliasChanged(text(json, "name"), text(json, "alias"), integer(json, "version"));
      case "receipt" -> new Event.Receipt(text(json, "client"), text(json, "name"), integer(json, "version"),
          text(json, "sha256"), status(json), text(json, "reason"), text(json, "libtorch"));
      default -> new Event.Other(kind, json.path("name").isTextual() ? json.get("name").asText() : "", text);
    };
  }

  private static String text(JsonNode json, String key) {
    JsonNode value = json.get(key);
    if (value == null || !value.isTextual()) {
      throw missing(json, key, "a string");
    }
    return value.asText();
  }

  private static int integer(JsonNode json, String key) {
    JsonNode value = json.get(key);
    if (value == null || !value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < 0) {
      throw missing(json, key, "an integer from 0 to " + Integer.MAX_VALUE);
    }
    return value.intValue();
  }

  private static long size(JsonNode json, String key) {
    JsonNode value = json.get(key);
    if (value == null || !value.isIntegralNumber() || !value.canConvertToLong() || value.longValue() < 0) {
      throw missing(json, key, "a non-negative integer");
    }
    return value.longValue();
  }

  private static LoadStatus status(JsonNode json) {
    return LoadStatus.ofJson(text(json, "status"))
        .orElseThrow(() -> missing(json, "status", "\"loaded\" or \"failed\""));
  }

  private static IllegalArgumentException missing(JsonNode json, String key, String expected) {
    String kind = json.path("event").isTextual() ? json.get("event").asText() + " " : "";
    return new IllegalArgumentException(kind + "event: '" + key + "' must be " + expected);
  }
}
