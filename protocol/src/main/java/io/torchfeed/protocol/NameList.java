package io.torchfeed.protocol;

import java.util.ArrayList;
import java.util.List;

/** The layout SUBSCRIBE and SUBSCRIBED share: a u16 count, then that many {@code str} names. */
final class NameList {
  private NameList() {}

  static List<String> check(List<String> names) {
    if (names.size() > 0xFFFF) {
      throw new IllegalArgumentException(names.size() + " names do not fit a u16 count");
    }
    return List.copyOf(names);
  }

  static void write(PayloadWriter out, List<String> names) {
    out.u16(names.size());
    for (String name : names) {
      out.str("name", name);
    }
  }

  static List<String> read(PayloadReader in) {
    int count = in.u16("count");
    List<String> names = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      names.add(in.str("name " + (i + 1) + " of " + count));
    }
    return names;
  }
}
