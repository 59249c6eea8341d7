package io.torchfeed.transport.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.event.Event;
import io.torchfeed.model.LoadStatus;
import io.torchfeed.protocol.Hello;
import io.torchfeed.protocol.LoadReceipt;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What one connection's state shows in {@code GET /v1/clients}, and what it notifies. */
class ConnectedClientTest {
  private static final String SHA = "394b921c154f8706b2203aa859a6cfdc999dfec1a60532eaff0ebe546c22eaa4";
  private static final Instant AT = Instant.parse("2024-05-01T12:00:00Z");

  private final ConnectedClient client =
      new ConnectedClient("7", new InetSocketAddress("::1", 40000), Instant.parse("2024-05-01T11:00:00Z"));

  @Test
  void beforeAnythingItIsAnAnonymousConnectionThatWantsNothing() {
    ClientInfo info = client.info();
    assertEquals(new ClientInfo("7", "[0:0:0:0:0:0:0:1]:40000", "", "", "2024-05-01T11:00:00Z", List.of(),
        List.of()), info);
    assertFalse(client.subscribed());
    assertFalse(client.wants("toynet"));
  }

  @Test
  void aSubscriptionToNamesOrToEverything() {
    client.subscribe(List.of("toynet", "bnnet"));
    assertTrue(client.wants("bnnet"));
    assertFalse(client.wants("dtypes"));
    assertEquals(List.of("toynet", "bnnet"), client.info().subscriptions());
    client.subscribe(List.of());
    assertTrue(client.wants("dtypes"));
    assertEquals(List.of(ClientInfo.ALL_MODELS), client.info().subscriptions());
  }

  @Test
  void keepsTheLastReceiptPerModelWithTheHelloLibTorchByDefault() {
    client.greeted(Hello.of("torchfeed-cpp/0.1.0", "1.13.1"));
    client.record(LoadReceipt.of("toynet", 1, SHA, LoadStatus.FAILED, "boom", ""), AT);
    Event.Receipt event = client.record(LoadReceipt.of("toynet", 2, SHA, LoadStatus.LOADED, "", ""), AT);
    client.record(LoadReceipt.of("bnnet", 1, SHA, LoadStatus.LOADED, "", "2.1.0"), AT);
    assertEquals(new Event.Receipt("7", "toynet", 2, SHA, LoadStatus.LOADED, "", "1.13.1"), event);
    assertEquals(List.of(
            new ClientReceipt("bnnet", 1, SHA, LoadStatus.LOADED, "", "2.1.0", "2024-05-01T12:00:00Z"),
            new ClientReceipt("toynet", 2, SHA, LoadStatus.LOADED, "", "1.13.1", "2024-05-01T12:00:00Z")),
        client.info().receipts());
    assertEquals("torchfeed-cpp/0.1.0", client.info().software());
  }

  @Test
  void forgetsTheOldestModelBeyondTheLimit() {
    for (int i = 0; i <= ConnectedClient.MAX_RECEIPTS; i++) {
      client.record(LoadReceipt.of("m" + i, 1, SHA, LoadStatus.LOADED, "", ""), AT);
    }
    List<ClientReceipt> receipts = client.info().receipts();
    assertEquals(ConnectedClient.MAX_RECEIPTS, receipts.size());
    assertFalse(receipts.stream().anyMatch(r -> r.name().equals("m0")));
  }
}
