package io.torchfeed.transport.http;

import static io.torchfeed.support.HttpApi.json;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.torchfeed.client.ServerAddress;
import io.torchfeed.client.TorchfeedClient;
import io.torchfeed.model.ModelListing;
import io.torchfeed.support.Await;
import io.torchfeed.support.Fixtures;
import io.torchfeed.support.HttpApi;
import io.torchfeed.support.RepositorySnapshot;
import io.torchfeed.support.ServerProcess;
import io.torchfeed.support.TestServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL of a server (a separate process) in the middle of two uploads, one of a new version and one of a new
 * model: after a restart on the same repository nothing of them is visible or left on disk.
 */
class UploadKillIT {
  private static final long DECLARED = 64L << 20;
  private static final int SENT = 4 << 20;

  @TempDir
  Path tmp;

  @Test
  void aServerKilledMidUploadRestartsWithOnlyTheOriginalVersionsAndNoLeftovers() throws Exception {
    Path repo = tmp.resolve("repo");
    Fixtures.copy(Fixtures.model("toynet"), repo.resolve("toynet/1/model.pt"));
    Fixtures.copy(Fixtures.model("dtypes"), repo.resolve("dtypes/1/model.pt"));
    SortedMap<String, String> before = RepositorySnapshot.of(repo, UploadArea.DIRECTORY);

    ServerProcess first = ServerProcess.start(repo, tmp.resolve("cache"), tmp.resolve("logs"));
    List<Socket> uploads = new ArrayList<>();
    try {
      uploads.add(startUpload(first.httpPort(), "toynet"));
      uploads.add(startUpload(first.httpPort(), "fresh"));
      awaitPartialUploads(repo, 2, first);
      first.kill();
    } finally {
      first.close();
      for (Socket socket : uploads) {
        socket.close();
      }
    }
    assertEquals(2, RepositorySnapshot.files(repo.resolve(UploadArea.DIRECTORY)).size(),
        "the killed server left its two partial uploads (what the restart must clean)");

    try (ServerProcess second = ServerProcess.start(repo, tmp.resolve("cache"), tmp.resolve("logs"))) {
      HttpApi http = second.api();
      JsonNode models = json(http.get("/v1/models")).path("models");
      assertEquals(2, models.size(), models.toString());
      for (JsonNode model : models) {
        assertEquals("[1]", model.path("versions").toString(), model.toString());
      }
      assertEquals(404, http.get("/v1/models/fresh").statusCode());
      try (TorchfeedClient client = TorchfeedClient.connect(new ServerAddress("127.0.0.1", second.tcpPort()))) {
        ModelListing listing = client.list();
        assertEquals(List.of("dtypes", "toynet"), listing.models().stream().map(m -> m.name()).toList());
        listing.models().forEach(m -> assertEquals(List.of(1), m.versions(), m.toString()));
        assertEquals(List.of(), listing.rejected());
      }
      assertEquals(Map.of(), RepositorySnapshot.files(repo.resolve(UploadArea.DIRECTORY)), "no upload left");
      assertEquals(List.of(), publishingDirs(repo), "no staging directory left");
      assertEquals(before, RepositorySnapshot.of(repo, UploadArea.DIRECTORY), "the repository is as it was");
    }
  }

  /** Sends the head of a 64 MiB upload and its first 4 MiB, then stops (the socket stays open). */
  private static Socket startUpload(int port, String name) throws IOException {
    Socket socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(30_000);
    OutputStream out = socket.getOutputStream();
    out.write(("POST /v1/models/" + name + "/versions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Authorization: Bearer " + TestServer.TOKEN + "\r\nContent-Type: application/octet-stream\r\n"
        + "Content-Length: " + DECLARED + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    byte[] start = Files.readAllBytes(Fixtures.model("toynet"));
    out.write(start);
    byte[] chunk = new byte[64 * 1024];
    for (int sent = start.length; sent < SENT; sent += chunk.length) {
      out.write(chunk);
    }
    out.flush();
    return socket;
  }

  /** Waits until {@code count} upload files exist in the upload area, each not empty. */
  private static void awaitPartialUploads(Path repo, int count, ServerProcess server) {
    Path area = repo.resolve(UploadArea.DIRECTORY);
    Await.until(() -> {
      SortedMap<String, String> files = RepositorySnapshot.files(area);
      return files.size() == count && files.values().stream().noneMatch(v -> v.startsWith("0 "));
    }, () -> "the uploads to reach the disk: " + RepositorySnapshot.files(area) + "\n" + server.output());
  }

  /** Every {@code <name>/.<n>.publishing} directory (ModelRepository's staging) under {@code repo}. */
  private static List<String> publishingDirs(Path repo) throws IOException {
    try (Stream<Path> walk = Files.walk(repo)) {
      return walk.filter(p -> p.getFileName().toString().endsWith(".publishing")).map(Path::toString).toList();
    }
  }
}
