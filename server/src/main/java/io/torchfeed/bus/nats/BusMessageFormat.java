package io.torchfeed.bus.nats;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.torchfeed.event.Event;
import io.torchfeed.event.EventJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A bus message on the wire, headers aside from NATS' own: the {@value #ORIGIN_HEADER} header names the replica
 * that published it, the body is UTF-8 JSON. A catalog notice's body is the event exactly as {@link EventJson}
 * writes it (and as NOTICE frames and {@code /v1/events} carry it); a client receipt's wraps the receipt event:
 *
 * <pre>
 * {"event":"published","name":"toynet","version":2,"sha256":"...","size":257596}
 * {"receipt":{"event":"receipt","client":"7","name":"toynet","version":2,"sha256":"...","status":"loaded",
 *   "reason":"","libtorch":"1.13.1"},"at":"2024-05-01T12:00:00.123Z","client":{"address":"10.0.0.5:51234",
 *   "software":"torchfeed-cpp/0.1.0","libtorch":"1.13.1","connectedAt":"2024-05-01T11:59:58.001Z",
 *   "subscriptions":["toynet"]}}
 * </pre>
 *
 * <p>Reading ignores unknown keys (a newer replica may add some) and requires every known one with its type.
 */
public final class BusMessageFormat {
  /** The header naming the replica that published the message. */
  public static final String ORIGIN_HEADER = "Torchfeed-Origin";

  private static final Pattern REPLICA = Pattern.compile("[\\x21-\\x7e]{1,128}");
  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

  private BusMessageFormat() {}

  /**
   * Checks a replica id: 1-128 printable ASCII characters without spaces, as a header value may hold.
   *
   * @throws IllegalArgumentException with a one-line message when it is not one
   */
  public static String replica(String id) {
    if (id == null || !REPLICA.matcher(id).matches()) {
      String shown = String.valueOf(id).replaceAll("\\p{Cntrl}", "?");
      throw new IllegalArgumentException("bad replica id '" + shown + "': use 1-128 printable ASCII characters"
          + " without spaces");
    }
    return id;
  }

  /** The body of a catalog notice. */
  public static byte[] notice(Event event) {
    if (event instanceof Event.Receipt || event instanceof Event.Other) {
      throw new IllegalArgumentException("not a catalog change: " + event.kind());
    }
    return EventJson.utf8(event);
  }

  /** The body of a client receipt. */
  public static byte[] receipt(Event.Receipt receipt, String at, BusMessage.Client client) {
    ObjectNode json = MAPPER.createObjectNode();
    json.set("receipt", tree(EventJson.write(receipt)));
    json.put("at", at);
    ObjectNode c = json.putObject("client").put("address", client.address()).put("software", client.software())
        .put("libtorch", client.libtorch()).put("connectedAt", client.connectedAt());
    client.subscriptions().forEach(c.putArray("subscriptions")::add);
    try {
      return MAPPER.writeValueAsBytes(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Reads the body of a message of {@code kind} ({@link Subjects#NOTICE} or {@link Subjects#RECEIPT}) that
   * {@code origin} published.
   *
   * @throws IllegalArgumentException with a one-line message when the body is not one
   */
  public static BusMessage read(String kind, String origin, byte[] body) {
    String text = new String(body, StandardCharsets.UTF_8);
    return switch (kind) {
      case Subjects.NOTICE -> {
        Event event = EventJson.read(text);
        if (event instanceof Event.Receipt) {
          throw new IllegalArgumentException("a receipt event on the catalog subject");
        }
        yield new BusMessage.CatalogNotice(origin, event);
      }
      case Subjects.RECEIPT -> readReceipt(origin, text);
      default -> throw new IllegalArgumentException("no message kind " + kind);
    };
  }

  private static BusMessage.ClientReceipt readReceipt(String origin, String text) {
    JsonNode json = tree(text);
    if (!json.isObject()) {
      throw new IllegalArgumentException("a client receipt is a JSON object");
    }
    JsonNode receipt = json.get("receipt");
    if (receipt == null || !receipt.isObject()) {
      throw new IllegalArgumentException("client receipt: 'receipt' must be an object");
    }
    if (!(EventJson.read(receipt.toString()) instanceof Event.Receipt event)) {
      throw new IllegalArgumentException("client receipt: 'receipt' must be a receipt event");
    }
    JsonNode client = json.get("client");
    if (client == null || !client.isObject()) {
      throw new IllegalArgumentException("client receipt: 'client' must be an object");
    }
    JsonNode subscriptions = client.get("subscriptions");
    if (subscriptions == null || !subscriptions.isArray()) {
      throw new IllegalArgumentException("client receipt: 'client.subscriptions' must be an array of strings");
    }
    List<String> names = new ArrayList<>();
    for (JsonNode name : subscriptions) {
      if (!name.isTextual()) {
        throw new IllegalArgumentException("client receipt: 'client.subscriptions' must be an array of strings");
      }
      names.add(name.asText());
    }
    return new BusMessage.ClientReceipt(origin, event, text(json, "at", ""),
        new BusMessage.Client(text(client, "address", "client."), text(client, "software", "client."),
            text(client, "libtorch", "client."), text(client, "connectedAt", "client."), names));
  }

  private static String text(JsonNode json, String key, String path) {
    JsonNode value = json.get(key);
    if (value == null || !value.isTextual()) {
      throw new IllegalArgumentException("client receipt: '" + path + key + "' must be a string");
    }
    return value.asText();
  }

  private static JsonNode tree(String text) {
    try {
      JsonNode json = MAPPER.readTree(text);
      if (json == null) {
        throw new IllegalArgumentException("bad JSON: empty");
      }
      return json;
    } catch (IOException e) {
      throw new IllegalArgumentException("bad JSON: " + String.valueOf(e.getMessage()).lines().findFirst()
          .orElse(""), e);
    }
  }
}
