package io.torchfeed.model;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/**
 * One model file that failed validation, in a {@link ModelListing}. Key order is the wire order.
 *
 * @param name    model name (the directory under the repository root)
 * @param version the version directory, or {@code null} when the file is not in a valid version directory
 *                (written as {@code "version":null})
 * @param path    the file, relative to the repository root, with {@code /} separators
 * @param reason  one line of English saying why it was rejected
 */
@JsonPropertyOrder({"name", "version", "path", "reason"})
public record Rejection(String name, Integer version, String path, String reason) {
  public Rejection {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(reason, "reason");
  }
}
