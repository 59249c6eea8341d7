package io.torchfeed.repository;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.torchfeed.model.Manifest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CatalogChangesTest {
  private static ServedModel model(String name, int version, String sha) {
    return new ServedModel(new Manifest(name, version, 1, sha, 3, List.of(), List.of()), null,
        name + "/" + version + "/model.pt", new FileStamp("p", 1, 1, "k"));
  }

  @Test
  void reportsPublishedRemovedReplacedAndAliasChanges() {
    Catalog before = new Catalog(List.of(model("a", 1, "x"), model("a", 2, "y"), model("b", 1, "z")), List.of(),
        Map.of("a", Map.of("stable", 1, "old", 2)));
    Catalog after = new Catalog(List.of(model("a", 2, "y2"), model("a", 3, "w"), model("b", 1, "z")), List.of(),
        Map.of("a", Map.of("stable", 3)));
    List<String> events = CatalogChanges.between(before, after).stream()
        .map(e -> e.kind() + " " + e.name() + (e.alias() == null ? "" : "@" + e.alias()) + " " + e.version())
        .toList();
    assertEquals(List.of("REMOVED a 1", "PUBLISHED a 2", "PUBLISHED a 3", "ALIAS a@old 0", "ALIAS a@stable 3"),
        events);
    assertEquals(List.of(), CatalogChanges.between(after, after));
  }
}
