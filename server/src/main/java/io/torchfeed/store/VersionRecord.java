package io.torchfeed.store;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.torchfeed.model.Manifest;
import java.time.Instant;
import java.util.Objects;

/**
 * The object {@code models/NAME/versions/V.json}: version V of a model as published, kept after a delete as a
 * tombstone (with {@code deletedAt}) so that the number is never given again.
 *
 * @param manifest    the manifest, numbered V, as the protocol writes it
 * @param publishedAt when the version was claimed (ISO-8601 UTC, {@code 2026-05-01T12:00:00.123Z})
 * @param publishedBy who published it (the replica's identity)
 * @param publishId   a random id of the publish that wrote the record: a publisher whose write was answered
 *                    "exists" finds out from it whether the record is its own (the S3 client retried a write
 *                    that had succeeded)
 * @param deletedAt   when the version was deleted (ISO-8601 UTC), or null while it is published
 */
@JsonPropertyOrder({"manifest", "publishedAt", "publishedBy", "publishId", "deletedAt"})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VersionRecord(Manifest manifest, String publishedAt, String publishedBy, String publishId,
    String deletedAt) {
  public VersionRecord {
    Objects.requireNonNull(manifest, "manifest");
    Objects.requireNonNull(publishedAt, "publishedAt");
    Objects.requireNonNull(publishId, "publishId");
  }

  @JsonIgnore
  public boolean deleted() {
    return deletedAt != null;
  }

  /** This record as a tombstone. */
  public VersionRecord deletedAt(Instant when) {
    return new VersionRecord(manifest, publishedAt, publishedBy, publishId, when.toString());
  }
}
