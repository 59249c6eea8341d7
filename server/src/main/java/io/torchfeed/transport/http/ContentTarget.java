package io.torchfeed.transport.http;

import io.torchfeed.model.ModelId;
import io.torchfeed.repository.ModelCatalog;
import io.torchfeed.repository.ServedModel;
import java.util.function.Function;

/**
 * What a content route sends: the served version it names, looked up in the current catalog (again on the next
 * one when a rescan retired the file found), and how caches may keep the answer.
 *
 * @param description what the request named, for messages ({@code toynet:3}, {@code toynet@stable},
 *                    {@code sha256:<hex>})
 */
record ContentTarget(String description, Function<ModelCatalog, ServedModel> lookup, Caching caching) {
  /** A version by number (immutable), the latest or an alias (revalidated: it moves). */
  static ContentTarget version(ModelId id) {
    return new ContentTarget(id.toString(), catalog -> catalog.resolve(id), Caching.of(id));
  }

  /** The file with this sha256 (lower-case hex), whichever served version has it: immutable. */
  static ContentTarget sha256(String hex) {
    return new ContentTarget("sha256:" + hex, catalog -> catalog.withSha256(hex), Caching.IMMUTABLE);
  }
}
