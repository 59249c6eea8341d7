package io.torchfeed.transport.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.torchfeed.support.Fixtures;
import io.torchfeed.support.HostileFixtures;
import io.torchfeed.support.HttpApi;
import io.torchfeed.support.RepositorySnapshot;
import io.torchfeed.support.TestServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.SortedMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every file of the hostile corpus uploaded as a new version: 422 with the reason expected.tsv gives, nothing
 * changed on disk, no temporary file left, and the good models still served.
 */
class HostileUploadIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  @org.junit.jupiter.api.io.TempDir
  static Path tmp;
  static TestServer server;
  static Path repo;

  @BeforeAll
  static void start() {
    repo = tmp.resolve("repo");
    server = TestServer.withAdmin(Fixtures.repository(repo), tmp.resolve("cache"), 0, 1L << 30);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static List<HostileFixtures.Expectation> hostile() {
    return HostileFixtures.all();
  }

  @ParameterizedTest
  @MethodSource("hostile")
  void everyHostileUploadIsRefusedWithItsReason(HostileFixtures.Expectation hostile) throws Exception {
    SortedMap<String, String> before = RepositorySnapshot.of(repo, UploadArea.DIRECTORY);
    HttpResponse<byte[]> response = new HttpApi(server).upload("/v1/models/toynet/versions?allowShapeChange=true",
        hostile.path(), HttpApi.ADMIN);
    String body = new String(response.body(), java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(422, response.statusCode(), body);
    JsonNode error = JSON.readTree(body);
    assertEquals("UNPROCESSABLE", error.get("type").asText(), body);
    String message = error.get("message").asText();
    assertFalse(message.contains("\n"), message);
    if (hostile.stage() == HostileFixtures.Stage.PRECHECK) {
      assertTrue(message.contains(hostile.reason()), message + " should contain " + hostile.reason());
    }
    assertEquals(before, RepositorySnapshot.of(repo, UploadArea.DIRECTORY), "the repository is unchanged");
    assertEquals(0, RepositorySnapshot.files(repo.resolve(UploadArea.DIRECTORY)).size(), "no upload left");
    HttpResponse<byte[]> content = new HttpApi(server).get("/v1/models/toynet/content");
    assertEquals(200, content.statusCode());
    assertEquals(Fixtures.golden("toynet").sha256(), java.util.HexFormat.of().formatHex(
        java.security.MessageDigest.getInstance("SHA-256").digest(content.body())), "the good model is served");
  }
}
