package io.torchfeed.cli;

import static io.torchfeed.support.HttpApi.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.support.Cli;
import io.torchfeed.support.Fixtures;
import io.torchfeed.support.HttpApi;
import io.torchfeed.support.RepositorySnapshot;
import io.torchfeed.support.TestServer;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import java.util.SortedMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code torchfeed publish} as a CI pipeline runs it ({@code java -jar torchfeed.jar}, its own process) against a
 * real server that accepts changes: each test publishes to a model of its own.
 */
class PublishCommandIT {
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

  private static String url() {
    return server.http("").toString();
  }

  @Test
  void aFileBecomesTheNextVersionAndTheCommandPrintsIt() throws Exception {
    String sha256 = Fixtures.golden("toynet").sha256();
    Cli.Result first = Cli.run("publish", "--http", url(), "--token", TestServer.TOKEN, "published",
        Fixtures.model("toynet").toString());
    assertEquals(0, first.exit(), first.toString());
    assertTrue(first.out().startsWith("published:1 published ("), first.toString());
    assertTrue(first.out().contains("sha256 " + sha256), first.toString());

    Cli.Result second = Cli.run(Map.of("TORCHFEED_TOKEN", TestServer.TOKEN), "publish", "--http", url(),
        "published", Fixtures.model("toynet").toString());
    assertEquals(0, second.exit(), "the token from TORCHFEED_TOKEN\n" + second);
    assertTrue(second.out().startsWith("published:2 published ("), second.toString());
    assertEquals(sha256, json(http.get("/v1/models/published/versions/2/manifest")).path("sha256").asText());
  }

  @Test
  void aFileTheServerRejectsFailsWithItsReasonInOneLineAndChangesNothing() throws Exception {
    SortedMap<String, String> before = RepositorySnapshot.of(repo, ".uploads");
    Cli.Result result = Cli.run("publish", "--http", url(), "--token", TestServer.TOKEN, "rejected",
        Fixtures.bad("not_torchscript").toString());
    assertEquals(1, result.exit(), result.toString());
    assertEquals(1, result.err().strip().lines().count(), result.toString());
    assertTrue(result.err().startsWith("torchfeed: UNPROCESSABLE (HTTP 422): "), result.toString());
    assertEquals(before, RepositorySnapshot.of(repo, ".uploads"));
  }

  @Test
  void aWrongTokenIsRefusedWithTheReason() throws Exception {
    Cli.Result result = Cli.run("publish", "--http", url(), "--token", "not-the-token", "refused",
        Fixtures.model("toynet").toString());
    assertEquals(1, result.exit(), result.toString());
    assertTrue(result.err().startsWith("torchfeed: UNAUTHORIZED (HTTP 401): "), result.toString());
    assertEquals(404, http.get("/v1/models/refused").statusCode());
  }

  @Test
  void aServerThatDoesNotAnswerAndAMissingFileAreOneLineErrors() throws Exception {
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    Cli.Result unreachable = Cli.run("publish", "--http", "http://127.0.0.1:" + closed, "--token", "t", "m",
        Fixtures.model("toynet").toString());
    assertEquals(1, unreachable.exit(), unreachable.toString());
    assertTrue(unreachable.err().startsWith("torchfeed: upload to http://127.0.0.1:" + closed + " failed: "),
        unreachable.toString());

    Cli.Result missing = Cli.run("publish", "--http", url(), "--token", "t", "m", tmp.resolve("absent.pt")
        .toString());
    assertEquals(1, missing.exit(), missing.toString());
    assertEquals("torchfeed: no such file: " + tmp.resolve("absent.pt"), missing.err().strip());
  }
}
