package io.torchfeed.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Objects;

/**
 * The manifest of one validated model version, as sent in MANIFEST_RESULT and FETCH_HEADER
 * (docs/protocol.md, section 5.3). Key order is the wire order.
 */
@JsonPropertyOrder({"name", "version", "size", "sha256", "formatVersion", "parameters", "buffers"})
public record Manifest(
    String name,
    int version,
    long size,
    String sha256,
    int formatVersion,
    List<TensorInfo> parameters,
    List<TensorInfo> buffers) {

  public Manifest {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(sha256, "sha256");
    parameters = List.copyOf(parameters);
    buffers = List.copyOf(buffers);
  }

  public static Manifest of(ModelId id, FileFacts facts, ModuleInfo module) {
    return new Manifest(id.name(), id.version(), facts.size(), facts.sha256(), facts.formatVersion(),
        module.parameters(), module.buffers());
  }

  @JsonIgnore
  public ModelId id() {
    return new ModelId(name, version);
  }

  @JsonIgnore
  public ModuleInfo module() {
    return new ModuleInfo(parameters, buffers);
  }
}
