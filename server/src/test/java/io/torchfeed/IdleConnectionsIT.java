package io.torchfeed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.config.ServerConfig;
import io.torchfeed.support.Await;
import io.torchfeed.support.Fixtures;
import io.torchfeed.support.RawDownload;
import io.torchfeed.support.RepositorySnapshot;
import io.torchfeed.support.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slowloris: 500 TCP connections that send nothing and 500 HTTP connections that send half a request line and
 * stop. They hold up no other client, and the idle timeout closes them.
 */
class IdleConnectionsIT {
  private static final int IDLE = 500;

  @TempDir
  static Path tmp;
  static Path repo;
  static Path big;

  @BeforeAll
  static void repository() throws IOException {
    repo = tmp.resolve("repo");
    big = Fixtures.padded(Fixtures.model("toynet"), repo.resolve("big/1/model.pt"), 8, 13);
    TestServer.start(repo, tmp.resolve("cache")).close();
  }

  /**
   * A server whose idle and request timeouts are both 2 s: the silent TCP connections are idle, the HTTP ones,
   * stuck in their request line, have a request in progress. Undertow's backstop (no I/O at all) is at least twice
   * the validation timeout (an upload waits for its validation without I/O), so the validation timeout is 1 s: the
   * manifest cache the {@code @BeforeAll} server filled means nothing is validated.
   */
  private static TestServer shortTimeouts() {
    ServerConfig c = TestServer.config(repo, tmp.resolve("cache"), Optional.empty(), TestServer.limits()
        .withIdleTimeout(Duration.ofSeconds(2)).withRequestTimeout(Duration.ofSeconds(2)), 0,
        new ServerConfig.Http(0, Optional.empty()));
    return TestServer.start(new ServerConfig(c.models(), c.bind(), c.port(), c.raw(), c.limits(),
        Duration.ofSeconds(1), c.cacheDir(), c.workerJvmOptions(), c.settle(), c.rescanInterval(), c.keep(),
        c.allowShapeChange(), c.http()));
  }

  @Test
  void otherClientsAreServedWhileAThousandIdleConnectionsAreOpen() throws Exception {
    try (TestServer server = TestServer.start(repo, tmp.resolve("cache"))) {
      List<Socket> idle = openIdle(server);
      try {
        String sha256 = RepositorySnapshot.sha256(big);
        try (RawDownload tcp = RawDownload.tcp(server.address(), "big", 0)) {
          assertEquals(sha256, tcp.announcedSha256());
          assertEquals(sha256, tcp.finish());
        }
        try (RawDownload http = RawDownload.http(server.httpAddress(), "/v1/models/big/content", 0)) {
          assertEquals(sha256, http.announcedSha256());
          assertEquals(sha256, http.finish());
        }
      } finally {
        closeAll(idle);
      }
    }
  }

  @Test
  void theIdleTimeoutClosesEveryIdleConnection() throws Exception {
    try (TestServer server = shortTimeouts()) {
      List<Socket> idle = openIdle(server);
      try {
        boolean[] closed = new boolean[idle.size()];
        Await.until(() -> allClosed(idle, closed), () -> "every idle connection to be closed; still open: "
            + stillOpen(closed));
      } finally {
        closeAll(idle);
      }
      try (RawDownload tcp = RawDownload.tcp(server.address(), "big", 0)) {
        assertEquals(RepositorySnapshot.sha256(big), tcp.finish());
      }
    }
  }

  /** {@link #IDLE} silent TCP connections (no HELLO) and as many HTTP ones stuck in their request line. */
  private static List<Socket> openIdle(TestServer server) throws IOException {
    List<Socket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < IDLE; i++) {
        sockets.add(connect(server.address()));
        Socket http = connect(server.httpAddress());
        http.getOutputStream().write("GET /v1/mod".getBytes(StandardCharsets.US_ASCII));
        http.getOutputStream().flush();
        sockets.add(http);
      }
    } catch (IOException | RuntimeException e) {
      closeAll(sockets);
      throw e;
    }
    return sockets;
  }

  private static Socket connect(InetSocketAddress address) throws IOException {
    return RawDownload.connect(address, 0);
  }

  /** Marks in {@code closed} the sockets the server has closed since the last call; true once all are. */
  private static boolean allClosed(List<Socket> sockets, boolean[] closed) {
    boolean all = true;
    for (int i = 0; i < sockets.size(); i++) {
      closed[i] = closed[i] || readsEof(sockets.get(i));
      all &= closed[i];
    }
    return all;
  }

  /** The sockets not marked closed, by transport ({@link #openIdle} alternates TCP and HTTP). */
  private static String stillOpen(boolean[] closed) {
    int tcpOpen = 0;
    int httpOpen = 0;
    for (int i = 0; i < closed.length; i++) {
      if (!closed[i]) {
        tcpOpen += i % 2 == 0 ? 1 : 0;
        httpOpen += i % 2 == 1 ? 1 : 0;
      }
    }
    return tcpOpen + " TCP, " + httpOpen + " HTTP";
  }

  /** True when {@code socket} reads EOF (the server closed it) within 10 ms; false on data or time-out. */
  private static boolean readsEof(Socket socket) {
    try {
      socket.setSoTimeout(10);
      return socket.getInputStream().read() < 0;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void closeAll(List<Socket> sockets) {
    for (Socket socket : sockets) {
      try {
        socket.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
    assertTrue(sockets.stream().allMatch(Socket::isClosed));
  }
}
