package io.torchfeed.model;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/** What LibTorch reports about a loaded module: its named parameters and buffers, in LibTorch's order. */
@JsonPropertyOrder({"parameters", "buffers"})
public record ModuleInfo(List<TensorInfo> parameters, List<TensorInfo> buffers) {
  public ModuleInfo {
    parameters = List.copyOf(parameters);
    buffers = List.copyOf(buffers);
  }
}
