package io.torchfeed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.torchfeed.protocol.ErrorCode;
import io.torchfeed.protocol.ErrorMessage;
import io.torchfeed.protocol.ListRequest;
import io.torchfeed.protocol.SubscribeRequest;
import io.torchfeed.protocol.Subscribed;
import io.torchfeed.support.Await;
import io.torchfeed.support.Fixtures;
import io.torchfeed.support.RawDownload;
import io.torchfeed.support.RawHttp;
import io.torchfeed.support.RepositorySnapshot;
import io.torchfeed.support.ServerProcess;
import io.torchfeed.support.TestServer;
import io.torchfeed.support.WireClient;
import io.torchfeed.transport.ShuttingDownException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM on a replica (issue 13, docs/shutdown.md), each test against a server process of its own over one
 * repository. A 32 MiB model read through a 4 KiB receive buffer keeps a transfer in flight for as long as a test
 * holds it. The signal closes every port at once, answers subscribers and any new request with a fatal ERROR
 * UNAVAILABLE (HTTP: 503) so they go to another replica, lets the transfers in flight finish within
 * {@code --shutdown-grace}, cuts the rest, prints one stop line and exits 0.
 */
class RollingRestartIT {
  /**
   * Longer than {@link Await#DEADLINE}: a server that waited out its grace instead of its transfers, or a client
   * told nothing until the end, fails the test rather than pass slowly.
   */
  private static final String LONG_GRACE = "10m";
  private static final String STOPPING = "stopping: no new connections or requests; ";
  private static final ErrorMessage GOODBYE =
      new ErrorMessage(ErrorCode.UNAVAILABLE, true, "server shutting down: reconnect to another replica");
  private static final int PATIENCE = (int) Await.DEADLINE.toMillis();

  @TempDir
  static Path tmp;
  static Path repo;
  static String bigSha256;

  @BeforeAll
  static void repository() throws IOException {
    repo = tmp.resolve("repo");
    bigSha256 = RepositorySnapshot.sha256(
        Fixtures.padded(Fixtures.model("toynet"), repo.resolve("big/1/model.pt"), 32, 13));
  }

  @Test
  void withNothingInFlightItStopsAtOnceAndExitsZero() throws Exception {
    try (ServerProcess server = start(LONG_GRACE)) {
      server.terminate();
      assertStopped(server, "0 transfers finished, 0 cut");
    }
  }

  @Test
  void aFetchInFlightIsSentWholeWhileEveryPortRefusesNewConnectionsThenTheServerExitsZero() throws Exception {
    try (ServerProcess server = start(LONG_GRACE, "--raw-port", "0", "--raw-model", "big");
        RawDownload fetch = started(RawDownload.tcp(at(server.tcpPort()), "big", 4096))) {
      beginStopping(server);
      assertTrue(server.output().contains(STOPPING + "1 transfer(s) in flight"), server.output());
      assertRefused(server.tcpPort(), "the TCP protocol port");
      assertRefused(server.httpPort(), "the HTTP port");
      assertRefused(server.rawPort(), "the raw port");

      assertEquals(bigSha256, fetch.announcedSha256());
      assertEquals(bigSha256, fetch.finish(), "every byte of the fetch, as announced");
      assertStopped(server, "1 transfer finished, 0 cut");
    }
  }

  @Test
  void subscribersAreToldAtOnceToReconnectElsewhereAndSoIsANewRequestOnAnOpenConnection() throws Exception {
    try (ServerProcess server = start(LONG_GRACE);
        WireClient subscriber = new WireClient(at(server.tcpPort())).hello();
        WireClient idle = new WireClient(at(server.tcpPort())).hello();
        RawDownload held = started(RawDownload.tcp(at(server.tcpPort()), "big", 4096))) {
      subscriber.send(new SubscribeRequest(List.of()));
      assertInstanceOf(Subscribed.class, subscriber.readMessage());

      server.terminate();
      // while the held fetch keeps the server in its 10 minutes of grace
      assertEquals(GOODBYE, subscriber.readMessage());
      assertTrue(subscriber.closedByServer(), "closed after the ERROR");
      idle.send(new ListRequest());
      assertEquals(GOODBYE, idle.readMessage(), "a request after the stop began");
      assertTrue(idle.closedByServer(), "closed after the ERROR");

      assertEquals(bigSha256, held.finish());
      assertStopped(server, "1 transfer finished, 0 cut");
    }
  }

  @Test
  void aTransferLongerThanTheGraceIsCutAndTheServerStillExitsZero() throws Exception {
    try (ServerProcess server = start("1s");
        RawDownload held = started(RawDownload.tcp(at(server.tcpPort()), "big", 4096))) {
      server.terminate();
      assertStopped(server, "0 transfers finished, 1 cut");
      assertThrows(IOException.class, held::finish, "the rest of the fetch never comes");
    }
  }

  @Test
  void anHttpDownloadInFlightFinishesAndANewRequestOnAKeptAliveConnectionIs503AndClosed() throws Exception {
    try (ServerProcess server = start(LONG_GRACE);
        RawHttp.Connection keptAlive = new RawHttp.Connection(at(server.httpPort()), PATIENCE);
        RawDownload download = started(RawDownload.http(at(server.httpPort()), "/v1/models/big/content", 4096))) {
      assertEquals(200, keptAlive.get("/healthz").status());
      beginStopping(server);
      assertRefused(server.httpPort(), "the HTTP port");

      RawHttp.Response refused = keptAlive.get("/v1/models");
      assertEquals(503, refused.status(), refused.toString());
      assertEquals(ShuttingDownException.MESSAGE, new ObjectMapper().readTree(refused.body()).path("message")
          .asText(), refused.toString());
      assertTrue(keptAlive.closedByServer(), "closed after the 503");

      assertEquals(bigSha256, download.finish(), "every byte of the download");
      assertStopped(server, "1 transfer finished, 0 cut");
    }
  }

  @Test
  void anUploadInFlightIsReceivedAndPublishedWithinTheGrace() throws Exception {
    byte[] model = Files.readAllBytes(Fixtures.model("toynet"));
    int half = model.length / 2;
    try (ServerProcess server = start(LONG_GRACE);
        Socket upload = RawHttp.connect(at(server.httpPort()), PATIENCE)) {
      OutputStream out = upload.getOutputStream();
      out.write(("POST /v1/models/uploaded/versions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
          + TestServer.TOKEN + "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + model.length
          + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(model, 0, half);
      out.flush();
      Path uploads = repo.resolve(".uploads");  // UploadArea.DIRECTORY: its file exists once the upload started
      Await.until(() -> !RepositorySnapshot.files(uploads).isEmpty(), "the upload to start");

      beginStopping(server);
      assertTrue(server.output().contains(STOPPING + "1 transfer(s) in flight"), server.output());
      out.write(model, half, model.length - half);
      out.flush();
      RawHttp.Response published = RawHttp.readResponse(upload.getInputStream());
      assertEquals(201, published.status(), published.toString());
      assertStopped(server, "1 transfer finished, 0 cut");
    }
    assertEquals(RepositorySnapshot.sha256(Fixtures.model("toynet")),
        RepositorySnapshot.sha256(repo.resolve("uploaded/1/model.pt")), "published whole");
  }

  private static ServerProcess start(String grace, String... more) {
    List<String> options = new ArrayList<>(List.of("--shutdown-grace", grace));
    options.addAll(List.of(more));
    return ServerProcess.start(repo, tmp.resolve("cache"), tmp.resolve("logs"), options.toArray(String[]::new));
  }

  /** SIGTERM, then waits until the server logs that it is stopping: its ports are closed by then. */
  private static void beginStopping(ServerProcess server) {
    server.terminate();
    Await.until(() -> server.output().contains(STOPPING), () -> "the server to begin stopping:\n" + server.output());
  }

  /** A download whose first bytes have arrived; the rest stays in flight until the test reads it. */
  private static RawDownload started(RawDownload download) throws IOException {
    while (download.received() < 16 * 1024) {
      download.read(4096);
    }
    return download;
  }

  private static InetSocketAddress at(int port) {
    return new InetSocketAddress("127.0.0.1", port);
  }

  private static void assertRefused(int port, String what) {
    assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close(),
        what + " still accepts connections");
  }

  /** Exit status 0 and the stop line with these counts. */
  private static void assertStopped(ServerProcess server, String counts) throws InterruptedException {
    assertEquals(0, server.awaitExit(), server.output());
    String line = "torchfeed stopped (SIGTERM): " + counts;
    assertTrue(server.stdout().lines().anyMatch(line::equals), "no line '" + line + "' in:\n" + server.output());
  }
}
