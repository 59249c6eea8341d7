package io.torchfeed.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.torchfeed.event.Event;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventBusTest {
  @Test
  void everyListenerHearsEveryEventInOrderEvenWhenOneThrows() {
    EventBus bus = new EventBus();
    List<Event> heard = new ArrayList<>();
    bus.addListener(e -> {
      throw new IllegalStateException("broken listener");
    });
    EventBus.Registration registration = bus.addListener(heard::add);
    bus.publish(new Event.Removed("a", 1));
    bus.publish(new Event.Removed("a", 2));
    registration.close();
    bus.publish(new Event.Removed("a", 3));
    assertEquals(List.of(new Event.Removed("a", 1), new Event.Removed("a", 2)), heard);
  }
}
