package io.torchfeed.bus.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import io.torchfeed.event.Event;
import io.torchfeed.event.EventJson;
import io.torchfeed.metrics.Metrics;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class InboxTest {
  private final Subjects subjects = new Subjects("t");
  private final Metrics metrics = new Metrics();
  private final List<BusMessage> heard = new ArrayList<>();
  private final Inbox inbox = new Inbox("me", subjects, heard::add, new BusCounters(metrics));

  private static NatsMessage message(String subject, String origin, byte[] body) {
    Headers headers = new Headers();
    if (origin != null) {
      headers.put(BusMessageFormat.ORIGIN_HEADER, origin);
    }
    return NatsMessage.builder().subject(subject).headers(headers).data(body).build();
  }

  private void assertCounted(String outcome, String kind, int n) {
    String line = "torchfeed_bus_messages_total{direction=\"in\",kind=\"" + kind + "\",outcome=\"" + outcome
        + "\"} " + n + ".0";
    assertTrue(metrics.scrape().lines().anyMatch(line::equals), "no " + line + " in\n" + metrics.scrape());
  }

  @Test
  void othersMessagesAreDeliveredAndItsOwnSkipped() {
    Event removed = new Event.Removed("toynet", 1);
    inbox.onMessage(message(subjects.catalog(), "me", EventJson.utf8(removed)));
    inbox.onMessage(message(subjects.catalog(), "other", EventJson.utf8(removed)));
    assertEquals(List.of(new BusMessage.CatalogNotice("other", removed)), heard);
    assertCounted("own", "notice", 1);
    assertCounted("delivered", "notice", 1);
  }

  @Test
  void aMessageWithoutOriginOfUnknownKindOrUnreadableBodyIsSkipped() {
    byte[] removed = EventJson.utf8(new Event.Removed("toynet", 1));
    inbox.onMessage(message(subjects.catalog(), null, removed));
    inbox.onMessage(message(subjects.catalog(), "other", "{".getBytes()));
    inbox.onMessage(message("torchfeed.t.presence", "other", removed));
    assertEquals(List.of(), heard);
    assertCounted("unreadable", "notice", 2);
    assertCounted("unreadable", "other", 1);
  }

  @Test
  void aListenerThatThrowsDoesNotStopTheNextMessage() {
    List<BusMessage> after = new ArrayList<>();
    Inbox failing = new Inbox("me", subjects, m -> {
      after.add(m);
      throw new IllegalStateException("broken listener");
    }, new BusCounters(metrics));
    byte[] removed = EventJson.utf8(new Event.Removed("toynet", 1));
    failing.onMessage(message(subjects.catalog(), "other", removed));
    failing.onMessage(message(subjects.catalog(), "other", removed));
    assertEquals(2, after.size());
    assertCounted("delivered", "notice", 2);
  }
}
