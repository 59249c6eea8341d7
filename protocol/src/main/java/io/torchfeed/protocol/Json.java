package io.torchfeed.protocol;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.regex.Pattern;

/**
 * The JSON documents of the protocol: written compact with keys in {@code @JsonPropertyOrder} order; read
 * ignoring unknown keys but requiring every known one, with no coercion of strings or fractions to numbers.
 */
final class Json {
  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
      .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

  private static final Pattern HINT = Pattern.compile(
      "\\s*(\\((but |set |start marker)|; `|: not allowed as per).*$");

  private Json() {}

  /** The document as compact UTF-8 JSON. */
  static byte[] write(Object document) {
    try {
      return MAPPER.writeValueAsBytes(document);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot write " + document.getClass().getSimpleName()
          + " as JSON: " + e.getOriginalMessage(), e);
    }
  }

  /**
   * Parses one document.
   *
   * @throws MalformedMessageException prefixed with {@code where} when the text is not such a document
   */
  static <T> T read(String text, Class<T> type, String where) {
    T value;
    try {
      value = MAPPER.readValue(text, type);
    } catch (JsonProcessingException e) {
      throw new MalformedMessageException(where + ": bad JSON: " + describe(e), e);
    }
    if (value == null) {
      throw new MalformedMessageException(where + ": bad JSON: null instead of an object");
    }
    return value;
  }

  /** Jackson's message, shortened to one line without Java package names and configuration hints. */
  private static String describe(JsonProcessingException e) {
    String text = String.valueOf(e.getOriginalMessage()).replaceAll("\\s+", " ");
    text = HINT.matcher(text).replaceFirst("");
    text = text.replaceAll("(io\\.torchfeed\\.model|java\\.util|java\\.lang)\\.", "").strip();
    if (text.length() > 200) {
      text = text.substring(0, 200) + "...";
    }
    if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
      return text + " at " + path(m);
    }
    JsonLocation at = e.getLocation();
    return at != null && at.getColumnNr() > 0 ? text + " at character " + at.getColumnNr() : text;
  }

  private static String path(JsonMappingException e) {
    StringBuilder path = new StringBuilder();
    for (JsonMappingException.Reference ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        path.append(path.length() > 0 ? "." : "").append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        path.append('[').append(ref.getIndex()).append(']');
      }
    }
    return path.toString();
  }
}
