package io.torchfeed;

import static io.torchfeed.support.HttpApi.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.support.Await;
import io.torchfeed.support.Fixtures;
import io.torchfeed.support.HttpApi;
import io.torchfeed.support.RawDownload;
import io.torchfeed.support.RepositorySnapshot;
import io.torchfeed.support.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 32 MiB model replaced by a rename (as docs/architecture.md says to) while 20 clients stream it, over TCP and
 * HTTP: 10 started before the replace, 10 after the server picked up the new file, all read to the end together.
 * Every client gets the bytes of the sha256 in its own header.
 */
class ReplaceWhileStreamingIT {
  private static final int EACH_SIDE = 10;

  @TempDir
  Path tmp;

  @Test
  void everyStreamMatchesTheSha256InItsOwnHeader() throws Exception {
    Path served = Fixtures.padded(Fixtures.model("toynet"), tmp.resolve("repo/big/1/model.pt"), 32, 19);
    Path replacement = Fixtures.padded(Fixtures.model("toynet"), tmp.resolve("next/model.pt"), 32, 23);
    String before = RepositorySnapshot.sha256(served);
    String after = RepositorySnapshot.sha256(replacement);
    try (TestServer server = TestServer.start(tmp.resolve("repo"), tmp.resolve("cache"))) {
      List<RawDownload> downloads = new ArrayList<>();
      try {
        start(server, downloads);
        Files.move(replacement, served, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        awaitServedSha256(new HttpApi(server), after);
        start(server, downloads);

        ExecutorService pool = Executors.newFixedThreadPool(downloads.size());
        try {
          List<Future<String>> hashes = new ArrayList<>();
          for (RawDownload download : downloads) {
            hashes.add(pool.submit(download::finish));
          }
          for (int i = 0; i < downloads.size(); i++) {
            String expected = i < EACH_SIDE ? before : after;
            assertEquals(expected, downloads.get(i).announcedSha256(), "client " + i);
            assertEquals(expected, hashes.get(i).get(5, TimeUnit.MINUTES), "client " + i);
          }
        } finally {
          pool.shutdownNow();
          assertTrue(pool.awaitTermination(1, TimeUnit.MINUTES));
        }
      } finally {
        for (RawDownload download : downloads) {
          download.close();
        }
      }
    }
  }

  /** Starts {@link #EACH_SIDE} downloads, alternately TCP and HTTP, and reads 64 KiB of each: mid-stream. */
  private static void start(TestServer server, List<RawDownload> downloads) throws Exception {
    for (int i = 0; i < EACH_SIDE; i++) {
      RawDownload download = i % 2 == 0 ? RawDownload.tcp(server.address(), "big", 0)
          : RawDownload.http(server.httpAddress(), "/v1/models/big/content", 0);
      downloads.add(download);
      while (download.received() < 64 * 1024) {
        download.read(64 * 1024);
      }
    }
  }

  private static void awaitServedSha256(HttpApi http, String sha256) {
    AtomicReference<String> served = new AtomicReference<>();
    Await.until(() -> sha256.equals(served.updateAndGet(
            previous -> json(http.get("/v1/models/big/versions/1")).path("sha256").asText())),
        () -> "the server to pick up the replaced file: it serves " + served.get() + ", " + sha256 + " expected");
  }
}
