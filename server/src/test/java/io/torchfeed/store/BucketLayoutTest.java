package io.torchfeed.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.store.BucketLayout.ModelKey;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BucketLayoutTest {
  private static final String SHA = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  private final BucketLayout layout = new BucketLayout("prod/tf");

  @Test
  void keysLiveUnderThePrefix() {
    assertEquals("prod/tf/blobs/sha256/" + SHA, layout.blob(SHA));
    assertEquals("prod/tf/models/", layout.models());
    assertEquals("prod/tf/models/toynet/versions/", layout.versions("toynet"));
    assertEquals("prod/tf/models/toynet/versions/12.json", layout.version("toynet", 12));
    assertEquals("prod/tf/models/toynet/aliases.json", layout.aliases("toynet"));
    assertEquals("models/toynet/aliases.json", new BucketLayout("").aliases("toynet"));
  }

  @Test
  void versionRecordsAndAliasMapsAreParsedBackOtherKeysAreNot() {
    assertEquals(Optional.of(new ModelKey("toynet", 12)), layout.parse(layout.version("toynet", 12)));
    ModelKey aliases = layout.parse(layout.aliases("toy.net-2")).orElseThrow();
    assertTrue(aliases.isAliases());
    assertEquals("toy.net-2", aliases.name());
    for (String other : new String[] {"prod/tf/models/toynet/versions/012.json",
        "prod/tf/models/toynet/versions/0.json",
        "prod/tf/models/toynet/versions/1.json.tmp", "prod/tf/models/toynet/other.json", "prod/tf/blobs/sha256/" + SHA,
        "other/models/toynet/aliases.json", "prod/tf/models/.hidden/aliases.json",
        "prod/tf/models/toynet/versions/9999999999.json"}) {
      assertEquals(Optional.empty(), layout.parse(other), other);
    }
  }

  @Test
  void onlyValidNamesVersionsAndHashesMakeKeys() {
    assertThrows(IllegalArgumentException.class, () -> layout.blob("ABC"));
    assertThrows(IllegalArgumentException.class, () -> layout.blob(SHA.toUpperCase(java.util.Locale.ROOT)));
    assertThrows(IllegalArgumentException.class, () -> layout.version("toynet", 0));
    assertThrows(IllegalArgumentException.class, () -> layout.aliases("../x"));
    assertThrows(IllegalArgumentException.class, () -> layout.versions("a/b"));
  }
}
