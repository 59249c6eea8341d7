package io.torchfeed.transport.http;

import static io.torchfeed.support.HttpApi.ADMIN;
import static io.torchfeed.support.HttpApi.describe;
import static io.torchfeed.support.HttpApi.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.torchfeed.support.Fixtures;
import io.torchfeed.support.HttpApi;
import io.torchfeed.support.TestServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repository behind the HTTP API: {@code --keep} pruning after uploads and hot reload of a version copied in
 * slowly. The server keeps 2 versions and accepts uploads up to 1 MiB. (The upload size limit is
 * {@code HttpLimitsIT}'s.)
 */
class HttpRepositoryIT {
  private static final long MAX_UPLOAD = 1 << 20;

  @TempDir
  static Path tmp;
  static Path repo;
  static TestServer server;
  static HttpApi http;

  @BeforeAll
  static void start() throws IOException {
    repo = tmp.resolve("repo");
    Fixtures.copy(Fixtures.model("toynet"), repo.resolve("toynet/1/model.pt"));
    Fixtures.copy(Fixtures.model("toynet"), repo.resolve("hot/1/model.pt"));
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

  @Test
  void aVersionCopiedInSlowlyIsServedOnlyOnceCompleteWhileTheLatestKeepsBeingServed() throws Exception {
    byte[] old = Files.readAllBytes(Fixtures.model("toynet"));
    byte[] next = Files.readAllBytes(Fixtures.model("dtypes"));
    Path target = repo.resolve("hot/2/model.pt");
    Files.createDirectories(target.getParent());
    int chunks = 15;
    try (OutputStream out = Files.newOutputStream(target)) {
      for (int i = 0; i < chunks; i++) {
        int from = next.length * i / chunks;
        out.write(next, from, next.length * (i + 1) / chunks - from);
        out.flush();
        if (i < chunks - 1) {
          assertServesOnlyVersion1(old);
          Thread.sleep(100);
        }
      }
    }
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!servesAWholeVersion(old, next).equals("2") && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    HttpResponse<byte[]> latest = http.get("/v1/models/hot/content");
    assertEquals("2", latest.headers().firstValue("X-Torchfeed-Version").orElse(""), describe(latest));
    assertArrayEquals(next, latest.body());
    assertArrayEquals(old, http.get("/v1/models/hot/versions/1/content").body());
  }

  /** The latest version's number, after checking that its bytes are all of version 1 or all of version 2. */
  private static String servesAWholeVersion(byte[] old, byte[] next) {
    HttpResponse<byte[]> content = http.get("/v1/models/hot/content");
    assertEquals(200, content.statusCode(), describe(content));
    String version = content.headers().firstValue("X-Torchfeed-Version").orElse("");
    assertArrayEquals(version.equals("2") ? next : old, content.body(), "version " + version);
    return version;
  }

  /** Version 1 is the latest and its bytes are served; version 2 is not served at all. */
  private static void assertServesOnlyVersion1(byte[] old) {
    HttpResponse<byte[]> content = http.get("/v1/models/hot/content");
    assertEquals(200, content.statusCode(), describe(content));
    assertEquals("1", content.headers().firstValue("X-Torchfeed-Version").orElse(""));
    assertArrayEquals(old, content.body());
    assertEquals(404, http.get("/v1/models/hot/versions/2/content").statusCode());
    JsonNode model = json(http.get("/v1/models/hot"));
    assertEquals(1, model.path("versions").size(), model.toString());
  }
}
