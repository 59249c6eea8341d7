package io.torchfeed.protocol;

import io.torchfeed.event.Event;
import io.torchfeed.event.EventJson;
import java.util.Objects;

/**
 * NOTICE (0x86): a catalog change sent to a subscriber; the whole payload is the event as compact JSON, in the
 * shapes of {@link EventJson} (docs/protocol.md 5.8). Not an answer to any request: it arrives between frames.
 *
 * <pre>
 * {"event":"published","name":"toynet","version":2,"sha256":"394b...eaa4","size":17}
 * </pre>
 *
 * @param event the event; {@link Event.Other} for a kind this version does not know
 */
public record Notice(Event event) implements Message {
  public Notice {
    Objects.requireNonNull(event, "event");
  }

  @Override
  public FrameType type() {
    return FrameType.NOTICE;
  }
}
