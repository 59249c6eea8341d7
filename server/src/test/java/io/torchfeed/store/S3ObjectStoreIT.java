package io.torchfeed.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.metrics.Metrics;
import io.torchfeed.store.ObjectStore.StoredObject;
import io.torchfeed.support.S3Server;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/** {@link S3ObjectStore} against a real S3 service (S3Proxy, {@link S3Server}) that enforces conditional writes. */
class S3ObjectStoreIT {
  @TempDir
  Path tmp;

  private S3Server s3;
  private final Metrics metrics = new Metrics();
  private ObjectStore store;

  @BeforeEach
  void start() throws Exception {
    Files.createDirectories(tmp.resolve("bucket"));
    s3 = S3Server.start(tmp.resolve("bucket"));
    store = s3.store("p", metrics);
  }

  @AfterEach
  void stop() throws Exception {
    store.close();
    s3.close();
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void putIfAbsentCreatesTheObjectOnceAndRefusesEveryLaterWriter() {
    StoredObject first = store.putIfAbsent("p/a", utf8("first"));
    ObjectExistsException refused = assertThrows(ObjectExistsException.class,
        () -> store.putIfAbsent("p/a", utf8("second")));
    assertTrue(refused.getMessage().contains("s3://" + S3Server.BUCKET + "/p/a"), refused.getMessage());
    ObjectStore.ObjectBytes read = store.getBytes("p/a");
    assertArrayEquals(utf8("first"), read.bytes());
    assertEquals(first.etag(), read.etag());
  }

  @Test
  void putIfMatchReplacesOnlyTheVersionWhoseEtagItHolds() {
    StoredObject v1 = store.putIfAbsent("p/map", utf8("1"));
    StoredObject v2 = store.putIfMatch("p/map", utf8("2"), v1.etag());
    assertNotEquals(v1.etag(), v2.etag());
    assertThrows(EtagMismatchException.class, () -> store.putIfMatch("p/map", utf8("3"), v1.etag()));
    assertArrayEquals(utf8("2"), store.getBytes("p/map").bytes());
    assertThrows(EtagMismatchException.class, () -> store.putIfMatch("p/none", utf8("x"), v1.etag()));
  }

  @Test
  void aFileGoesUpAndComesBackByteForByteWithItsEtag() throws IOException {
    byte[] content = new byte[3 * 1024 * 1024 + 17];
    new Random(7).nextBytes(content);
    Path file = Files.write(tmp.resolve("up.bin"), content);
    StoredObject put = store.putIfAbsent("p/blob", file);
    assertEquals(content.length, put.size());

    StoredObject got = store.getToFile("p/blob", tmp.resolve("down.bin"));
    assertArrayEquals(content, Files.readAllBytes(tmp.resolve("down.bin")));
    assertEquals(put.etag(), got.etag());
    assertEquals(content.length, got.size());
    assertEquals(new StoredObject("p/blob", put.etag(), content.length), store.head("p/blob").orElseThrow());
  }

  @Test
  void aMissingObjectIsNotFoundToReadAbsentToHeadAndNothingToDelete() {
    assertThrows(ObjectNotFoundException.class, () -> store.getBytes("p/none"));
    assertThrows(ObjectNotFoundException.class, () -> store.getToFile("p/none", tmp.resolve("none")));
    assertTrue(store.head("p/none").isEmpty());
    store.delete("p/none");
    store.putIfAbsent("p/gone", utf8("x"));
    store.delete("p/gone");
    assertTrue(store.head("p/gone").isEmpty());
  }

  @Test
  void aListingPagesThroughEveryKeyUnderThePrefixInKeyOrder() {
    try (ObjectStore paged = S3ObjectStore.connect(s3.location("p"), S3Server.credentials(), metrics, 2)) {
      for (String key : List.of("p/l/c", "p/l/a", "p/l/e", "p/l/b", "p/l/d", "p/other", "p/l-not")) {
        paged.putIfAbsent(key, utf8(key));
      }
      List<String> keys = paged.list("p/l/").stream().map(StoredObject::key).toList();
      assertEquals(List.of("p/l/a", "p/l/b", "p/l/c", "p/l/d", "p/l/e"), keys);
      assertTrue(paged.list("p/l/").stream().allMatch(o -> o.size() == 5 && !o.etag().isEmpty()));
      assertCount("list", "ok", 6);
    }
  }

  @Test
  void aPortNobodyListensOnIsUnavailableWithAOneLineReason() throws IOException {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    StoreLocation nowhere = new StoreLocation(S3Server.BUCKET, "p", URI.create("http://127.0.0.1:" + port),
        StoreLocation.DEFAULT_REGION, true);
    try (ObjectStore down = S3ObjectStore.connect(nowhere, S3Server.credentials(), metrics)) {
      StoreUnavailableException e = assertThrows(StoreUnavailableException.class,
          () -> down.putIfAbsent("p/models/m/versions/1.json", utf8("{}")));
      assertOneLine(e.getMessage());
      assertTrue(e.getMessage().startsWith("bucket store unavailable: put s3://" + S3Server.BUCKET
          + "/p/models/m/versions/1.json at http://127.0.0.1:" + port + ": "), e.getMessage());
      assertTrue(e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("connect"), e.getMessage());
      assertThrows(StoreUnavailableException.class, () -> down.getBytes("p/x"));
      assertThrows(StoreUnavailableException.class, () -> down.head("p/x"));
      assertThrows(StoreUnavailableException.class, () -> down.list("p/"));
      assertCount("put", "error", 1);
      assertCount("head", "error", 1);
    }
  }

  @Test
  void aStoppedServiceIsUnavailableAndItsDataIsThereWhenItReturns() throws Exception {
    store.putIfAbsent("p/kept", utf8("kept"));
    s3.close();
    StoreUnavailableException e = assertThrows(StoreUnavailableException.class, () -> store.getBytes("p/kept"));
    assertOneLine(e.getMessage());
    assertTrue(e.getMessage().startsWith("bucket store unavailable: get s3://" + S3Server.BUCKET + "/p/kept at "
        + s3.endpoint()), e.getMessage());
    s3 = s3.restart();
    assertArrayEquals(utf8("kept"), store.getBytes("p/kept").bytes());
  }

  @Test
  void credentialsTheServiceRefusesMakeItUnavailableWithItsError() {
    StoreLocation location = s3.location("p");
    StaticCredentialsProvider wrong = StaticCredentialsProvider.create(
        AwsBasicCredentials.create(S3Server.ACCESS_KEY, "not-the-secret"));
    try (ObjectStore refused = S3ObjectStore.connect(location, wrong, metrics)) {
      StoreUnavailableException e = assertThrows(StoreUnavailableException.class, () -> refused.getBytes("p/x"));
      assertOneLine(e.getMessage());
      assertTrue(e.getMessage().contains("HTTP 403 SignatureDoesNotMatch"), e.getMessage());
    }
  }

  @Test
  void everyRequestIsCountedByOperationAndOutcome() {
    StoredObject first = store.putIfAbsent("p/c", utf8("1"));
    assertThrows(ObjectExistsException.class, () -> store.putIfAbsent("p/c", utf8("2")));
    store.putIfMatch("p/c", utf8("3"), first.etag());
    store.getBytes("p/c");
    assertThrows(ObjectNotFoundException.class, () -> store.getBytes("p/none"));
    store.head("p/c");
    store.head("p/none");
    store.list("p/");
    store.delete("p/c");
    assertCount("put", "ok", 2);
    assertCount("put", "conflict", 1);
    assertCount("get", "ok", 1);
    assertCount("get", "missing", 1);
    assertCount("head", "ok", 1);
    assertCount("head", "missing", 1);
    assertCount("list", "ok", 1);
    assertCount("delete", "ok", 1);
  }

  private void assertCount(String operation, String outcome, int count) {
    String line = "torchfeed_store_requests_total{operation=\"" + operation + "\",outcome=\"" + outcome + "\"} "
        + count + ".0";
    String scrape = metrics.scrape();
    assertTrue(scrape.lines().anyMatch(line::equals), "no line '" + line + "' in\n" + scrape);
  }

  private static void assertOneLine(String message) {
    assertFalse(message.contains("\n") || message.contains("\r"), message);
  }
}
