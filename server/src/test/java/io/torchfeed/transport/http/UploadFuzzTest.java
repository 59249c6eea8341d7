package io.torchfeed.transport.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.torchfeed.support.Fixtures;
import io.torchfeed.support.HttpApi;
import io.torchfeed.support.RawHttp;
import io.torchfeed.support.RepositorySnapshot;
import io.torchfeed.support.TestServer;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Arbitrary bytes uploaded as a new version of a model to a real server, in this JVM on an ephemeral port, with
 * an admin token, uploads of at most {@value #MAX_UPLOAD} bytes and {@code --keep 2} (docs/fuzzing.md). The
 * last byte of the input also picks how the body is framed ({@code Content-Length}, with
 * {@code Expect: 100-continue}, chunked in 64 KiB or 7-byte chunks) and the model's name: {@code fuzz}, one made
 * of the input's first bytes (percent-encoded, so anything at all), or {@code n} repeated 120 to 135 times
 * (across the 128-character limit). The body is always the whole input, so a seed that is a model is uploaded as
 * it is.
 *
 * <p>What may happen: 201 (the input is a model), or 400, 413, 422 with a one-line {@code {code, type, message}}
 * body; never 500 or another status, never a hang (a 60 s read timeout), nothing left in {@code .uploads/}
 * afterwards, and the model {@code toynet} still served with its sha256. The pre-check rejects most inputs
 * before they cost a validation. Seeds: test-fixtures' models, hostile and bad files ({@code server/pom.xml});
 * in a plain {@code mvn test} only they run.
 */
class UploadFuzzTest {
  static final int MAX_UPLOAD = 128 * 1024;
  private static final int TIMEOUT_MILLIS = 60_000;
  private static final Set<Integer> ALLOWED = Set.of(201, 400, 413, 422);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final RawHttp.Framing[] FRAMINGS = RawHttp.Framing.values();

  private static Path tmp;
  private static Path repo;
  private static TestServer server;
  private static HttpApi http;
  private static String toynetSha256;
  private static volatile int httpPort = -1;

  @BeforeAll
  static void start() throws IOException {
    tmp = Files.createTempDirectory("torchfeed-upload-fuzz-");
    repo = tmp.resolve("repo");
    Fixtures.copy(Fixtures.model("toynet"), repo.resolve("toynet/1/model.pt"));
    toynetSha256 = RepositorySnapshot.sha256(Fixtures.model("toynet"));
    server = TestServer.withAdmin(repo, tmp.resolve("cache"), 2, MAX_UPLOAD);
    http = new HttpApi(server);
    httpPort = server.httpAddress().getPort();
  }

  @AfterAll
  static void stop() throws IOException {
    if (server != null) {
      server.close();
    }
    if (tmp != null) {
      org.apache.commons.io.FileUtils.deleteDirectory(tmp.toFile());
    }
  }

  @FuzzTest(maxDuration = "5m")
  void uploadIsPublishedOrRefused(byte[] input) throws IOException {
    // Jazzer's SSRF detector (reset when fuzzing starts): the only connections expected are to this server
    try (SilentCloseable onlyThisServer = BugDetectors.allowNetworkConnections((host, port) ->
        Set.of("localhost", "127.0.0.1").contains(host) && port == httpPort)) {
      upload(input);
    }
  }

  private static void upload(byte[] input) throws IOException {
    int choice = input.length == 0 ? 0 : input[input.length - 1] & 0xFF;
    RawHttp.Framing framing = FRAMINGS[choice & 3];
    String name = name(input, choice);
    RawHttp.Response response = RawHttp.send(server.httpAddress(), "POST", "/v1/models/" + name + "/versions",
        input, framing, TIMEOUT_MILLIS, "Authorization: " + HttpApi.ADMIN[1],
        "Content-Type: application/octet-stream");
    String what = input.length + " bytes, " + framing + ", name " + abbreviate(name) + ": " + response;

    assertTrue(ALLOWED.contains(response.status()), what);
    JsonNode body = JSON.readTree(response.body());
    if (response.status() == 201) {
      assertTrue(body.path("version").asInt() > 0, what);
    } else {
      assertEquals(response.status(), body.path("code").asInt(), what);
      assertEquals(ErrorMapper.type(response.status()), body.path("type").asText(), what);
      String message = body.path("message").asText();
      assertTrue(!message.isBlank() && message.indexOf('\n') < 0 && message.indexOf('\r') < 0, what);
    }
    assertEquals(Map.of(), RepositorySnapshot.files(repo.resolve(UploadArea.DIRECTORY)), "left in .uploads/ by "
        + what);
    HttpResponse<byte[]> toynet = http.head("/v1/models/toynet/versions/1/content");
    assertEquals(200, toynet.statusCode(), what);
    assertEquals(toynetSha256, toynet.headers().firstValue("X-Torchfeed-Sha256").orElse(""), what);
  }

  /** Bits 2-3 of {@code choice}: {@code fuzz} (0, 1), the first input bytes (2), {@code n} * 120-135 (3). */
  private static String name(byte[] input, int choice) {
    return switch ((choice >> 2) & 3) {
      case 2 -> percentEncoded(input, 1 + (choice >> 4));
      case 3 -> "n".repeat(120 + (choice >> 4));
      default -> "fuzz";
    };
  }

  private static String percentEncoded(byte[] input, int length) {
    StringBuilder name = new StringBuilder();
    for (int i = 0; i < Math.min(length, input.length); i++) {
      name.append('%').append(String.format("%02X", input[i] & 0xFF));
    }
    return name.length() == 0 ? "%00" : name.toString();
  }

  private static String abbreviate(String name) {
    return name.length() > 40 ? name.substring(0, 40) + "... (" + name.length() + " chars)" : name;
  }
}
