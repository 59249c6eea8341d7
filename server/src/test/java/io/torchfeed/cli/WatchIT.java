package io.torchfeed.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.Version;
import io.torchfeed.model.LoadStatus;
import io.torchfeed.model.Manifest;
import io.torchfeed.support.Cli;
import io.torchfeed.support.Fixtures;
import io.torchfeed.support.TestServer;
import io.torchfeed.transport.tcp.ClientInfo;
import io.torchfeed.transport.tcp.ClientReceipt;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code torchfeed watch} as a user runs it: notices printed, versions loaded with LibTorch, receipts sent. */
class WatchIT {
  @TempDir
  static Path tmp;
  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start(Fixtures.repository(tmp.resolve("repo")), tmp.resolve("cache"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void printsNoticesLoadsPublishedVersionsAndSendsReceipts() throws Exception {
    Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0", "-jar", Cli.jar().toString(), "watch",
        "--server", "127.0.0.1:" + server.address().getPort(), "toynet").redirectErrorStream(true).start();
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        in.lines().forEach(lines::add);
      } catch (java.io.IOException ignored) {
        // the process ended
      }
    });
    reader.start();
    try {
      assertEquals("watching toynet", next(lines));
      server.server().repository().setAlias("toynet", "stable", 1);
      assertEquals("alias toynet@stable -> 1", next(lines));

      Path upload = Files.createTempFile(tmp, "upload", ".pt");
      Files.copy(Fixtures.model("toynet"), upload, StandardCopyOption.REPLACE_EXISTING);
      Files.setLastModifiedTime(upload, FileTime.from(Instant.now().minusSeconds(60)));
      Manifest published = server.server().repository().publish("toynet", upload, false);
      assertEquals("published toynet:2 (" + published.size() + " bytes, sha256 " + published.sha256() + ")",
          next(lines));
      assertEquals("loaded toynet:2 with LibTorch " + Version.LIBTORCH + ": 10 parameters and 0 buffers match "
          + "the manifest; receipt sent", next(lines));

      ClientInfo watcher = server.server().clients().snapshot().stream()
          .filter(c -> c.subscriptions().equals(List.of("toynet"))).findFirst().orElseThrow();
      assertTrue(watcher.software().startsWith("torchfeed-java/"), watcher.software());
      ClientReceipt receipt = watcher.receipts().get(0);
      assertEquals(List.of("toynet", 2, published.sha256(), LoadStatus.LOADED, Version.LIBTORCH),
          List.of(receipt.name(), receipt.version(), receipt.sha256(), receipt.status(), receipt.libtorch()));
    } finally {
      process.destroy();
      assertTrue(process.waitFor(30, TimeUnit.SECONDS), "watch stops when interrupted");
      reader.join(5000);
    }
  }

  private static String next(BlockingQueue<String> lines) throws InterruptedException {
    String line = lines.poll(60, TimeUnit.SECONDS);
    assertNotNull(line, "no output within a minute");
    return line;
  }
}
