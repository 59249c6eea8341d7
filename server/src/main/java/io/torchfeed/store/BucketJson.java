package io.torchfeed.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.torchfeed.model.ModelId;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * The JSON of the bucket's documents: {@link VersionRecord}s and alias maps ({@code {"stable": 3}}). Written compact,
 * read ignoring unknown keys (a newer replica may add some) but without coercing strings or fractions to numbers;
 * a malformed document is an {@link UnreadableObjectException} with a one-line reason.
 */
final class BucketJson {
  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
      .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();
  private static final TypeReference<TreeMap<String, Integer>> ALIASES = new TypeReference<>() {};

  private BucketJson() {}

  static byte[] write(VersionRecord record) {
    return bytes(record);
  }

  static byte[] writeAliases(Map<String, Integer> aliases) {
    return bytes(new TreeMap<>(aliases));
  }

  /** The record in {@code json}, checked against the model and version its key names. */
  static VersionRecord readRecord(byte[] json, String name, int version, String where) {
    VersionRecord record;
    try {
      record = MAPPER.readValue(json, VersionRecord.class);
    } catch (IOException e) {
      throw new UnreadableObjectException(where + ": not a version record: " + reason(e));
    }
    if (record == null) {
      throw new UnreadableObjectException(where + ": not a version record: null");
    }
    if (!record.manifest().name().equals(name) || record.manifest().version() != version) {
      throw new UnreadableObjectException(where + ": the record is of " + record.manifest().name() + ":"
          + record.manifest().version() + ", not " + name + ":" + version);
    }
    return record;
  }

  /** The alias map in {@code json}: alias names to positive versions. */
  static TreeMap<String, Integer> readAliases(byte[] json, String where) {
    TreeMap<String, Integer> aliases;
    try {
      aliases = MAPPER.readValue(json, ALIASES);
    } catch (IOException e) {
      throw new UnreadableObjectException(where + ": not an alias map: " + reason(e));
    }
    if (aliases == null) {
      throw new UnreadableObjectException(where + ": not an alias map: null");
    }
    for (Map.Entry<String, Integer> e : aliases.entrySet()) {
      if (!ModelId.isValidName(e.getKey()) || e.getValue() == null || e.getValue() <= 0) {
        throw new UnreadableObjectException(where + ": invalid alias '" + e.getKey() + "' -> " + e.getValue());
      }
    }
    return aliases;
  }

  private static byte[] bytes(Object document) {
    try {
      return MAPPER.writeValueAsBytes(document);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + document.getClass().getSimpleName() + " as JSON", e);
    }
  }

  private static String reason(IOException e) {
    String message = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
    String line = String.valueOf(message).replaceAll("\\s+", " ").strip();
    return line.length() > 200 ? line.substring(0, 200) + "..." : line;
  }
}
