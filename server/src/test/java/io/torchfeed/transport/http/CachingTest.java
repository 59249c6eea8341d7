package io.torchfeed.transport.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.torchfeed.model.ModelId;
import org.junit.jupiter.api.Test;

class CachingTest {
  @Test
  void theHeaderValues() {
    assertEquals("public, max-age=31536000, immutable", Caching.IMMUTABLE.header());
    assertEquals("no-cache", Caching.REVALIDATE.header());
    assertEquals("no-store", Caching.NO_STORE.header());
  }

  @Test
  void aNumberedVersionIsImmutableTheLatestAndAliasesAreRevalidated() {
    assertEquals(Caching.IMMUTABLE, Caching.of(new ModelId("toynet", 3)));
    assertEquals(Caching.REVALIDATE, Caching.of(new ModelId("toynet", ModelId.LATEST)));
    assertEquals(Caching.REVALIDATE, Caching.of(new ModelId("toynet", ModelId.LATEST, "stable")));
  }

  @Test
  void contentByNumberAndBlobsAreImmutableContentByLatestOrAliasIsRevalidated() {
    assertEquals(Caching.IMMUTABLE, ContentTarget.version(PathParams.version("toynet", "3")).caching());
    assertEquals(Caching.IMMUTABLE, ContentTarget.sha256("ab".repeat(32)).caching());
    assertEquals(Caching.REVALIDATE, ContentTarget.version(PathParams.version("toynet", "latest")).caching());
    assertEquals(Caching.REVALIDATE, ContentTarget.version(PathParams.version("toynet", "@stable")).caching());
  }
}
