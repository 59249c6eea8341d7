package io.torchfeed.transport.http;

import static io.torchfeed.support.HttpApi.ADMIN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.torchfeed.config.ServerConfig;
import io.torchfeed.model.ModelId;
import io.torchfeed.model.NameLimit;
import io.torchfeed.repository.PinnedFile;
import io.torchfeed.support.Await;
import io.torchfeed.support.Descriptors;
import io.torchfeed.support.Fixtures;
import io.torchfeed.support.HttpApi;
import io.torchfeed.support.RawDownload;
import io.torchfeed.support.RawHttp;
import io.torchfeed.support.RepositorySnapshot;
import io.torchfeed.support.TestServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every limit of the HTTP API against a real server with an admin token, configured with a small value of it
 * (README, Configuration; docs/http.md, Limits): what the client over the limit gets, that the others keep being
 * served, and that nothing is left behind. The request timeout and the idle timeout are told apart: each test
 * sets only the one it is about to a short value. Waits are {@link Await}'s: a deadline only bounds a failing test.
 */
class HttpLimitsIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int TIMEOUT_MILLIS = 30_000;
  /** A model whose name has the longest length allowed, {@link ModelId#MAX_NAME_LENGTH}. */
  private static final String LONGEST_NAME = "m".repeat(ModelId.MAX_NAME_LENGTH);

  @TempDir
  static Path tmp;
  static Path repo;
  static Path big;
  static long toynetSize;

  @BeforeAll
  static void repository() throws IOException {
    repo = tmp.resolve("repo");
    big = Fixtures.padded(Fixtures.model("toynet"), repo.resolve("big/1/model.pt"), 32, 29);
    Fixtures.copy(Fixtures.model("toynet"), repo.resolve("toynet/1/model.pt"));
    Fixtures.copy(Fixtures.model("toynet"), repo.resolve(LONGEST_NAME + "/1/model.pt"));
    toynetSize = Files.size(Fixtures.model("toynet"));
    TestServer.start(repo, tmp.resolve("cache")).close();
  }

  /** A server with an admin token over the repository (validated once, then from the cache) with these limits. */
  private static TestServer server(ServerConfig.Limits limits) {
    return TestServer.start(TestServer.config(repo, tmp.resolve("cache"), Optional.empty(), limits, 0,
        new ServerConfig.Http(0, Optional.of(TestServer.TOKEN))));
  }

  private static SortedMap<String, String> snapshot() {
    return RepositorySnapshot.of(repo, UploadArea.DIRECTORY);
  }

  @Test
  void atTheConnectionCapARequestOnTheNextConnectionIs503AndClosedWhileTheOthersAreServedAndAFreedSlotIsTaken()
      throws Exception {
    try (TestServer server = server(TestServer.limits().withMaxHttpConnections(3))) {
      List<RawHttp.Connection> admitted = new ArrayList<>();
      try {
        for (int i = 0; i < 3; i++) {
          admitted.add(new RawHttp.Connection(server.httpAddress(), TIMEOUT_MILLIS));
          assertEquals(200, admitted.get(i).get("/v1/models").status());
        }
        try (RawHttp.Connection refused = new RawHttp.Connection(server.httpAddress(), TIMEOUT_MILLIS)) {
          RawHttp.Response response = refused.get("/v1/models");
          assertError(503, response);
          assertTrue(json(response).path("message").asText().contains("limit of 3 HTTP connections"),
              response.toString());
          assertEquals("5", response.headers().get("retry-after"));
          assertEquals("close", response.headers().get("connection"));
          assertTrue(refused.closedByServer());
        }
        try (RawHttp.Connection probe = new RawHttp.Connection(server.httpAddress(), TIMEOUT_MILLIS)) {
          assertEquals(200, probe.get("/healthz").status(), "liveness is answered even at the cap");
          assertTrue(probe.closedByServer());
        }
        for (RawHttp.Connection connection : admitted) {
          assertEquals(200, connection.get("/v1/models").status(), "the admitted connections are still served");
        }
        admitted.remove(0).close();
        Await.until(() -> {
          try (RawHttp.Connection next = new RawHttp.Connection(server.httpAddress(), TIMEOUT_MILLIS)) {
            return next.get("/v1/models").status() == 200;
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }, "a new connection to take the freed slot");
      } finally {
        for (RawHttp.Connection connection : admitted) {
          connection.close();
        }
      }
    }
  }

  @Test
  void anUploadOverTheConfiguredSizeIs413BeforeItsBodyIsReadOrOnceItGrowsPastItAndLeavesNothingBehind()
      throws Exception {
    try (TestServer server = server(TestServer.limits().withMaxUploadBytes(toynetSize))) {
      SortedMap<String, String> before = snapshot();
      byte[] toynet = Files.readAllBytes(Fixtures.model("toynet"));
      byte[] oneMore = java.util.Arrays.copyOf(toynet, toynet.length + 1);

      RawHttp.Response declared = RawHttp.send(server.httpAddress(), "POST", "/v1/models/toynet/versions",
          oneMore, RawHttp.Framing.EXPECT_CONTINUE, TIMEOUT_MILLIS, "Authorization: " + ADMIN[1]);
      assertError(413, declared);
      assertTrue(json(declared).path("message").asText().contains("at most " + toynetSize + " bytes"),
          declared.toString());
      assertError(413, RawHttp.send(server.httpAddress(), "POST", "/v1/models/toynet/versions", oneMore,
          RawHttp.Framing.CONTENT_LENGTH, TIMEOUT_MILLIS, "Authorization: " + ADMIN[1]));
      // no length declared: read up to the limit, one byte more stops it (the rest is never read)
      for (byte[] body : List.of(oneMore, new byte[(int) (8 * toynetSize)])) {
        assertError(413, RawHttp.send(server.httpAddress(), "POST", "/v1/models/toynet/versions", body,
            RawHttp.Framing.CHUNKED, TIMEOUT_MILLIS, "Authorization: " + ADMIN[1]));
      }
      assertEquals(before, snapshot(), "the repository is as it was");
      assertNoUploadsLeft();

      RawHttp.Response atTheLimit = RawHttp.send(server.httpAddress(), "POST", "/v1/models/toynet/versions",
          toynet, RawHttp.Framing.CHUNKED, TIMEOUT_MILLIS, "Authorization: " + ADMIN[1]);
      assertEquals(201, atTheLimit.status(), atTheLimit.toString());
      assertEquals(2, json(atTheLimit).path("version").asInt());
      HttpApi http = new HttpApi(server);
      assertEquals(204, http.delete("/v1/models/toynet/versions/2", ADMIN).statusCode());
      assertNoUploadsLeft();
    }
  }

  @Test
  void aNameOf129CharactersIs400AndOneOf128IsServedAndUploadedTo() throws Exception {
    try (TestServer server = server(TestServer.limits())) {
      HttpApi http = new HttpApi(server);
      for (var response : List.of(http.get("/v1/models/" + "m".repeat(129)),
          http.get("/v1/models/" + "m".repeat(129) + "/versions/1/content"),
          http.get("/v1/models/" + LONGEST_NAME + "@" + "a".repeat(129) + "/content"),
          http.upload("/v1/models/" + "u".repeat(129) + "/versions", Fixtures.model("toynet"), ADMIN))) {
        assertEquals(400, response.statusCode(), HttpApi.describe(response));
        String message = HttpApi.json(response).path("message").asText();
        assertTrue(message.contains("129 characters, at most 128") && !message.contains("\n"), message);
      }
      assertEquals(200, http.get("/v1/models/" + LONGEST_NAME).statusCode());
      assertEquals(Files.size(Fixtures.model("toynet")),
          http.get("/v1/models/" + LONGEST_NAME + "/content").body().length);
      var created = http.upload("/v1/models/" + "u".repeat(128) + "/versions", Fixtures.model("toynet"), ADMIN);
      assertEquals(201, created.statusCode(), HttpApi.describe(created));
      assertEquals(204, http.delete("/v1/models/" + "u".repeat(128) + "/versions/1", ADMIN).statusCode());
      assertNoUploadsLeft();
    }
  }

  @Test
  void aConfiguredNameLengthRefusesLongerNamesWith400AndSkipsLongerModelsInTheRepository() throws Exception {
    SortedMap<String, String> before = snapshot();
    try (TestServer server = server(TestServer.limits().withNames(new NameLimit(8)))) {
      HttpApi http = new HttpApi(server);
      List<String> listed = new ArrayList<>();
      HttpApi.json(http.get("/v1/models")).path("models").forEach(m -> listed.add(m.path("name").asText()));
      assertEquals(List.of("big", "toynet"), listed, "the 128-character model is skipped by the scan");

      for (var response : List.of(http.get("/v1/models/" + LONGEST_NAME),
          http.get("/v1/models/" + LONGEST_NAME + "/versions/1/content"),
          http.get("/v1/models/toynet@ninechars/content"),
          http.get("/v1/models/toynet/versions/@ninechars"),
          http.upload("/v1/models/ninechars/versions", Fixtures.model("toynet"), ADMIN),
          http.get("/v1/models/toynet/diff?from=@ninechars&to=1"),
          http.put("/v1/models/toynet/aliases/ninechars", "{\"version\": 1}", ADMIN))) {
        assertEquals(400, response.statusCode(), HttpApi.describe(response));
        String message = HttpApi.json(response).path("message").asText();
        assertTrue(message.contains(" characters, at most 8 are allowed on this server") && !message.contains("\n"),
            message);
      }
      assertEquals(toynetSize, http.get("/v1/models/toynet/content").body().length);
      assertNoUploadsLeft();
    }
    assertEquals(before, snapshot(), "nothing was written");
  }

  @Test
  void anAliasLongerThanALoweredNameLengthCanStillBeRemovedAndNoLongerPinsItsVersion() throws Exception {
    try (TestServer server = server(TestServer.limits())) {
      assertEquals(200, new HttpApi(server).put("/v1/models/toynet/aliases/ninechars", "{\"version\": 1}", ADMIN)
          .statusCode());
    }
    try (TestServer server = server(TestServer.limits().withNames(new NameLimit(8)))) {
      HttpApi http = new HttpApi(server);
      assertEquals(400, http.get("/v1/models/toynet@ninechars/content").statusCode(), "not usable");
      var pinned = http.delete("/v1/models/toynet/versions/1", ADMIN);
      assertEquals(409, pinned.statusCode(), HttpApi.describe(pinned));
      assertTrue(HttpApi.json(pinned).path("message").asText().endsWith("point the alias elsewhere or remove it "
          + "first"), HttpApi.describe(pinned));
      var removed = http.delete("/v1/models/toynet/aliases/ninechars", ADMIN);
      assertEquals(204, removed.statusCode(), HttpApi.describe(removed));
      assertTrue(HttpApi.json(http.get("/v1/models/toynet")).path("aliases").isEmpty());
    }
  }

  @Test
  void aConnectionWithNoRequestInProgressIsClosedAfterTheIdleTimeout() throws Exception {
    try (TestServer server = server(TestServer.limits().withIdleTimeout(Duration.ofSeconds(1)));
        RawHttp.Connection afterARequest = new RawHttp.Connection(server.httpAddress(), TIMEOUT_MILLIS);
        RawHttp.Connection silent = new RawHttp.Connection(server.httpAddress(), TIMEOUT_MILLIS)) {
      assertEquals(200, afterARequest.get("/v1/models").status());
      assertTrue(afterARequest.closedWithin(TIMEOUT_MILLIS), "a kept-alive connection after its answer");
      assertTrue(silent.closedWithin(TIMEOUT_MILLIS), "a connection that never sent a byte");
    }
  }

  @Test
  void aRequestHeadThatStopsHalfWayIsClosedAfterTheRequestTimeoutThoughBytesKeepComing() throws Exception {
    try (TestServer server = server(TestServer.limits().withRequestTimeout(Duration.ofSeconds(1)));
        RawHttp.Connection idle = new RawHttp.Connection(server.httpAddress(), TIMEOUT_MILLIS);
        RawHttp.Connection stalled = new RawHttp.Connection(server.httpAddress(), TIMEOUT_MILLIS)) {
      assertEquals(200, idle.get("/v1/models").status());
      stalled.write("GET /v1/models HTTP/1.1\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
      // one more header byte every 200 ms: the client is never silent, but its request head never completes
      Await.until(() -> closedAfterOneMoreByte(stalled), "the half-sent request to be closed");
      assertEquals(200, idle.get("/v1/models").status(), "no request in progress: only the idle timeout runs");
    }
  }

  @Test
  void anUploadBodyThatStallsIsClosedAfterTheRequestTimeoutAndLeavesNothingBehind() throws Exception {
    try (TestServer server = server(TestServer.limits().withRequestTimeout(Duration.ofSeconds(1)))) {
      SortedMap<String, String> before = snapshot();
      try (Socket socket = RawHttp.connect(server.httpAddress(), TIMEOUT_MILLIS)) {
        OutputStream out = socket.getOutputStream();
        out.write(("POST /v1/models/toynet/versions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + ADMIN[1]
            + "\r\nContent-Length: " + toynetSize + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(Files.readAllBytes(Fixtures.model("toynet")), 0, 64 * 1024);
        out.flush();
        // then nothing more: the server's blocking read of the body waits for the rest
        assertTrue(readsEndOfStream(socket), "the stalled upload's connection is closed within 30 s");
      }
      Await.until(() -> RepositorySnapshot.files(repo.resolve(UploadArea.DIRECTORY)).isEmpty(),
          "the partial upload to be deleted");
      assertEquals(before, snapshot(), "the repository is as it was");
      assertEquals(200, new HttpApi(server).get("/v1/models/toynet/versions/1").statusCode());
    }
  }

  @Test
  void aClientThatStopsReadingADownloadIsDisconnectedAfterTheWriteTimeoutAndItsFileReleased() throws Exception {
    try (TestServer server = server(TestServer.limits().withWriteTimeout(Duration.ofSeconds(2)))) {
      PinnedFile file = server.server().catalog().current().resolve(ModelId.parse("big")).file();
      int references = file.references();
      long descriptors = Descriptors.open();
      String sha256 = RepositorySnapshot.sha256(big);
      try (RawDownload stalled = RawDownload.http(server.httpAddress(), "/v1/models/big/content", 4096)) {
        assertEquals(sha256, stalled.announcedSha256());
        try (RawDownload other = RawDownload.http(server.httpAddress(), "/v1/models/big/content", 0)) {
          assertEquals(sha256, other.finish(), "a client that reads is served meanwhile");
        }
        Await.until(() -> file.references() == references, "the stalled download's file to be released");
        assertThrows(IOException.class, stalled::finish, "the stream was cut short");
        assertTrue(stalled.received() < stalled.size());
      }
      Descriptors.awaitAtMost(descriptors, "the descriptors to be closed");
      try (RawDownload next = RawDownload.http(server.httpAddress(), "/v1/models/big/content", 0)) {
        assertEquals(sha256, next.finish());
      }
    }
  }

  /** True when the server closed the socket: a read ends the stream or is reset within 30 s (an answer is read). */
  private static boolean readsEndOfStream(Socket socket) {
    try {
      socket.setSoTimeout(TIMEOUT_MILLIS);
      socket.getInputStream().readAllBytes();
      return true;
    } catch (java.net.SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  private static void assertNoUploadsLeft() {
    assertEquals(Map.of(), RepositorySnapshot.files(repo.resolve(UploadArea.DIRECTORY)));
  }

  private static JsonNode json(RawHttp.Response response) throws IOException {
    return JSON.readTree(response.body());
  }

  private static void assertError(int status, RawHttp.Response response) throws IOException {
    assertEquals(status, response.status(), response.toString());
    JsonNode body = json(response);
    assertEquals(status, body.path("code").asInt(), response.toString());
    assertEquals(ErrorMapper.type(status), body.path("type").asText(), response.toString());
    String message = body.path("message").asText();
    assertFalse(message.isBlank() || message.contains("\n"), response.toString());
  }

  /** Sends one more byte of a request head, then waits up to 200 ms for the server to close: true if it did. */
  private static boolean closedAfterOneMoreByte(RawHttp.Connection stalled) {
    try {
      stalled.write(new byte[] {'a'});
    } catch (IOException e) {
      return true;
    }
    try {
      return stalled.closedWithin(200);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
