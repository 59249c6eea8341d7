package io.torchfeed.cli;

import io.torchfeed.model.TensorInfo;
import java.io.PrintWriter;
import java.util.List;

/** Prints parameters or buffers as an aligned table. */
final class TensorTable {
  private TensorTable() {}

  static void print(PrintWriter out, String title, List<TensorInfo> tensors) {
    out.printf("%s (%d)%n", title, tensors.size());
    if (tensors.isEmpty()) {
      return;
    }
    int nameWidth = Math.max(4, tensors.stream().mapToInt(t -> t.name().length()).max().orElse(0));
    int shapeWidth = Math.max(5, tensors.stream().mapToInt(t -> t.shapeText().length()).max().orElse(0));
    String row = "  %-" + nameWidth + "s  %-" + shapeWidth + "s  %s%n";
    out.printf(row, "NAME", "SHAPE", "DTYPE");
    for (TensorInfo t : tensors) {
      out.printf(row, t.name(), t.shapeText(), t.dtype());
    }
  }
}
