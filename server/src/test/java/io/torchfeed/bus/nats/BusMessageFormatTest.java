package io.torchfeed.bus.nats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.event.Event;
import io.torchfeed.event.EventJson;
import io.torchfeed.model.LoadStatus;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class BusMessageFormatTest {
  private static final String SHA = "0f".repeat(32);
  private static final Event.Receipt RECEIPT =
      new Event.Receipt("7", "toynet", 2, SHA, LoadStatus.LOADED, "", "1.13.1");
  private static final BusMessage.Client CLIENT = new BusMessage.Client("10.0.0.5:51234", "torchfeed-cpp/0.1.0",
      "1.13.1", "2024-05-01T11:59:58.001Z", List.of("toynet"));

  @Test
  void aNoticeIsTheEventAsEveryOtherChannelCarriesIt() {
    for (Event event : List.of(new Event.Published("toynet", 2, SHA, 257_596), new Event.Removed("toynet", 1),
        new Event.AliasChanged("toynet", "stable", 0))) {
      byte[] body = BusMessageFormat.notice(event);
      assertArrayEquals(EventJson.utf8(event), body);
      assertEquals(new BusMessage.CatalogNotice("b", event), BusMessageFormat.read(Subjects.NOTICE, "b", body));
    }
  }

  @Test
  void aReceiptWrapsTheReceiptEventWithTheClient() {
    byte[] body = BusMessageFormat.receipt(RECEIPT, "2024-05-01T12:00:00.123Z", CLIENT);
    assertEquals("{\"receipt\":" + EventJson.write(RECEIPT) + ",\"at\":\"2024-05-01T12:00:00.123Z\",\"client\":"
        + "{\"address\":\"10.0.0.5:51234\",\"software\":\"torchfeed-cpp/0.1.0\",\"libtorch\":\"1.13.1\","
        + "\"connectedAt\":\"2024-05-01T11:59:58.001Z\",\"subscriptions\":[\"toynet\"]}}",
        new String(body, StandardCharsets.UTF_8));
    assertEquals(new BusMessage.ClientReceipt("b", RECEIPT, "2024-05-01T12:00:00.123Z", CLIENT),
        BusMessageFormat.read(Subjects.RECEIPT, "b", body));
  }

  @Test
  void unknownKeysAndUnknownEventsFromANewerReplicaAreTolerated() {
    String receipt = "{\"receipt\":" + EventJson.write(RECEIPT) + ",\"at\":\"t\",\"zone\":\"eu\",\"client\":"
        + "{\"address\":\"a\",\"software\":\"\",\"libtorch\":\"\",\"connectedAt\":\"c\",\"subscriptions\":[],"
        + "\"tls\":true}}";
    assertEquals(new BusMessage.ClientReceipt("b", RECEIPT, "t", new BusMessage.Client("a", "", "", "c", List.of())),
        BusMessageFormat.read(Subjects.RECEIPT, "b", receipt.getBytes(StandardCharsets.UTF_8)));
    String future = "{\"event\":\"retired\",\"name\":\"toynet\"}";
    assertEquals(new BusMessage.CatalogNotice("b", new Event.Other("retired", "toynet", future)),
        BusMessageFormat.read(Subjects.NOTICE, "b", future.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void aNoticeIsACatalogChange() {
    assertThrows(IllegalArgumentException.class, () -> BusMessageFormat.notice(RECEIPT));
    assertThrows(IllegalArgumentException.class, () -> BusMessageFormat.read(Subjects.NOTICE, "b",
        EventJson.utf8(RECEIPT)));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "notice  | ''                                         | an event is a JSON object",
      "notice  | '{\"event\":'                              | bad JSON",
      "notice  | '{\"event\":\"removed\",\"name\":\"a\"}'   | removed event: 'version' must be",
      "receipt | '[]'                                       | a client receipt is a JSON object",
      "receipt | '{\"at\":\"t\"}'                           | client receipt: 'receipt' must be an object",
      "receipt | '{\"receipt\":{\"event\":\"removed\",\"name\":\"a\",\"version\":1}}' | 'receipt' must be a receipt",
      "other   | '{}'                                       | no message kind other",
  })
  void aBodyThatIsNotOneIsRefusedInOneLine(String kind, String body, String why) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> BusMessageFormat.read(kind, "b", body.getBytes(StandardCharsets.UTF_8)));
    assertTrue(e.getMessage().contains(why), e.getMessage());
    assertTrue(e.getMessage().lines().count() <= 1, e.getMessage());
  }

  @Test
  void aReceiptNeedsEveryClientField() {
    String receipt = "{\"receipt\":" + EventJson.write(RECEIPT) + ",\"at\":\"t\",\"client\":"
        + "{\"address\":\"a\",\"software\":\"\",\"connectedAt\":\"c\",\"subscriptions\":[1]}}";
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> BusMessageFormat.read(Subjects.RECEIPT, "b", receipt.getBytes(StandardCharsets.UTF_8)));
    assertEquals("client receipt: 'client.subscriptions' must be an array of strings", e.getMessage());
    String noLibtorch = receipt.replace("[1]", "[]");
    e = assertThrows(IllegalArgumentException.class,
        () -> BusMessageFormat.read(Subjects.RECEIPT, "b", noLibtorch.getBytes(StandardCharsets.UTF_8)));
    assertEquals("client receipt: 'client.libtorch' must be a string", e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a b", "tab\there", "ü"})
  void aReplicaIdFitsInAHeader(String id) {
    assertThrows(IllegalArgumentException.class, () -> BusMessageFormat.replica(id));
  }

  @Test
  void aReplicaIdIsPrintableAscii() {
    assertEquals("eu-1.host:7070", BusMessageFormat.replica("eu-1.host:7070"));
    assertEquals(128, BusMessageFormat.replica("r".repeat(128)).length());
    assertThrows(IllegalArgumentException.class, () -> BusMessageFormat.replica("r".repeat(129)));
  }
}
