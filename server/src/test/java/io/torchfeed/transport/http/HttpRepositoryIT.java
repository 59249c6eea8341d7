package io.torchfeed.transport.http;

import static io.torchfeed.support.HttpApi.ADMIN;
import static io.torchfeed.support.HttpApi.describe;
import static io.torchfeed.support.HttpApi.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.torchfeed.config.ServerConfig;
import io.torchfeed.repository.ModelRepository;
import io.torchfeed.support.Await;
import io.torchfeed.support.Fixtures;
import io.torchfeed.support.HttpApi;
import io.torchfeed.support.Scans;
import io.torchfeed.support.TestServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repository behind the HTTP API: {@code --keep} pruning after uploads (a server keeping 2 versions and
 * accepting uploads up to 1 MiB; the upload size limit is {@code HttpLimitsIT}'s), and hot reload of a version
 * copied in slowly (a server of its own).
 */
class HttpRepositoryIT {
  private static final long MAX_UPLOAD = 1 << 20;
  /**
   * The settle window of the hot reload test: longer than any wait of a passing test, so a file written during the
   * test is still settling at every scan the test waits for, however slowly those scans come.
   */
  private static final Duration LONG_SETTLE = Duration.ofMinutes(10);
  /** A modification time older than {@link #LONG_SETTLE}: a file that has been in place for a while. */
  private static final FileTime LONG_AGO = FileTime.from(Instant.now().minus(LONG_SETTLE).minusSeconds(60));

  @TempDir
  static Path tmp;
  static Path repo;
  static TestServer server;
  static HttpApi http;

  @BeforeAll
  static void start() throws IOException {
    repo = tmp.resolve("repo");
    Fixtures.copy(Fixtures.model("toynet"), repo.resolve("toynet/1/model.pt"));
    server = TestServer.withAdmin(repo, tmp.resolve("cache"), 2, MAX_UPLOAD);
    http = new HttpApi(server);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static List<Integer> versionsOnDisk(String name) throws IOException {
    TreeSet<Integer> versions = new TreeSet<>();
    try (var children = Files.list(repo.resolve(name))) {
      children.map(p -> p.getFileName().toString()).filter(n -> n.matches("[0-9]+"))
          .forEach(n -> versions.add(Integer.parseInt(n)));
    }
    return List.copyOf(versions);
  }

  private static List<Integer> versionsServed(String name) {
    List<Integer> versions = new ArrayList<>();
    json(http.get("/v1/models/" + name)).path("versions").forEach(m -> versions.add(m.path("version").asInt()));
    return versions;
  }

  @Test
  void keepPrunesTheOldestVersionsAfterAnUploadUnlessAnAliasPointsAtThem() throws IOException {
    Path file = Fixtures.model("toynet");
    assertEquals(200, http.put("/v1/models/toynet/aliases/pinned", "{\"version\": 1}", ADMIN).statusCode());
    assertEquals(201, http.upload("/v1/models/toynet/versions", file, ADMIN).statusCode());
    assertEquals(List.of(1, 2), versionsOnDisk("toynet"));
    assertEquals(201, http.upload("/v1/models/toynet/versions", file, ADMIN).statusCode());
    assertEquals(List.of(1, 2, 3), versionsOnDisk("toynet"), "1 is beyond --keep 2 but aliased");
    assertEquals(201, http.upload("/v1/models/toynet/versions", file, ADMIN).statusCode());
    assertEquals(List.of(1, 3, 4), versionsOnDisk("toynet"), "2 is pruned, 1 is still aliased");
    assertEquals(List.of(1, 3, 4), versionsServed("toynet"));
    assertEquals(404, http.get("/v1/models/toynet/versions/2").statusCode());
  }

  /**
   * A copy made in place ({@code cp -p}) into the repository of a server of its own: written in 15 pieces, then
   * given its source's (old) modification time. After each piece, once two complete scans have seen it, the
   * half-written version 2 is neither served nor rejected and version 1 is served whole; once the copy is complete,
   * the server picks version 2 up by itself and serves it whole. The settle window is {@link #LONG_SETTLE}: with the
   * usual 200 ms, a slow scan could find a piece settled and reject it.
   */
  @Test
  void aVersionCopiedInSlowlyIsServedOnlyOnceCompleteWhileTheLatestKeepsBeingServed() throws Exception {
    Path hotRepo = tmp.resolve("hot-repo");
    Path first = hotRepo.resolve("hot/1/model.pt");
    Fixtures.copy(Fixtures.model("toynet"), first);
    Files.setLastModifiedTime(first, LONG_AGO); // in place for a while: settled
    byte[] old = Files.readAllBytes(Fixtures.model("toynet"));
    byte[] next = Files.readAllBytes(Fixtures.model("dtypes"));
    try (TestServer hot = TestServer.start(TestServer.config(hotRepo,
        tmp.resolve("hot-cache"), Optional.empty(), TestServer.limits(), 0,
        new ServerConfig.Http(0, Optional.empty())).withSettle(LONG_SETTLE))) {
      HttpApi api = new HttpApi(hot);
      ModelRepository repository = hot.server().repository();
      Path target = hotRepo.resolve("hot/2/model.pt");
      Files.createDirectories(target.getParent());
      int chunks = 15;
      try (OutputStream out = Files.newOutputStream(target)) {
        for (int i = 0; i < chunks; i++) {
          int from = next.length * i / chunks;
          out.write(next, from, next.length * (i + 1) / chunks - from);
          Scans.awaitTwoOfTheFilesAsTheyAreNow(repository);
          String state = (i + 1) + " of " + chunks + " pieces written";
          assertServesOnlyVersion1(api, old, state);
          assertEquals(List.of(), hot.server().catalog().current().rejected(),
              "the half-written file is left out, not rejected; " + state);
        }
      }
      Files.setLastModifiedTime(target, LONG_AGO); // the copy is complete and keeps its source's time
      Await.until(() -> servesAWholeVersion(api, old, next).equals("2"), "version 2 to be served once complete");
      HttpResponse<byte[]> latest = api.get("/v1/models/hot/content");
      assertEquals("2", latest.headers().firstValue("X-Torchfeed-Version").orElse(""), describe(latest));
      assertArrayEquals(next, latest.body());
      assertArrayEquals(old, api.get("/v1/models/hot/versions/1/content").body());
    }
  }

  /** The latest version's number, after checking that its bytes are all of version 1 or all of version 2. */
  private static String servesAWholeVersion(HttpApi api, byte[] old, byte[] next) {
    HttpResponse<byte[]> content = api.get("/v1/models/hot/content");
    assertEquals(200, content.statusCode(), describe(content));
    String version = content.headers().firstValue("X-Torchfeed-Version").orElse("");
    assertArrayEquals(version.equals("2") ? next : old, content.body(), "version " + version);
    return version;
  }

  /** Version 1 is the latest and its bytes are served; version 2 is not served at all. */
  private static void assertServesOnlyVersion1(HttpApi api, byte[] old, String state) {
    HttpResponse<byte[]> content = api.get("/v1/models/hot/content");
    assertEquals(200, content.statusCode(), describe(content));
    assertEquals("1", content.headers().firstValue("X-Torchfeed-Version").orElse(""), state);
    assertArrayEquals(old, content.body(), state);
    assertEquals(404, api.get("/v1/models/hot/versions/2/content").statusCode(), state);
    JsonNode model = json(api.get("/v1/models/hot"));
    assertEquals(1, model.path("versions").size(), state + ": " + model);
  }
}
