package io.torchfeed.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonPOJOBuilder;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The manifest of one validated model version, as sent in MANIFEST_RESULT and FETCH_HEADER
 * (docs/protocol.md, section 5.3). Key order is the wire order.
 *
 * <p>{@code chunkSize} and {@code chunks} (protocol version 3, {@link ChunkDigests}) are both present or both
 * null: null in what a client of version 1 or 2 is sent, and in a document written before version 3, whose JSON
 * has neither key.
 */
@JsonPropertyOrder({"name", "version", "size", "sha256", "formatVersion", "parameters", "buffers", "chunkSize",
    "chunks"})
@JsonDeserialize(builder = Manifest.Reader.class)
public record Manifest(
    String name,
    int version,
    long size,
    String sha256,
    int formatVersion,
    List<TensorInfo> parameters,
    List<TensorInfo> buffers,
    @JsonInclude(JsonInclude.Include.NON_NULL) Integer chunkSize,
    @JsonInclude(JsonInclude.Include.NON_NULL) List<String> chunks) {

  public Manifest {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(sha256, "sha256");
    parameters = List.copyOf(parameters);
    buffers = List.copyOf(buffers);
    if ((chunkSize == null) != (chunks == null)) {
      throw new IllegalArgumentException("chunkSize and chunks come together");
    }
    if (chunks != null) {
      new ChunkDigests(chunkSize, chunks).checkFits(size);
      chunks = List.copyOf(chunks);
    }
  }

  /** A manifest without chunk digests (as versions 1 and 2 of the protocol know it). */
  public Manifest(String name, int version, long size, String sha256, int formatVersion,
      List<TensorInfo> parameters, List<TensorInfo> buffers) {
    this(name, version, size, sha256, formatVersion, parameters, buffers, null, null);
  }

  /** The manifest of a validated file: {@code facts} must hold its chunk digests. */
  public static Manifest of(ModelId id, FileFacts facts, ModuleInfo module) {
    ChunkDigests chunks = Objects.requireNonNull(facts.chunks(), "the file's chunk digests");
    return new Manifest(id.name(), id.version(), facts.size(), facts.sha256(), facts.formatVersion(),
        module.parameters(), module.buffers(), chunks.chunkSize(), chunks.digests());
  }

  @JsonIgnore
  public ModelId id() {
    return new ModelId(name, version);
  }

  @JsonIgnore
  public ModuleInfo module() {
    return new ModuleInfo(parameters, buffers);
  }

  /** The chunk digests, when this manifest has them. */
  @JsonIgnore
  public Optional<ChunkDigests> chunkDigests() {
    return chunks == null ? Optional.empty() : Optional.of(new ChunkDigests(chunkSize, chunks));
  }

  /** This manifest with these chunk digests (which must fit its size). */
  public Manifest withChunks(ChunkDigests digests) {
    return new Manifest(name, version, size, sha256, formatVersion, parameters, buffers, digests.chunkSize(),
        digests.digests());
  }

  /** This manifest as versions 1 and 2 of the protocol know it. */
  public Manifest withoutChunks() {
    return chunks == null ? this : new Manifest(name, version, size, sha256, formatVersion, parameters, buffers);
  }

  /** This manifest numbered {@code number}, everything else the same. */
  public Manifest numbered(int number) {
    return new Manifest(name, number, size, sha256, formatVersion, parameters, buffers, chunkSize, chunks);
  }

  /**
   * Reads a document: the keys of version 1 are creator properties, so a reader that requires every creator
   * property requires them; the chunk digests, which older documents lack, are optional.
   */
  @JsonPOJOBuilder(withPrefix = "")
  static final class Reader {
    private final Manifest required;
    private Integer chunkSize;
    private List<String> chunks;

    @JsonCreator
    Reader(@JsonProperty("name") String name, @JsonProperty("version") int version,
        @JsonProperty("size") long size, @JsonProperty("sha256") String sha256,
        @JsonProperty("formatVersion") int formatVersion, @JsonProperty("parameters") List<TensorInfo> parameters,
        @JsonProperty("buffers") List<TensorInfo> buffers) {
      this.required = new Manifest(name, version, size, sha256, formatVersion, parameters, buffers);
    }

    @JsonProperty("chunkSize")
    Reader chunkSize(Integer value) {
      this.chunkSize = value;
      return this;
    }

    @JsonProperty("chunks")
    Reader chunks(List<String> value) {
      this.chunks = value;
      return this;
    }

    Manifest build() {
      return new Manifest(required.name, required.version, required.size, required.sha256,
          required.formatVersion, required.parameters, required.buffers, chunkSize, chunks);
    }
  }
}
