package io.torchfeed.transport.http;

import static io.torchfeed.support.HttpApi.ADMIN;
import static io.torchfeed.support.HttpApi.describe;
import static io.torchfeed.support.HttpApi.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.torchfeed.support.Fixtures;
import io.torchfeed.support.HttpApi;
import io.torchfeed.support.RepositorySnapshot;
import io.torchfeed.support.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repository behind the HTTP API: {@code --keep} pruning after uploads, the upload size limit, and hot
 * reload of a version copied in slowly. The server keeps 2 versions and accepts uploads up to 1 MiB.
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
  void anUploadOverTheLimitIs413AndLeavesNothingBehind() throws IOException {
    SortedMap<String, String> before = RepositorySnapshot.of(repo, UploadArea.DIRECTORY);
    String declared = upload("Content-Length: " + (MAX_UPLOAD + 1) + "\r\nExpect: 100-continue\r\n", 0);
    assertTrue(declared.startsWith("HTTP/1.1 413 "), declared);
    assertTrue(declared.contains("\"type\":\"TOO_LARGE\""), declared);
    assertTrue(!declared.contains("100 Continue"), "refused before the body is sent: " + declared);

    String streamed = upload("Transfer-Encoding: chunked\r\n", 2 * MAX_UPLOAD);
    assertTrue(streamed.startsWith("HTTP/1.1 413 "), streamed);
    assertTrue(streamed.contains("\"type\":\"TOO_LARGE\""), streamed);

    assertEquals(before, RepositorySnapshot.of(repo, UploadArea.DIRECTORY));
    assertEquals(Map.of(), RepositorySnapshot.files(repo.resolve(UploadArea.DIRECTORY)));
    assertEquals(404, http.get("/v1/models/big").statusCode());
  }

  /**
   * Sends {@code POST /v1/models/big/versions} with the extra header lines {@code headers} and then
   * {@code chunked} zero bytes in 64 KiB chunks (none if 0), stopping at the first write that fails (the server
   * stops reading past the limit and closes), and returns what the server answered. A raw socket, because
   * java.net.http waits forever when it sends Expect: 100-continue and gets a final answer instead.
   */
  private static String upload(String headers, long chunked) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", server.httpAddress().getPort())) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      out.write(("POST /v1/models/big/versions HTTP/1.1\r\nHost: localhost\r\nAuthorization: " + ADMIN[1]
          + "\r\n" + headers + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      byte[] chunk = new byte[64 * 1024];
      try {
        for (long sent = 0; sent < chunked; sent += chunk.length) {
          out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
          out.write(chunk);
          out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        if (chunked > 0) {
          out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.flush();
      } catch (IOException e) {
        // the server closed the connection after its answer
      }
      return new String(readAvailable(socket.getInputStream()), StandardCharsets.UTF_8);
    }
  }

  private static byte[] readAvailable(InputStream in) {
    java.io.ByteArrayOutputStream answer = new java.io.ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    try {
      for (int n; (n = in.read(buffer)) > 0; ) {
        answer.write(buffer, 0, n);
      }
    } catch (IOException e) {
      // a reset after the answer
    }
    return answer.toByteArray();
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
