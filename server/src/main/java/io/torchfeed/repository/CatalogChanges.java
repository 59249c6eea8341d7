package io.torchfeed.repository;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/** The events between two catalogs: versions published or removed (or replaced), aliases changed. */
final class CatalogChanges {
  private CatalogChanges() {}

  static List<CatalogEvent> between(Catalog before, Catalog after) {
    List<CatalogEvent> events = new ArrayList<>();
    TreeSet<String> names = new TreeSet<>();
    before.all().forEach(m -> names.add(m.manifest().name()));
    after.all().forEach(m -> names.add(m.manifest().name()));
    names.addAll(before.allAliases().keySet());
    names.addAll(after.allAliases().keySet());
    for (String name : names) {
      before.versions(name).forEach((version, model) -> {
        if (!after.versions(name).containsKey(version)) {
          events.add(CatalogEvent.removed(name, version));
        }
      });
      after.versions(name).forEach((version, model) -> {
        ServedModel old = before.versions(name).get(version);
        if (old == null || !old.manifest().sha256().equals(model.manifest().sha256())) {
          events.add(CatalogEvent.published(model.manifest()));
        }
      });
      Map<String, Integer> was = before.aliases(name);
      Map<String, Integer> now = after.aliases(name);
      TreeSet<String> aliases = new TreeSet<>(was.keySet());
      aliases.addAll(now.keySet());
      for (String alias : aliases) {
        if (!Objects.equals(was.get(alias), now.get(alias))) {
          events.add(CatalogEvent.alias(name, alias, now.getOrDefault(alias, 0)));
        }
      }
    }
    return events;
  }
}
