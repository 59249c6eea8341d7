package io.torchfeed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.support.Await;
import io.torchfeed.support.Descriptors;
import io.torchfeed.support.Fixtures;
import io.torchfeed.support.RawDownload;
import io.torchfeed.support.RepositorySnapshot;
import io.torchfeed.support.TestServer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 1,000 clients (half TCP FETCH, half HTTP GET content) that reset their connection in the middle of a 32 MiB
 * download: the server (in this JVM) gets back to the descriptors and threads it had, and still serves.
 */
class AbortedDownloadsIT {
  private static final int CLIENTS = 1000;
  private static final int FD_TOLERANCE = 8;
  private static final int THREAD_TOLERANCE = 3;

  @TempDir
  static Path tmp;
  static TestServer server;
  static Path big;

  @BeforeAll
  static void start() throws IOException {
    big = Fixtures.padded(Fixtures.model("toynet"), tmp.resolve("repo/big/1/model.pt"), 32, 11);
    server = TestServer.start(tmp.resolve("repo"), tmp.resolve("cache"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void aThousandClientsResettingMidStreamLeaveNoDescriptorOrThreadBehind() throws Exception {
    abortDownloads(20);
    long fds = Descriptors.open();
    int threads = liveThreads();

    assertEquals(CLIENTS, abortDownloads(CLIENTS));

    Descriptors.awaitAtMost(fds + FD_TOLERANCE, "open descriptors");
    int[] live = {liveThreads()};
    Await.until(() -> (live[0] = liveThreads()) <= threads + THREAD_TOLERANCE,
        () -> "live threads: " + live[0] + ", at most " + (threads + THREAD_TOLERANCE) + " expected");
    String sha256 = RepositorySnapshot.sha256(big);
    try (RawDownload tcp = RawDownload.tcp(server.address(), "big", 0)) {
      assertEquals(sha256, tcp.finish());
    }
    try (RawDownload http = RawDownload.http(server.httpAddress(), "/v1/models/big/content", 0)) {
      assertEquals(sha256, http.finish());
    }
  }

  /** {@code count} downloads, alternately TCP and HTTP, each reset after 64 KiB; returns how many got that far. */
  private static int abortDownloads(int count) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<Long>> done = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        boolean tcp = i % 2 == 0;
        done.add(pool.submit(() -> {
          RawDownload download = tcp ? RawDownload.tcp(server.address(), "big", 0)
              : RawDownload.http(server.httpAddress(), "/v1/models/big/content", 0);
          try {
            while (download.received() < 64 * 1024) {
              download.read(64 * 1024);
            }
            assertTrue(download.received() < download.size(), "mid-stream");
            return download.received();
          } finally {
            download.reset();
          }
        }));
      }
      int reached = 0;
      for (Future<Long> future : done) {
        reached += future.get(5, TimeUnit.MINUTES) >= 64 * 1024 ? 1 : 0;
      }
      return reached;
    } finally {
      pool.shutdown();
      assertTrue(pool.awaitTermination(1, TimeUnit.MINUTES));
    }
  }

  private static int liveThreads() {
    return ManagementFactory.getThreadMXBean().getThreadCount();
  }
}
