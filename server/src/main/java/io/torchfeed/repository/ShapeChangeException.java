package io.torchfeed.repository;

import io.torchfeed.model.ModuleDiff;
import io.torchfeed.model.TorchfeedException;
import java.util.List;
import java.util.stream.Collectors;

/** A new version's parameters or buffers differ from the current latest's, and shape changes are not allowed. */
public class ShapeChangeException extends TorchfeedException {
  private static final long serialVersionUID = 1L;
  private final transient List<ModuleDiff.Difference> differences;

  public ShapeChangeException(String model, int latest, List<ModuleDiff.Difference> differences) {
    super("the new version of '" + model + "' changes the shape contract of version " + latest + ": "
        + differences.stream().map(Object::toString).collect(Collectors.joining("; "))
        + " (allow it with allowShapeChange=true or --allow-shape-change)");
    this.differences = List.copyOf(differences);
  }

  public List<ModuleDiff.Difference> differences() {
    return differences;
  }
}
