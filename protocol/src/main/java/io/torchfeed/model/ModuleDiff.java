package io.torchfeed.model;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The differences between two modules' parameters and buffers: names missing on either side, and shapes or
 * dtypes that differ. Order matters too: LibTorch lists tensors in a fixed order, and a different order of the
 * same names is reported.
 */
public final class ModuleDiff {
  private ModuleDiff() {}

  /** One difference, as a line a person reads ({@link #toString()}) or as JSON. */
  @JsonPropertyOrder({"kind", "name", "expected", "actual"})
  public record Difference(String kind, String name, String expected, String actual) {
    @Override
    public String toString() {
      return kind + " " + name + ": expected " + expected + ", got " + actual;
    }
  }

  public static List<Difference> between(ModuleInfo expected, ModuleInfo actual) {
    List<Difference> out = new ArrayList<>();
    compare("parameter", expected.parameters(), actual.parameters(), out);
    compare("buffer", expected.buffers(), actual.buffers(), out);
    return out;
  }

  private static void compare(String kind, List<TensorInfo> expected, List<TensorInfo> actual,
      List<Difference> out) {
    Map<String, TensorInfo> want = index(expected);
    Map<String, TensorInfo> got = index(actual);
    for (TensorInfo e : expected) {
      TensorInfo a = got.get(e.name());
      if (a == null) {
        out.add(new Difference(kind, e.name(), describe(e), "missing"));
      } else if (!a.shape().equals(e.shape()) || !a.dtype().equals(e.dtype())) {
        out.add(new Difference(kind, e.name(), describe(e), describe(a)));
      }
    }
    for (TensorInfo a : actual) {
      if (!want.containsKey(a.name())) {
        out.add(new Difference(kind, a.name(), "missing", describe(a)));
      }
    }
    List<String> wantOrder = expected.stream().map(TensorInfo::name).filter(got::containsKey).toList();
    List<String> gotOrder = actual.stream().map(TensorInfo::name).filter(want::containsKey).toList();
    if (out.isEmpty() && !wantOrder.equals(gotOrder)) {
      out.add(new Difference(kind, "order", String.join(",", wantOrder), String.join(",", gotOrder)));
    }
  }

  private static Map<String, TensorInfo> index(List<TensorInfo> tensors) {
    Map<String, TensorInfo> map = new LinkedHashMap<>();
    tensors.forEach(t -> map.putIfAbsent(t.name(), t));
    return map;
  }

  private static String describe(TensorInfo t) {
    return t.dtype() + t.shapeText();
  }
}
