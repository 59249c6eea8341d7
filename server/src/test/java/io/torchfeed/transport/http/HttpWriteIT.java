package io.torchfeed.transport.http;

import static io.torchfeed.support.HttpApi.ADMIN;
import static io.torchfeed.support.HttpApi.describe;
import static io.torchfeed.support.HttpApi.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.torchfeed.client.TorchfeedClient;
import io.torchfeed.model.Manifest;
import io.torchfeed.model.ModelId;
import io.torchfeed.support.Await;
import io.torchfeed.support.Fixtures;
import io.torchfeed.support.HttpApi;
import io.torchfeed.support.RepositorySnapshot;
import io.torchfeed.support.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The writing side of the HTTP API against a real server with an admin token: uploads (good, bad, shape
 * changes), aliases, deletes. Each test works on its own model so the tests do not depend on their order.
 */
class HttpWriteIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path tmp;
  static Path repo;
  static TestServer server;
  static HttpApi http;

  @BeforeAll
  static void start() {
    repo = Fixtures.repository(tmp.resolve("repo"));
    server = TestServer.withAdmin(repo, tmp.resolve("cache"), 0, 64L << 20);
    http = new HttpApi(server);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static List<String> badFixtures() {
    return Fixtures.BAD;
  }

  private static void assertStatus(int status, HttpResponse<byte[]> response) {
    assertEquals(status, response.statusCode(), describe(response));
  }

  private static void assertError(int status, String type, HttpResponse<byte[]> response) {
    assertStatus(status, response);
    assertEquals(type, json(response).path("type").asText(), describe(response));
  }

  private static Manifest manifest(HttpResponse<byte[]> response) throws IOException {
    return JSON.readValue(response.body(), Manifest.class);
  }

  private static int latest(String name) {
    return json(http.get("/v1/models/" + name)).path("latest").asInt();
  }

  private static HttpResponse<byte[]> upload(String name, Path file, String query) {
    return http.upload("/v1/models/" + name + "/versions" + query, file, ADMIN);
  }

  private static SortedMap<String, String> snapshot() {
    return RepositorySnapshot.of(repo, UploadArea.DIRECTORY);
  }

  private static void assertNoUploadsLeft() {
    assertEquals(Map.of(), RepositorySnapshot.files(repo.resolve(UploadArea.DIRECTORY)));
  }

  @Test
  void changesNeedTheBearerToken() {
    SortedMap<String, String> before = snapshot();
    for (String[] headers : List.of(new String[0], new String[] {"Authorization", "Bearer wrong"},
        new String[] {"Authorization", "Basic dGVzdDp0ZXN0"})) {
      HttpResponse<byte[]> post = http.upload("/v1/models/toynet/versions", Fixtures.model("toynet"), headers);
      assertError(401, "UNAUTHORIZED", post);
      assertEquals("Bearer realm=\"torchfeed\"", post.headers().firstValue("WWW-Authenticate").orElse(""));
      assertError(401, "UNAUTHORIZED", http.put("/v1/models/toynet/aliases/stable", "{\"version\":1}", headers));
      assertError(401, "UNAUTHORIZED", http.delete("/v1/models/toynet/versions/1", headers));
      assertError(401, "UNAUTHORIZED", http.delete("/v1/models/toynet/aliases/stable", headers));
    }
    assertEquals(before, snapshot());
  }

  @ParameterizedTest
  @MethodSource("badFixtures")
  void aBadUploadIs422AndLeavesTheRepositoryAsItWas(String stem) {
    SortedMap<String, String> before = snapshot();
    int latest = latest("toynet");
    for (String name : List.of("toynet", "fresh-" + stem.replace('_', '-'))) {
      HttpResponse<byte[]> response = upload(name, Fixtures.bad(stem), "");
      assertError(422, "UNPROCESSABLE", response);
      String message = json(response).path("message").asText();
      assertFalse(message.isBlank() || message.contains("\n"), message);
    }
    assertEquals(before, snapshot(), "the repository is byte-for-byte as it was");
    assertNoUploadsLeft();
    assertEquals(latest, latest("toynet"));
    assertError(404, "NOT_FOUND", http.get("/v1/models/fresh-" + stem.replace('_', '-')));
  }

  @Test
  void aGoodUploadIsTheNextVersionOverHttpAndTcp() throws Exception {
    int before = latest("dtypes");
    HttpResponse<byte[]> response = upload("dtypes", Fixtures.model("dtypes"), "");
    assertStatus(201, response);
    int next = before + 1;
    assertEquals("/v1/models/dtypes/versions/" + next, response.headers().firstValue("Location").orElse(""));
    Manifest published = manifest(response);
    assertEquals(next, published.version());
    assertEquals(Fixtures.golden("dtypes").sha256(), published.sha256());
    assertEquals(Fixtures.golden("dtypes").module(), published.module());
    assertEquals(Fixtures.chunks(Fixtures.model("dtypes")), published.chunkDigests().orElseThrow(),
        "the upload's answer carries the chunk digests, as every HTTP manifest");

    assertEquals(published, manifest(http.get("/v1/models/dtypes/versions/" + next)));
    assertEquals(next, latest("dtypes"));
    byte[] file = Files.readAllBytes(Fixtures.model("dtypes"));
    assertArrayEquals(file, http.get("/v1/models/dtypes/content").body());
    try (TorchfeedClient client = server.client()) {
      assertEquals(published, client.manifest(ModelId.parse("dtypes")), "a version 3 client: the same document");
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      assertEquals(next, client.fetch(ModelId.parse("dtypes:" + next), 0, 0, bytes, null).version());
      assertArrayEquals(file, bytes.toByteArray());
    }
    assertTrue(Files.isRegularFile(repo.resolve("dtypes/" + next + "/model.pt")));
    assertNoUploadsLeft();
  }

  @Test
  void anUploadUnderANewNameIsItsVersion1() throws Exception {
    HttpResponse<byte[]> response = upload("brand-new", Fixtures.model("controlflow"), "");
    assertStatus(201, response);
    assertEquals(1, manifest(response).version());
    assertEquals(List.of(1), listed("brand-new"));
  }

  private static List<Integer> listed(String name) {
    for (JsonNode model : json(http.get("/v1/models")).path("models")) {
      if (model.path("name").asText().equals(name)) {
        List<Integer> versions = new ArrayList<>();
        model.path("versions").forEach(v -> versions.add(v.asInt()));
        return versions;
      }
    }
    return List.of();
  }

  @Test
  void aliasesNameVersionsAndProtectThemFromDeletion() throws Exception {
    Path file = Fixtures.model("controlflow");
    assertStatus(201, upload("aliased", file, ""));
    assertStatus(201, upload("aliased", file, ""));

    HttpResponse<byte[]> pointed = http.put("/v1/models/aliased/aliases/stable", "{\"version\": 1}", ADMIN);
    assertStatus(200, pointed);
    assertEquals(JSON.readTree("{\"name\":\"aliased\",\"alias\":\"stable\",\"version\":1}"), json(pointed));
    assertEquals("1", http.get("/v1/models/aliased@stable/content").headers().firstValue("X-Torchfeed-Version")
        .orElse(""));
    assertEquals(1, manifest(http.get("/v1/models/aliased/versions/@stable")).version());
    assertEquals(1, json(http.get("/v1/models/aliased")).path("aliases").path("stable").asInt());

    assertError(409, "CONFLICT", http.delete("/v1/models/aliased/versions/1", ADMIN));
    assertError(409, "CONFLICT", http.delete("/v1/models/aliased/versions/@stable", ADMIN));
    assertEquals(List.of(1, 2), listed("aliased"));

    assertStatus(200, http.put("/v1/models/aliased/aliases/stable", "{\"version\": 2}", ADMIN));
    assertEquals("2", http.get("/v1/models/aliased@stable/content").headers().firstValue("X-Torchfeed-Version")
        .orElse(""));
    HttpResponse<byte[]> deleted = http.delete("/v1/models/aliased/versions/1", ADMIN);
    assertStatus(204, deleted);
    assertEquals(0, deleted.body().length);
    assertEquals(List.of(2), listed("aliased"));
    assertTrue(Files.notExists(repo.resolve("aliased/1")));
    assertError(404, "NOT_FOUND", http.get("/v1/models/aliased/versions/1"));
    assertError(404, "NOT_FOUND", http.delete("/v1/models/aliased/versions/1", ADMIN));

    HttpResponse<byte[]> removed = http.delete("/v1/models/aliased/aliases/stable", ADMIN);
    assertStatus(204, removed);
    assertEquals(0, removed.body().length);
    assertError(404, "NOT_FOUND", http.get("/v1/models/aliased@stable/content"));
    assertTrue(json(http.get("/v1/models/aliased")).path("aliases").isEmpty());
    assertEquals(List.of(2), listed("aliased"), "the version the alias named stays");
    assertError(404, "NOT_FOUND", http.delete("/v1/models/aliased/aliases/stable", ADMIN));
    assertError(404, "NOT_FOUND", http.delete("/v1/models/resnet/aliases/stable", ADMIN));
    assertError(400, "BAD_REQUEST", http.delete("/v1/models/aliased/aliases/.bad", ADMIN));
    assertStatus(204, http.delete("/v1/models/aliased/versions/2", ADMIN));
  }

  @Test
  void badAliasRequests() {
    assertError(404, "NOT_FOUND", http.put("/v1/models/toynet/aliases/stable", "{\"version\": 9}", ADMIN));
    assertError(404, "NOT_FOUND", http.put("/v1/models/resnet/aliases/stable", "{\"version\": 1}", ADMIN));
    for (String body : List.of("", "{}", "{\"version\": \"1\"}", "{\"version\": 1.5}", "{\"version\": 0}",
        "[1]", "{\"version\": 1", "{\"version\": 99999999999}")) {
      assertError(400, "BAD_REQUEST", http.put("/v1/models/toynet/aliases/stable", body, ADMIN));
    }
    assertError(400, "BAD_REQUEST", http.put("/v1/models/toynet/aliases/.bad", "{\"version\": 1}", ADMIN));
    assertError(413, "TOO_LARGE", http.put("/v1/models/toynet/aliases/stable",
        "{\"version\": 1, \"pad\": \"" + "x".repeat(5000) + "\"}", ADMIN));
  }

  @Test
  void theShapeContractRefusesAnotherModelUnlessAllowed() throws Exception {
    int latest = latest("bnnet");
    SortedMap<String, String> before = snapshot();
    HttpResponse<byte[]> refused = upload("bnnet", Fixtures.model("toynet"), "");
    assertError(422, "UNPROCESSABLE", refused);
    JsonNode differences = json(refused).path("differences");
    assertTrue(differences.isArray() && differences.size() > 0, describe(refused));
    JsonNode first = differences.get(0);
    assertEquals(List.of("kind", "name", "expected", "actual"), fieldNames(first));
    assertTrue(json(refused).path("message").asText().contains("shape contract"), describe(refused));
    assertEquals(before, snapshot());
    assertNoUploadsLeft();

    assertError(400, "BAD_REQUEST", upload("bnnet", Fixtures.model("toynet"), "?allowShapeChange=yes"));
    HttpResponse<byte[]> allowed = upload("bnnet", Fixtures.model("toynet"), "?allowShapeChange=true");
    assertStatus(201, allowed);
    int changed = manifest(allowed).version();
    assertEquals(latest + 1, changed);

    HttpResponse<byte[]> diff = http.get("/v1/models/bnnet/diff?from=" + latest + "&to=" + changed);
    assertStatus(200, diff);
    assertEquals(latest, json(diff).path("from").asInt());
    assertEquals(changed, json(diff).path("to").asInt());
    assertFalse(json(diff).path("identical").asBoolean());
    assertEquals(differences, json(diff).path("differences"), "the diff shows what the refusal showed");
    assertEquals(List.of("from", "to", "identical", "differences"), fieldNames(json(diff)));
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  @Test
  void deletingTheLatestVersionMakesThePreviousOneLatest() {
    Path file = Fixtures.model("toynet");
    assertStatus(201, upload("shortlived", file, ""));
    assertStatus(201, upload("shortlived", file, ""));
    assertEquals(2, latest("shortlived"));
    assertStatus(204, http.delete("/v1/models/shortlived/versions/latest", ADMIN));
    assertEquals(1, latest("shortlived"));
    assertError(400, "BAD_REQUEST", http.delete("/v1/models/shortlived/versions/zero", ADMIN));
    assertError(404, "NOT_FOUND", http.delete("/v1/models/shortlived/versions/5", ADMIN));
  }

  @Test
  void anInvalidModelNameIsABadRequest() {
    assertError(400, "BAD_REQUEST", upload(".hidden", Fixtures.model("toynet"), ""));
    assertError(400, "BAD_REQUEST", upload("a%20b", Fixtures.model("toynet"), ""));
    assertNoUploadsLeft();
  }

  /** Undertow's route templates stop at a '?' in the decoded path: %3F must not reach them (UploadFuzzTest). */
  @Test
  void anEncodedQuestionMarkInAPathIsABadRequestNotAnotherRoute() {
    SortedMap<String, String> before = snapshot();
    assertError(400, "BAD_REQUEST", upload("toynet%3F", Fixtures.model("toynet"), ""));
    assertError(400, "BAD_REQUEST", http.put("/v1/models/toynet/aliases/qmark%3Fx", "{\"version\":1}", ADMIN));
    assertError(400, "BAD_REQUEST", http.get("/v1/models/toynet%3F/versions/1"));
    assertError(400, "BAD_REQUEST", http.delete("/v1/models/toynet%3F/versions/1", ADMIN));
    assertFalse(json(http.get("/v1/models/toynet")).path("aliases").has("qmark"));
    assertEquals(before, snapshot());
    assertNoUploadsLeft();
  }

  @Test
  void aDeletedVersionsFileIsClosedOnceItsDownloadsEnd() throws Exception {
    Path file = Fixtures.model("toynet");
    assertStatus(201, upload("released", file, ""));
    assertStatus(201, upload("released", file, ""));
    assertEquals(200, http.get("/v1/models/released/versions/1/content").statusCode());
    assertEquals(206, http.get("/v1/models/released/versions/1/content", "Range", "bytes=5-").statusCode());
    assertEquals(200, http.head("/v1/models/released/versions/1/content").statusCode());
    HttpResponse<InputStream> abandoned = http.client().send(
        http.request("/v1/models/released/versions/1/content").GET().build(),
        HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream body = abandoned.body()) {
      assertEquals(10, body.readNBytes(10).length);
    }
    assertStatus(204, http.delete("/v1/models/released/versions/1", ADMIN));
    awaitNoOpenDeletedFiles("/released/");
  }

  @Test
  void aLargeFileIsSentWholeAndAnAbortedDownloadReleasesIt() throws Exception {
    Path large = Fixtures.padded(Fixtures.model("toynet"), tmp.resolve("large.pt"), 48, 7);
    assertStatus(201, upload("large", large, ""));
    assertStatus(201, upload("large", Fixtures.model("toynet"), ""));
    HttpResponse<byte[]> whole = http.get("/v1/models/large/versions/1/content");
    assertStatus(200, whole);
    assertEquals(Files.size(large), whole.body().length);
    assertEquals(RepositorySnapshot.sha256(large), whole.headers().firstValue("X-Torchfeed-Sha256").orElse(""));
    assertArrayEquals(Files.readAllBytes(large), whole.body());

    HttpResponse<InputStream> abandoned = http.client().send(
        http.request("/v1/models/large/versions/1/content").GET().build(),
        HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream body = abandoned.body()) {
      assertEquals(65536, body.readNBytes(65536).length);
    }
    assertStatus(204, http.delete("/v1/models/large/versions/1", ADMIN));
    awaitNoOpenDeletedFiles("/large/");
  }

  private static void awaitNoOpenDeletedFiles(String part) {
    AtomicReference<List<String>> open = new AtomicReference<>();
    Await.until(() -> open.updateAndGet(previous -> openDeletedFiles(part)).isEmpty(),
        () -> "no descriptor to stay open on the deleted file; still open: " + open.get());
  }

  /** This JVM's open descriptors on deleted files whose path contains {@code part} (Linux /proc). */
  private static List<String> openDeletedFiles(String part) {
    List<String> open = new ArrayList<>();
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : (Iterable<Path>) fds::iterator) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.contains(part) && target.endsWith("(deleted)")) {
            open.add(target);
          }
        } catch (IOException e) {
          // closed meanwhile
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return open;
  }
}
