package io.torchfeed.transport.http;

import static io.torchfeed.support.HttpApi.describe;
import static io.torchfeed.support.HttpApi.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.torchfeed.client.TorchfeedClient;
import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModelId;
import io.torchfeed.support.Fixtures;
import io.torchfeed.support.HttpApi;
import io.torchfeed.support.RepositorySnapshot;
import io.torchfeed.support.TestServer;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SortedMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The reading side of the HTTP API against a real, read-only server (no admin token) over every fixture, with
 * the alias {@code toynet@stable -> 1}.
 */
class HttpReadIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path tmp;
  static Path repo;
  static TestServer server;
  static HttpApi http;
  static byte[] toynet;
  static String toynetSha;

  @BeforeAll
  static void start() throws Exception {
    repo = Fixtures.repository(tmp.resolve("repo"));
    Files.writeString(repo.resolve("toynet/aliases.json"), "{\"stable\": 1}");
    server = TestServer.start(repo, tmp.resolve("cache"));
    http = new HttpApi(server);
    toynet = Files.readAllBytes(Fixtures.model("toynet"));
    toynetSha = Fixtures.golden("toynet").sha256();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static List<String> goodModels() {
    return Fixtures.GOOD;
  }

  private static void assertError(int status, String type, HttpResponse<byte[]> response) {
    assertEquals(status, response.statusCode(), describe(response));
    assertEquals("application/json", response.headers().firstValue("Content-Type").orElse(""));
    JsonNode body = json(response);
    assertEquals(status, body.path("code").asInt(), describe(response));
    assertEquals(type, body.path("type").asText(), describe(response));
    assertTrue(body.path("message").isTextual() && !body.path("message").asText().isBlank(), describe(response));
  }

  private static String header(HttpResponse<?> response, String name) {
    return response.headers().firstValue(name).orElse(null);
  }

  @Test
  void healthAndReadiness() {
    HttpResponse<byte[]> alive = http.get("/healthz");
    assertEquals(200, alive.statusCode());
    assertEquals("alive", json(alive).path("status").asText());
    HttpResponse<byte[]> ready = http.get("/readyz");
    assertEquals(200, ready.statusCode());
    assertEquals("ready", json(ready).path("status").asText());
  }

  @Test
  void theListIsTheTcpProtocolsListDocument() {
    HttpResponse<byte[]> response = http.get("/v1/models");
    assertEquals(200, response.statusCode(), describe(response));
    try (TorchfeedClient client = server.client()) {
      assertEquals(JSON.valueToTree(client.list()), json(response));
    }
    assertEquals(Fixtures.BAD.size(), json(response).path("rejected").size());
    assertEquals(1, json(response).path("models").get(3).path("aliases").path("stable").asInt(),
        json(response).toString());
  }

  @Test
  void theModelDocumentHasLatestAliasesAndEveryManifest() throws Exception {
    JsonNode model = json(http.get("/v1/models/toynet"));
    assertEquals("toynet", model.path("name").asText());
    assertEquals(1, model.path("latest").asInt());
    assertEquals(1, model.path("aliases").path("stable").asInt());
    assertEquals(1, model.path("versions").size());
    assertEquals(Fixtures.goldenWithChunks("toynet"),
        JSON.treeToValue(model.path("versions").get(0), Manifest.class));
    assertEquals(List.of("name", "latest", "aliases", "versions"), fieldNames(model));
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  @ParameterizedTest
  @ValueSource(strings = {"1", "latest", "@stable"})
  void theManifestOfAVersionNamedByNumberLatestOrAlias(String version) throws Exception {
    HttpResponse<byte[]> response = http.get("/v1/models/toynet/versions/" + version);
    assertEquals(200, response.statusCode(), describe(response));
    assertEquals(Fixtures.goldenWithChunks("toynet"), JSON.readValue(response.body(), Manifest.class),
        "HTTP documents carry the chunk digests always");
  }

  @ParameterizedTest
  @MethodSource("goodModels")
  void contentIsTheExactFileWithItsHeaders(String name) throws Exception {
    byte[] file = Files.readAllBytes(Fixtures.model(name));
    String sha = Fixtures.golden(name).sha256();
    HttpResponse<byte[]> response = http.get("/v1/models/" + name + "/versions/1/content");
    assertEquals(200, response.statusCode(), describe(response));
    assertArrayEquals(file, response.body());
    assertEquals("application/octet-stream", header(response, "Content-Type"));
    assertEquals(String.valueOf(file.length), header(response, "Content-Length"));
    assertEquals("\"" + sha + "\"", header(response, "ETag"));
    assertEquals("bytes", header(response, "Accept-Ranges"));
    assertEquals("1", header(response, "X-Torchfeed-Version"));
    assertEquals(sha, header(response, "X-Torchfeed-Sha256"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"/v1/models/toynet/content", "/v1/models/toynet@stable/content",
      "/v1/models/toynet/versions/@stable/content", "/v1/models/toynet/versions/latest/content"})
  void contentOfTheLatestVersionOrOfAnAlias(String path) {
    HttpResponse<byte[]> response = http.get(path);
    assertEquals(200, response.statusCode(), describe(response));
    assertArrayEquals(toynet, response.body());
    assertEquals("1", header(response, "X-Torchfeed-Version"));
  }

  @ParameterizedTest
  @MethodSource("goodModels")
  void aBlobIsTheServedFileWithThatSha256(String name) throws Exception {
    byte[] file = Files.readAllBytes(Fixtures.model(name));
    String sha = Fixtures.golden(name).sha256();
    HttpResponse<byte[]> response = http.get("/v1/blobs/sha256:" + sha);
    assertEquals(200, response.statusCode(), describe(response));
    assertArrayEquals(file, response.body());
    assertEquals("application/octet-stream", header(response, "Content-Type"));
    assertEquals(String.valueOf(file.length), header(response, "Content-Length"));
    assertEquals("\"" + sha + "\"", header(response, "ETag"));
    assertEquals(sha, header(response, "X-Torchfeed-Sha256"));
  }

  @Test
  void aBlobAnswersRangesConditionsAndHeadAsContentDoes() {
    String path = "/v1/blobs/sha256:" + toynetSha;
    String etag = "\"" + toynetSha + "\"";
    HttpResponse<byte[]> middle = http.get(path, "Range", "bytes=100-199", "If-Range", etag);
    assertEquals(206, middle.statusCode(), describe(middle));
    assertEquals("bytes 100-199/" + toynet.length, header(middle, "Content-Range"));
    assertArrayEquals(Arrays.copyOfRange(toynet, 100, 200), middle.body());
    assertError(416, "RANGE_NOT_SATISFIABLE", http.get(path, "Range", "bytes=" + toynet.length + "-"));
    HttpResponse<byte[]> same = http.get(path, "If-None-Match", etag);
    assertEquals(304, same.statusCode());
    assertEquals(etag, header(same, "ETag"));
    HttpResponse<byte[]> head = http.head(path);
    assertEquals(200, head.statusCode());
    assertEquals(String.valueOf(toynet.length), header(head, "Content-Length"));
    assertEquals(0, head.body().length);
  }

  @Test
  void anUnknownBlobIsNotFound() {
    HttpResponse<byte[]> response = http.get("/v1/blobs/sha256:" + "0".repeat(64));
    assertError(404, "NOT_FOUND", response);
    assertEquals("no served model file has sha256 " + "0".repeat(64), json(response).path("message").asText());
  }

  @ParameterizedTest
  @ValueSource(strings = {"/v1/blobs/x", "/v1/blobs/sha256:abc", "/v1/blobs/sha512:00",
      "/v1/blobs/SHA256:0000000000000000000000000000000000000000000000000000000000000000",
      "/v1/blobs/sha256:000000000000000000000000000000000000000000000000000000000000000A",
      "/v1/blobs/0000000000000000000000000000000000000000000000000000000000000000"})
  void aMalformedDigestIsABadRequest(String path) {
    assertError(400, "BAD_REQUEST", http.get(path));
  }

  @Test
  void rangesGivePartialContent() {
    String path = "/v1/models/toynet/content";
    int size = toynet.length;
    HttpResponse<byte[]> middle = http.get(path, "Range", "bytes=100-199");
    assertEquals(206, middle.statusCode());
    assertEquals("bytes 100-199/" + size, header(middle, "Content-Range"));
    assertEquals("100", header(middle, "Content-Length"));
    assertArrayEquals(Arrays.copyOfRange(toynet, 100, 200), middle.body());
    assertEquals("\"" + toynetSha + "\"", header(middle, "ETag"), "the ETag names the whole file");

    HttpResponse<byte[]> tail = http.get(path, "Range", "bytes=1000-");
    assertEquals(206, tail.statusCode());
    assertArrayEquals(Arrays.copyOfRange(toynet, 1000, size), tail.body());

    HttpResponse<byte[]> suffix = http.get(path, "Range", "bytes=-10");
    assertEquals(206, suffix.statusCode());
    assertEquals("bytes " + (size - 10) + "-" + (size - 1) + "/" + size, header(suffix, "Content-Range"));
    assertArrayEquals(Arrays.copyOfRange(toynet, size - 10, size), suffix.body());

    HttpResponse<byte[]> pastTheEnd = http.get(path, "Range", "bytes=" + (size - 5) + "-" + (size * 2));
    assertEquals(206, pastTheEnd.statusCode());
    assertArrayEquals(Arrays.copyOfRange(toynet, size - 5, size), pastTheEnd.body());
  }

  @Test
  void aRangeOutsideTheFileIs416WithTheSize() {
    HttpResponse<byte[]> response = http.get("/v1/models/toynet/content", "Range", "bytes=" + toynet.length + "-");
    assertError(416, "RANGE_NOT_SATISFIABLE", response);
    assertEquals("bytes */" + toynet.length, header(response, "Content-Range"));
  }

  @Test
  void severalRangesOrAnIfRangeForAnotherFileGetTheWholeFile() {
    HttpResponse<byte[]> several = http.get("/v1/models/toynet/content", "Range", "bytes=0-1,5-6");
    assertEquals(200, several.statusCode());
    assertArrayEquals(toynet, several.body());
    HttpResponse<byte[]> stale = http.get("/v1/models/toynet/content", "Range", "bytes=0-1",
        "If-Range", "\"0000\"");
    assertEquals(200, stale.statusCode());
    assertArrayEquals(toynet, stale.body());
    HttpResponse<byte[]> current = http.get("/v1/models/toynet/content", "Range", "bytes=0-1",
        "If-Range", "\"" + toynetSha + "\"");
    assertEquals(206, current.statusCode());
    assertEquals(2, current.body().length);
  }

  @Test
  void ifNoneMatchWithTheEtagIsNotModified() {
    HttpResponse<byte[]> same = http.get("/v1/models/toynet/content", "If-None-Match", "\"" + toynetSha + "\"");
    assertEquals(304, same.statusCode());
    assertEquals(0, same.body().length);
    assertEquals("\"" + toynetSha + "\"", header(same, "ETag"));
    HttpResponse<byte[]> other = http.get("/v1/models/toynet/content", "If-None-Match", "\"0000\"");
    assertEquals(200, other.statusCode());
    assertArrayEquals(toynet, other.body());
  }

  @Test
  void headGivesTheHeadersWithoutTheBody() {
    HttpResponse<byte[]> content = http.head("/v1/models/toynet/versions/1/content");
    assertEquals(200, content.statusCode());
    assertEquals(String.valueOf(toynet.length), header(content, "Content-Length"));
    assertEquals("\"" + toynetSha + "\"", header(content, "ETag"));
    assertEquals(0, content.body().length);
    HttpResponse<byte[]> range = http.head("/v1/models/toynet/content", "Range", "bytes=0-9");
    assertEquals(206, range.statusCode());
    assertEquals("10", header(range, "Content-Length"));
    HttpResponse<byte[]> list = http.head("/v1/models");
    assertEquals(200, list.statusCode());
    assertEquals(0, list.body().length);
  }

  @Test
  void concurrentWholeAndRangedDownloadsOfOneFileAllGetTheirBytes() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        int first = i * 997;
        results.add(pool.submit(() -> {
          if (first == 0) {
            return Arrays.equals(toynet, http.get("/v1/models/toynet/content").body());
          }
          byte[] part = http.get("/v1/models/toynet/content", "Range", "bytes=" + first + "-").body();
          return Arrays.equals(Arrays.copyOfRange(toynet, first, toynet.length), part);
        }));
      }
      for (Future<Boolean> result : results) {
        assertTrue(result.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void unknownModelsVersionsAndAliasesAreNotFound() {
    HttpResponse<byte[]> model = http.get("/v1/models/resnet");
    assertError(404, "NOT_FOUND", model);
    assertEquals("no model named 'resnet'", json(model).path("message").asText());
    assertError(404, "NOT_FOUND", http.get("/v1/models/toynet/versions/7"));
    assertError(404, "NOT_FOUND", http.get("/v1/models/toynet/versions/7/content"));
    assertError(404, "NOT_FOUND", http.get("/v1/models/toynet/versions/@canary"));
    assertError(404, "NOT_FOUND", http.get("/v1/models/toynet@canary/content"));
    assertError(404, "NOT_FOUND", http.get("/v1/models/resnet/content"));
  }

  @Test
  void aRejectedModelIsNotFoundWithTheReason() {
    HttpResponse<byte[]> response = http.get("/v1/models/bad-empty/versions/1");
    assertError(404, "NOT_FOUND", response);
    assertTrue(json(response).path("message").asText().contains("was rejected"), describe(response));
  }

  @ParameterizedTest
  @ValueSource(strings = {"/v1/models/toynet/versions/0", "/v1/models/toynet/versions/x",
      "/v1/models/toynet/versions/-1", "/v1/models/toynet/versions/99999999999", "/v1/models/.hidden",
      "/v1/models/toynet@stable", "/v1/models/toynet/diff", "/v1/models/toynet/diff?from=1&to=oops",
      "/v1/models/toynet@@x/content"})
  void badReferencesAreBadRequests(String path) {
    assertError(400, "BAD_REQUEST", http.get(path));
  }

  @Test
  void unknownPathsAre404AndOtherMethods405WithAllow() {
    assertError(404, "NOT_FOUND", http.get("/v2/models"));
    assertError(404, "NOT_FOUND", http.get("/v1/models/toynet/versions/1/content/more"));
    HttpResponse<byte[]> post = http.post("/v1/models", new byte[0]);
    assertError(405, "METHOD_NOT_ALLOWED", post);
    assertEquals("GET, HEAD", header(post, "Allow"));
    HttpResponse<byte[]> delete = http.delete("/v1/models/toynet/content");
    assertError(405, "METHOD_NOT_ALLOWED", delete);
    HttpResponse<byte[]> put = http.put("/v1/models/toynet/versions/1", "{}");
    assertError(405, "METHOD_NOT_ALLOWED", put);
    assertEquals("DELETE, GET, HEAD", header(put, "Allow"));
  }

  @Test
  void withoutAnAdminTokenEveryChangeIsForbiddenAndChangesNothing() throws Exception {
    SortedMap<String, String> before = RepositorySnapshot.of(repo, UploadArea.DIRECTORY);
    assertError(403, "FORBIDDEN", http.upload("/v1/models/toynet/versions", Fixtures.model("toynet")));
    assertError(403, "FORBIDDEN", http.upload("/v1/models/toynet/versions", Fixtures.model("toynet"),
        HttpApi.ADMIN));
    assertError(403, "FORBIDDEN", http.put("/v1/models/toynet/aliases/stable", "{\"version\": 1}"));
    assertError(403, "FORBIDDEN", http.delete("/v1/models/dtypes/versions/1"));
    assertEquals(before, RepositorySnapshot.of(repo, UploadArea.DIRECTORY));
    assertTrue(Files.notExists(repo.resolve(UploadArea.DIRECTORY)), "a read-only server writes nothing");
  }

  @Test
  void diffOfAVersionWithItselfIsIdentical() {
    HttpResponse<byte[]> response = http.get("/v1/models/toynet/diff?from=1&to=latest");
    assertEquals(200, response.statusCode(), describe(response));
    JsonNode diff = json(response);
    assertEquals(1, diff.path("from").asInt());
    assertEquals(1, diff.path("to").asInt());
    assertTrue(diff.path("identical").asBoolean());
    assertEquals(0, diff.path("differences").size());
    assertEquals(json(response), json(http.get("/v1/models/toynet/diff?from=@stable")), "to defaults to latest");
    assertError(404, "NOT_FOUND", http.get("/v1/models/toynet/diff?from=1&to=9"));
  }

  @Test
  void metricsCountFetchesAndBytesOverBothTransports() {
    assertEquals(200, http.get("/v1/models/dtypes/content").statusCode());
    try (TorchfeedClient client = server.client()) {
      client.fetch(ModelId.parse("dtypes"), 0, 0, new ByteArrayOutputStream(), null);
    }
    HttpResponse<byte[]> response = http.get("/metrics");
    assertEquals(200, response.statusCode());
    assertTrue(header(response, "Content-Type").startsWith("text/plain; version=0.0.4"));
    String text = new String(response.body());
    for (String expected : List.of(
        "torchfeed_fetches_total{name=\"dtypes\",transport=\"http\",version=\"1\"}",
        "torchfeed_fetches_total{name=\"dtypes\",transport=\"tcp\",version=\"1\"}",
        "torchfeed_sent_bytes_total{transport=\"http\"}", "torchfeed_sent_bytes_total{transport=\"tcp\"}",
        "torchfeed_tcp_connections ", "torchfeed_subscribers ", "torchfeed_validation_seconds_count{",
        "torchfeed_validation_rejects_total ", "torchfeed_rejected_files " + Fixtures.BAD.size() + ".0")) {
      assertTrue(text.contains(expected), "no " + expected + " in\n" + text);
    }
  }
}
