package io.torchfeed.model;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Optional;

/** How a client's attempt to load a fetched version went, as it reports it in a RECEIPT (docs/protocol.md 5.9). */
public enum LoadStatus {
  LOADED(0, "loaded"),
  FAILED(1, "failed");

  private final int code;
  private final String json;

  LoadStatus(int code, String json) {
    this.code = code;
    this.json = json;
  }

  /** The {@code status} byte of RECEIPT. */
  public int code() {
    return code;
  }

  /** The {@code status} string of the JSON documents: {@code loaded} or {@code failed}. */
  @JsonValue
  public String json() {
    return json;
  }

  public static Optional<LoadStatus> of(int code) {
    for (LoadStatus status : values()) {
      if (status.code == code) {
        return Optional.of(status);
      }
    }
    return Optional.empty();
  }

  public static Optional<LoadStatus> ofJson(String json) {
    for (LoadStatus status : values()) {
      if (status.json.equals(json)) {
        return Optional.of(status);
      }
    }
    return Optional.empty();
  }
}
