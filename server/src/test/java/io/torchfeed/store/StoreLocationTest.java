package io.torchfeed.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StoreLocationTest {
  @Test
  void aBucketAloneHasNoPrefixAndTheDefaultRegion() {
    StoreLocation location = StoreLocation.parse("s3://models", "http://127.0.0.1:9000", null, true);
    assertEquals("models", location.bucket());
    assertEquals("", location.prefix());
    assertEquals(URI.create("http://127.0.0.1:9000"), location.endpoint());
    assertEquals("us-east-1", location.region());
    assertTrue(location.pathStyle());
    assertEquals("blobs/sha256/ab", location.key("blobs/sha256/ab"));
    assertEquals("s3://models", location.toString());
  }

  @Test
  void aPrefixLosesItsTrailingSlashAndStartsEveryKey() {
    StoreLocation location = StoreLocation.parse("s3://my.bucket-1/prod/torchfeed/", "https://s3.example.com",
        "eu-west-3", false);
    assertEquals("my.bucket-1", location.bucket());
    assertEquals("prod/torchfeed", location.prefix());
    assertEquals("eu-west-3", location.region());
    assertFalse(location.pathStyle());
    assertEquals("prod/torchfeed/models/", location.key("models/"));
    assertEquals("s3://my.bucket-1/prod/torchfeed/models/", location.describe(location.key("models/")));
    assertEquals("s3://my.bucket-1/prod/torchfeed", location.toString());
  }

  @Test
  void withoutAnEndpointTheSdkPicksTheRegionsOwn() {
    assertNull(StoreLocation.parse("s3://models", null, null, false).endpoint());
  }

  @ParameterizedTest
  @ValueSource(strings = {"models", "http://models", "s3:/models", "S3://models", "s3://", "s3:///prefix"})
  void anythingButAnS3UriIsRefused(String uri) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> StoreLocation.parse(uri, null, null, false));
    assertOneLine(e);
    assertTrue(e.getMessage().contains("s3://BUCKET[/PREFIX]"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"ab", "Models", "my_bucket", "-models", "models-", "a..b", "192.168.1.1",
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})
  void bucketNamesFollowS3sRules(String bucket) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> StoreLocation.parse("s3://" + bucket + "/p", null, null, false));
    assertOneLine(e);
    assertTrue(e.getMessage().startsWith("invalid bucket name '" + bucket + "'"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"a//b", "/a", "a/./b", "a/../b", "a b", "a?b", "a#b", "a%2Fb", "caf\u00e9"})
  void prefixesAreSlashSeparatedPlainSegments(String prefix) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> StoreLocation.parse("s3://models/" + prefix, null, null, false));
    assertOneLine(e);
    assertTrue(e.getMessage().startsWith("invalid store prefix"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1:9000", "ftp://host", "http://", "http://host/path", "http://host?x=1",
      "http://user@host", "http://host:9000/#f", "http://[::1"})
  void endpointsAreHttpOrHttpsBaseUris(String endpoint) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> StoreLocation.parse("s3://models", endpoint, null, false));
    assertOneLine(e);
    assertTrue(e.getMessage().startsWith("invalid S3 endpoint"), e.getMessage());
  }

  @Test
  void aRegionIsLowerCaseLettersDigitsAndDashes() {
    assertOneLine(assertThrows(IllegalArgumentException.class,
        () -> StoreLocation.parse("s3://models", null, "EU West", false)));
    assertEquals("http://127.0.0.1:9000/", StoreLocation.parse("s3://models", "http://127.0.0.1:9000/", "local", true)
        .endpoint().toString());
  }

  private static void assertOneLine(IllegalArgumentException e) {
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
  }
}
