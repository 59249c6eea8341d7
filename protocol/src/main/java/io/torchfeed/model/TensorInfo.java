package io.torchfeed.model;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Objects;

/**
 * One named parameter or buffer of a module as LibTorch lists it.
 *
 * @param name  dotted name, e.g. {@code conv0.weight}
 * @param shape sizes of each dimension, empty for a scalar
 * @param dtype PyTorch's Python spelling, e.g. {@code float32}
 */
@JsonPropertyOrder({"name", "shape", "dtype"})
public record TensorInfo(String name, List<Long> shape, String dtype) {
  public TensorInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(dtype, "dtype");
    shape = List.copyOf(shape);
  }

  /** The shape as PyTorch prints it, e.g. {@code [6, 1, 5, 5]}. */
  public String shapeText() {
    return shape.toString();
  }
}
