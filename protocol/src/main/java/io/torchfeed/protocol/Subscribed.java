package io.torchfeed.protocol;

import java.util.List;

/**
 * SUBSCRIBED (0x85), the answer to {@link SubscribeRequest}: the names now subscribed to, in SUBSCRIBE's layout
 * (docs/protocol.md 5.7). NOTICE frames may follow at any time.
 *
 * @param names the subscribed model names; empty = every model
 */
public record Subscribed(List<String> names) implements Message {
  public Subscribed {
    names = NameList.check(names);
  }

  /** True when subscribed to every model. */
  public boolean all() {
    return names.isEmpty();
  }

  @Override
  public FrameType type() {
    return FrameType.SUBSCRIBED;
  }
}
