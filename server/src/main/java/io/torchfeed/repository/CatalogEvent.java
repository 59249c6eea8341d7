package io.torchfeed.repository;

import io.torchfeed.event.Event;
import io.torchfeed.model.Manifest;

/**
 * Something subscribers hear about: a version published or removed, or an alias pointed elsewhere.
 *
 * @param kind     what happened
 * @param name     the model
 * @param version  the version published or removed, or the alias's new target (0 when an alias is removed)
 * @param alias    the alias, for {@link Kind#ALIAS}
 * @param manifest the published version's manifest, for {@link Kind#PUBLISHED}
 */
public record CatalogEvent(Kind kind, String name, int version, String alias, Manifest manifest) {
  /** What happened. */
  public enum Kind { PUBLISHED, REMOVED, ALIAS }

  public static CatalogEvent published(Manifest manifest) {
    return new CatalogEvent(Kind.PUBLISHED, manifest.name(), manifest.version(), null, manifest);
  }

  public static CatalogEvent removed(String name, int version) {
    return new CatalogEvent(Kind.REMOVED, name, version, null, null);
  }

  public static CatalogEvent alias(String name, String alias, int version) {
    return new CatalogEvent(Kind.ALIAS, name, version, alias, null);
  }

  /** The event subscribers hear (docs/protocol.md 5.8). */
  public Event toEvent() {
    return switch (kind) {
      case PUBLISHED -> Event.Published.of(manifest);
      case REMOVED -> new Event.Removed(name, version);
      case ALIAS -> new Event.AliasChanged(name, alias, version);
    };
  }
}
