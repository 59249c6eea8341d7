package io.torchfeed.protocol;

import io.torchfeed.model.InvalidRequestException;
import io.torchfeed.model.ModelId;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * SUBSCRIBE (0x05): asks for a NOTICE whenever one of the named models changes (docs/protocol.md 5.7). Sending it
 * again replaces the set.
 *
 * <pre>
 * +-----------+----------+-----+----------+
 * | count u16 | name str | ... | name str |   count 0 = every model
 * +-----------+----------+-----+----------+
 * </pre>
 *
 * @param names model names as received (not validated here; see {@link #subscription()}); empty = every model
 */
public record SubscribeRequest(List<String> names) implements Message {
  public SubscribeRequest {
    names = NameList.check(names);
  }

  /** A SUBSCRIBE to every model. */
  public static SubscribeRequest all() {
    return new SubscribeRequest(List.of());
  }

  /**
   * The names, each checked to be a model name, duplicates dropped, in the order of their first occurrence:
   * what the server subscribes to and echoes in SUBSCRIBED. Empty means every model.
   *
   * @throws InvalidRequestException when a name is not a model name (or is {@code NAME@ALIAS})
   */
  public List<String> subscription() {
    LinkedHashSet<String> unique = new LinkedHashSet<>();
    for (String name : names) {
      if (name.indexOf('@') >= 0) {
        throw new InvalidRequestException("subscribe to the model, not an alias: '" + name.substring(0,
            name.indexOf('@')) + "' (its alias changes are notified too)");
      }
      unique.add(new ModelId(name, ModelId.LATEST).name());
    }
    return List.copyOf(new ArrayList<>(unique));
  }

  @Override
  public FrameType type() {
    return FrameType.SUBSCRIBE;
  }
}
