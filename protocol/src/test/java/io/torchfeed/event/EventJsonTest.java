package io.torchfeed.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.model.LoadStatus;
import io.torchfeed.model.Manifest;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The event documents exactly as docs/http.md (Events) and docs/protocol.md 5.8 spell them. */
class EventJsonTest {
  private static final String SHA = "394b921c154f8706b2203aa859a6cfdc999dfec1a60532eaff0ebe546c22eaa4";

  static Stream<Arguments> documents() {
    return Stream.of(
        Arguments.of(new Event.Published("toynet", 2, SHA, 257596),
            "{\"event\":\"published\",\"name\":\"toynet\",\"version\":2,\"sha256\":\"" + SHA + "\",\"size\":257596}"),
        Arguments.of(new Event.Removed("toynet", 1), "{\"event\":\"removed\",\"name\":\"toynet\",\"version\":1}"),
        Arguments.of(new Event.AliasChanged("toynet", "stable", 2),
            "{\"event\":\"alias\",\"name\":\"toynet\",\"alias\":\"stable\",\"version\":2}"),
        Arguments.of(new Event.AliasChanged("toynet", "stable", 0),
            "{\"event\":\"alias\",\"name\":\"toynet\",\"alias\":\"stable\",\"version\":0}"),
        Arguments.of(new Event.Receipt("7", "toynet", 2, SHA, LoadStatus.LOADED, "", "1.13.1"),
            "{\"event\":\"receipt\",\"client\":\"7\",\"name\":\"toynet\",\"version\":2,\"sha256\":\"" + SHA
                + "\",\"status\":\"loaded\",\"reason\":\"\",\"libtorch\":\"1.13.1\"}"),
        Arguments.of(new Event.Receipt("7", "toynet", 2, SHA, LoadStatus.FAILED, "a \"quoted\"\nline", ""),
            "{\"event\":\"receipt\",\"client\":\"7\",\"name\":\"toynet\",\"version\":2,\"sha256\":\"" + SHA
                + "\",\"status\":\"failed\",\"reason\":\"a \\\"quoted\\\"\\nline\",\"libtorch\":\"\"}"));
  }

  @ParameterizedTest
  @MethodSource("documents")
  void writesTheDocumentedShape(Event event, String json) {
    assertEquals(json, EventJson.write(event));
  }

  @ParameterizedTest
  @MethodSource("documents")
  void readsItBack(Event event, String json) {
    assertEquals(event, EventJson.read(json));
  }

  @Test
  void aPublishedEventCarriesTheManifestsFacts() {
    Manifest manifest = new Manifest("toynet", 3, 17, SHA, 3, List.of(), List.of());
    assertEquals(new Event.Published("toynet", 3, SHA, 17), Event.Published.of(manifest));
  }

  @Test
  void readsKeysInAnyOrderAndIgnoresUnknownOnes() {
    assertEquals(new Event.Removed("a", 4),
        EventJson.read("{\"version\":4,\"x\":[{}],\"name\":\"a\",\"event\":\"removed\"}"));
  }

  @Test
  void anUnknownKindIsKeptAsReceived() {
    String json = "{ \"event\" : \"renamed\", \"name\":\"a\", \"to\":\"b\" }";
    Event event = EventJson.read(json);
    assertEquals(new Event.Other("renamed", "a", json), event);
    assertEquals(json, EventJson.write(event));
  }

  @Test
  void aMissingOrMistypedKeyIsNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> EventJson.read("{\"event\":\"alias\",\"name\":\"a\",\"alias\":7,\"version\":1}"));
    assertEquals("alias event: 'alias' must be a string", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> EventJson.read("{\"name\":\"a\"}"));
    assertEquals("event: 'event' must be a string", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> EventJson.read("{\"event\":"));
    assertTrue(e.getMessage().startsWith("bad JSON: "), e.getMessage());
  }
}
