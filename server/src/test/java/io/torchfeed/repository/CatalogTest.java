package io.torchfeed.repository;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.model.Manifest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CatalogTest {
  private static ServedModel model(String name, int version, String sha) {
    return new ServedModel(new Manifest(name, version, 1, sha, 3, List.of(), List.of()), null,
        name + "/" + version + "/model.pt", new FileStamp("p", 1, 1, "k"));
  }

  @Test
  void aServedFileIsFoundByItsSha256() {
    Catalog catalog = new Catalog(List.of(model("a", 1, "aa"), model("a", 2, "bb"), model("b", 1, "cc")),
        List.of(), Map.of());
    assertEquals("a:2", catalog.withSha256("bb").manifest().id().toString());
    assertEquals("b:1", catalog.withSha256("cc").manifest().id().toString());
  }

  @Test
  void bytesSharedByVersionsAreFoundAsTheFirstByNameThenVersion() {
    Catalog catalog = new Catalog(List.of(model("b", 1, "same"), model("a", 3, "same"), model("a", 2, "same")),
        List.of(), Map.of());
    assertEquals("a:2", catalog.withSha256("same").manifest().id().toString());
  }

  @Test
  void anUnknownSha256IsNotFound() {
    Catalog catalog = new Catalog(List.of(model("a", 1, "aa")), List.of(), Map.of());
    ModelNotFoundException e = assertThrows(ModelNotFoundException.class, () -> catalog.withSha256("ab"));
    assertTrue(e.getMessage().contains("ab"), e.getMessage());
    assertThrows(ModelNotFoundException.class, () -> Catalog.empty().withSha256("aa"));
  }
}
