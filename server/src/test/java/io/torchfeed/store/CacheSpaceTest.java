package io.torchfeed.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CacheSpaceTest {
  private static final long NEVER = Long.MAX_VALUE;

  @Test
  void nothingIsDroppedWhileItFits() {
    List<CacheSpace.Held> held = List.of(new CacheSpace.Held("m", 1, 40, 5));
    assertEquals(List.of(), CacheSpace.victims(held, 10, 50, 100, Set.of(), "m:2"));
  }

  @Test
  void theLeastRecentlyUsedGoFirstAndOnlyAsManyAsNeeded() {
    CacheSpace.Held old = new CacheSpace.Held("m", 1, 30, 900);
    CacheSpace.Held recent = new CacheSpace.Held("m", 2, 30, 10);
    CacheSpace.Held middle = new CacheSpace.Held("n", 1, 30, 500);
    assertEquals(List.of(old), CacheSpace.victims(List.of(recent, old, middle), 0, 30, 100, Set.of(), "x:1"));
    assertEquals(List.of(old, middle), CacheSpace.victims(List.of(recent, old, middle), 0, 60, 100, Set.of(),
        "x:1"));
  }

  @Test
  void aVersionNeverUsedGoesBeforeAnyUsedOneLowerVersionsFirst() {
    CacheSpace.Held used = new CacheSpace.Held("m", 1, 50, 1_000_000);
    CacheSpace.Held never3 = new CacheSpace.Held("m", 3, 50, NEVER);
    CacheSpace.Held never2 = new CacheSpace.Held("m", 2, 50, NEVER);
    assertEquals(List.of(never2), CacheSpace.victims(List.of(used, never3, never2), 0, 50, 150, Set.of(), "m:4"));
  }

  @Test
  void theLatestAndAliasedVersionsAreKept() {
    CacheSpace.Held latest = new CacheSpace.Held("m", 3, 50, NEVER);
    CacheSpace.Held older = new CacheSpace.Held("m", 1, 50, 10);
    assertEquals(List.of(older), CacheSpace.victims(List.of(latest, older), 0, 50, 100, Set.of("m:3"), "m:2"));
  }

  @Test
  void whatCannotFitBesideTheKeptVersionsAndDownloadsIsRefusedWithTheFigures() {
    List<CacheSpace.Held> held = List.of(new CacheSpace.Held("m", 3, 60, NEVER),
        new CacheSpace.Held("m", 1, 10, 10));
    CacheFullException refused = assertThrows(CacheFullException.class,
        () -> CacheSpace.victims(held, 20, 30, 100, Set.of("m:3"), "m:2"));
    assertEquals("m:2 (30 bytes) does not fit in --cache-size (100 bytes): the latest and aliased versions take 60"
        + " bytes and downloads under way 20", refused.getMessage());
    assertTrue(CacheSpace.victims(held, 0, 30, 100, Set.of("m:3"), "m:2").isEmpty());
  }
}
