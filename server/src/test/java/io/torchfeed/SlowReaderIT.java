package io.torchfeed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.support.Await;
import io.torchfeed.support.Fixtures;
import io.torchfeed.support.RawDownload;
import io.torchfeed.support.RepositorySnapshot;
import io.torchfeed.support.TestServer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that read a 32 MiB model very slowly (a 4 KiB receive buffer, 4 KiB per 100 ms), one per transport, do
 * not hold up the others: while they are mid-stream, 10 other downloads complete with the right bytes.
 */
class SlowReaderIT {
  private static final int OTHERS = 10;

  @TempDir
  static Path tmp;
  static TestServer server;
  static Path big;

  @BeforeAll
  static void start() throws IOException {
    big = Fixtures.padded(Fixtures.model("toynet"), tmp.resolve("repo/big/1/model.pt"), 32, 17);
    server = TestServer.start(tmp.resolve("repo"), tmp.resolve("cache"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void slowReadersMidStreamDoNotStopTenOtherDownloads() throws Exception {
    String sha256 = RepositorySnapshot.sha256(big);
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService pool = Executors.newFixedThreadPool(2 + OTHERS);
    try {
      List<RawDownload> slow = List.of(RawDownload.tcp(server.address(), "big", 4096),
          RawDownload.http(server.httpAddress(), "/v1/models/big/content", 4096));
      List<Future<Long>> readers = new ArrayList<>();
      for (RawDownload download : slow) {
        readers.add(pool.submit(() -> readSlowly(download, stop)));
      }
      Await.until(() -> slow.stream().allMatch(d -> d.received() >= 16 * 1024), "the slow readers to start");

      List<Future<String>> others = new ArrayList<>();
      for (int i = 0; i < OTHERS; i++) {
        boolean tcp = i % 2 == 0;
        others.add(pool.submit(() -> {
          try (RawDownload download = tcp ? RawDownload.tcp(server.address(), "big", 0)
              : RawDownload.http(server.httpAddress(), "/v1/models/big/content", 0)) {
            return download.finish();
          }
        }));
      }
      for (Future<String> other : others) {
        assertEquals(sha256, other.get(5, TimeUnit.MINUTES));
      }
      for (RawDownload download : slow) {
        assertTrue(download.received() < download.size(), "the slow reader is still mid-stream");
      }
      stop.set(true);
      for (Future<Long> reader : readers) {
        assertTrue(reader.get(1, TimeUnit.MINUTES) > 0);
      }
      for (RawDownload download : slow) {
        download.close();
      }
    } finally {
      stop.set(true);
      pool.shutdownNow();
      assertTrue(pool.awaitTermination(1, TimeUnit.MINUTES));
    }
  }

  /**
   * 4 KiB per 100 ms until told to stop (at most 10 minutes); returns the bytes read. The pause is the slow client
   * itself, not a wait: the test checks the readers are still mid-stream when the others have finished.
   */
  private static long readSlowly(RawDownload download, AtomicBoolean stop) throws IOException, InterruptedException {
    for (int round = 0; round < 6000 && !stop.get() && download.received() < download.size(); round++) {
      download.read(4096);
      Thread.sleep(100);
    }
    return download.received();
  }
}
