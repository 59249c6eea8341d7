package io.torchfeed.transport.http;

import static io.torchfeed.support.HttpApi.describe;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.torchfeed.support.Fixtures;
import io.torchfeed.support.HttpApi;
import io.torchfeed.support.Nginx;
import io.torchfeed.support.TestServer;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The caching headers of docs/http.md (Caching) on a real server over every good fixture as version 1, with
 * {@code toynet@stable -> 1}: what each route answers with, and what a real nginx {@code proxy_cache} in front of
 * the server ({@link Nginx#cacheFor}: no {@code proxy_cache_valid}, so it caches only because of those headers)
 * makes of them. Each test fetches through nginx URLs no other test fetches through it, so none sees another's
 * cache entries; the server's own fetch counters show which fetches reached it.
 */
class HttpCachingIT {
  private static final String IMMUTABLE = "public, max-age=31536000, immutable";
  private static final String NO_CACHE = "no-cache";
  private static final String NO_STORE = "no-store";

  @TempDir
  static Path tmp;
  static TestServer server;
  static HttpApi http;
  static Nginx nginx;
  static HttpApi viaNginx;

  @BeforeAll
  static void start() throws IOException {
    Path repo = tmp.resolve("repo");
    for (String name : Fixtures.GOOD) {
      Fixtures.copy(Fixtures.model(name), repo.resolve(name + "/1/model.pt"));
    }
    Files.writeString(repo.resolve("toynet/aliases.json"), "{\"stable\": 1}");
    server = TestServer.start(repo, tmp.resolve("cache"));
    http = new HttpApi(server);
    nginx = Nginx.cacheFor(server.httpAddress(), Files.createDirectories(tmp.resolve("nginx")));
    viaNginx = new HttpApi(nginx::http);
  }

  @AfterAll
  static void stop() {
    if (nginx != null) {
      nginx.close();
    }
    server.close();
  }

  private static String sha(String name) {
    return Fixtures.golden(name).sha256();
  }

  private static String cacheControl(HttpResponse<?> response) {
    return response.headers().firstValue("Cache-Control").orElse("(none)");
  }

  static Stream<Arguments> routes() {
    return Stream.of(
        Arguments.of("/v1/models/toynet/versions/1/content", 200, IMMUTABLE),
        Arguments.of("/v1/blobs/sha256:" + sha("toynet"), 200, IMMUTABLE),
        Arguments.of("/v1/models/toynet/versions/1", 200, IMMUTABLE),
        Arguments.of("/v1/models/toynet/versions/latest/content", 200, NO_CACHE),
        Arguments.of("/v1/models/toynet/versions/@stable/content", 200, NO_CACHE),
        Arguments.of("/v1/models/toynet/content", 200, NO_CACHE),
        Arguments.of("/v1/models/toynet@stable/content", 200, NO_CACHE),
        Arguments.of("/v1/models/toynet/versions/latest", 200, NO_CACHE),
        Arguments.of("/v1/models/toynet/versions/@stable", 200, NO_CACHE),
        Arguments.of("/v1/models/toynet/versions/1/manifest", 200, NO_CACHE),
        Arguments.of("/v1/models", 200, NO_CACHE),
        Arguments.of("/v1/models/toynet", 200, NO_CACHE),
        Arguments.of("/v1/models/toynet/diff?from=1&to=1", 200, NO_CACHE),
        Arguments.of("/healthz", 200, NO_CACHE),
        Arguments.of("/readyz", 200, NO_CACHE),
        Arguments.of("/metrics", 200, NO_CACHE),
        Arguments.of("/v1/clients", 200, NO_CACHE),
        Arguments.of("/", 200, NO_CACHE),
        Arguments.of("/v1/models/toynet/versions/2/content", 404, NO_STORE),
        Arguments.of("/v1/models/toynet/versions/2", 404, NO_STORE),
        Arguments.of("/v1/blobs/sha256:" + "0".repeat(64), 404, NO_STORE),
        Arguments.of("/v1/blobs/sha256:0", 400, NO_STORE),
        Arguments.of("/v1/signing-key", 404, NO_STORE),
        Arguments.of("/v2/nothing", 404, NO_STORE));
  }

  @ParameterizedTest
  @MethodSource("routes")
  void eachRouteAnswersWithTheCacheControlOfItsKind(String path, int status, String expected) {
    HttpResponse<byte[]> get = http.get(path);
    assertEquals(status, get.statusCode(), describe(get));
    assertEquals(expected, cacheControl(get), path);
    HttpResponse<byte[]> head = http.head(path);
    assertEquals(expected, cacheControl(head), "HEAD " + path);
  }

  @ParameterizedTest
  @ValueSource(strings = {"/v1/models/dtypes/versions/1/content", "/v1/models/dtypes/content"})
  void aNotModifiedAnswerHasTheEtagAndCacheControlOfTheFullAnswer(String path) {
    HttpResponse<byte[]> full = http.get(path);
    assertEquals(200, full.statusCode(), describe(full));
    String etag = full.headers().firstValue("ETag").orElseThrow();
    HttpResponse<byte[]> notModified = http.get(path, "If-None-Match", etag);
    assertEquals(304, notModified.statusCode(), describe(notModified));
    assertEquals(etag, notModified.headers().firstValue("ETag").orElse("(none)"));
    assertEquals(cacheControl(full), cacheControl(notModified));
  }

  @Test
  void aPartialAnswerIsAsCacheableAsTheWholeAndAnUnsatisfiableRangeIsNotStored() throws IOException {
    String path = "/v1/models/toynet/versions/1/content";
    HttpResponse<byte[]> part = http.get(path, "Range", "bytes=0-9");
    assertEquals(206, part.statusCode(), describe(part));
    assertEquals(IMMUTABLE, cacheControl(part));
    long size = Files.size(Fixtures.model("toynet"));
    HttpResponse<byte[]> outside = http.get(path, "Range", "bytes=" + size + "-");
    assertEquals(416, outside.statusCode(), describe(outside));
    assertEquals(NO_STORE, cacheControl(outside));
  }

  @Test
  void theSecondFetchOfANumberedVersionThroughNginxIsServedByNginxAlone() {
    String fetches = fetchesOf("controlflow");
    double before = metric(fetches);
    HttpResponse<byte[]> first = viaNginx.get("/v1/models/controlflow/versions/1/content");
    HttpResponse<byte[]> second = viaNginx.get("/v1/models/controlflow/versions/1/content");
    assertServedAs("MISS", "controlflow", first);
    assertServedAs("HIT", "controlflow", second);
    assertEquals(IMMUTABLE, cacheControl(second));
    assertEquals(before + 1, metric(fetches), "only the first fetch reached the server");
  }

  @Test
  void theSecondFetchOfABlobThroughNginxIsServedByNginxAlone() {
    String fetches = fetchesOf("bnnet");
    double before = metric(fetches);
    HttpResponse<byte[]> first = viaNginx.get("/v1/blobs/sha256:" + sha("bnnet"));
    HttpResponse<byte[]> second = viaNginx.get("/v1/blobs/sha256:" + sha("bnnet"));
    assertServedAs("MISS", "bnnet", first);
    assertServedAs("HIT", "bnnet", second);
    assertEquals(before + 1, metric(fetches), "only the first fetch reached the server");
  }

  @ParameterizedTest
  @ValueSource(strings = {"/v1/models/toynet/content", "/v1/models/toynet/versions/latest/content",
      "/v1/models/toynet@stable/content"})
  void theLatestVersionAndAliasesThroughNginxAlwaysReachTheServer(String path) {
    String fetches = fetchesOf("toynet");
    double before = metric(fetches);
    HttpResponse<byte[]> first = viaNginx.get(path);
    HttpResponse<byte[]> second = viaNginx.get(path);
    // nginx 1.22 stores no answer with Cache-Control: no-cache (nor no-store, private, max-age=0): it passes every
    // request for it to the server and reports MISS, never HIT, EXPIRED or REVALIDATED
    assertServedAs("MISS", "toynet", first);
    assertServedAs("MISS", "toynet", second);
    assertEquals(NO_CACHE, cacheControl(second));
    assertEquals(before + 2, metric(fetches), "both fetches reached the server");
  }

  private static void assertServedAs(String cacheStatus, String model, HttpResponse<byte[]> response) {
    assertEquals(200, response.statusCode(), describe(response));
    assertEquals(cacheStatus, response.headers().firstValue("X-Cache-Status").orElse("(none)"),
        () -> "X-Cache-Status of " + response.uri() + "; nginx's error log:\n" + nginx.errorLog());
    assertEquals(sha(model), sha256(response.body()), "the bytes of " + model);
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String fetchesOf(String model) {
    return "torchfeed_fetches_total{name=\"" + model + "\",transport=\"http\",version=\"1\"}";
  }

  /** The value of {@code series} (name and labels as exported) in the server's own /metrics, 0 when absent. */
  private static double metric(String series) {
    HttpResponse<byte[]> response = http.get("/metrics");
    assertEquals(200, response.statusCode(), describe(response));
    return new String(response.body(), StandardCharsets.UTF_8).lines()
        .filter(line -> line.startsWith(series + " ")).findFirst()
        .map(line -> Double.parseDouble(line.substring(series.length() + 1).strip())).orElse(0.0);
  }
}
