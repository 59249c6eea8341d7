package io.torchfeed.transport.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.torchfeed.protocol.ErrorCode;
import io.torchfeed.protocol.ErrorMessage;
import io.torchfeed.protocol.FetchRequest;
import io.torchfeed.protocol.ListRequest;
import io.torchfeed.protocol.ListResult;
import io.torchfeed.support.Fixtures;
import io.torchfeed.support.TestServer;
import io.torchfeed.support.WireClient;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Names that try to leave the repository are refused on HTTP and on TCP, and nothing outside is served. */
class PathTraversalIT {
  @TempDir
  static Path tmp;
  static TestServer server;

  @BeforeAll
  static void start() throws Exception {
    Files.writeString(tmp.resolve("secret.txt"), "do not serve");
    server = TestServer.start(Fixtures.repository(tmp.resolve("repo")), tmp.resolve("cache"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** A raw HTTP/1.1 request, so that the path reaches the server exactly as written. */
  private static String rawGet(String path) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", server.httpAddress().getPort())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  @Test
  void httpRefusesTraversingNames() throws Exception {
    for (String path : List.of("/v1/models/../content", "/v1/models/%2e%2e/content",
        "/v1/models/%2e%2e%2fsecret.txt/content", "/v1/models/..%2F..%2Fsecret.txt/content",
        "/v1/models/toynet%00/content", "/v1/models/%2e%2e/versions/1/content", "/static/..%2Fapp.js",
        "/static/%2e%2e")) {
      String response = rawGet(path);
      String status = response.lines().findFirst().orElse("");
      assertTrue(status.matches("HTTP/1\\.1 (400|404) .*"), path + " -> " + status);
      assertFalse(response.contains("do not serve"), path);
    }
  }

  @Test
  void tcpRefusesTraversingNamesAndStaysUsable() throws Exception {
    try (WireClient wire = new WireClient(server.address()).hello()) {
      for (String name : List.of("..", "../secret.txt", "toynet/../../secret.txt", "toynet\0", "/etc/passwd",
          "%2e%2e")) {
        wire.send(new FetchRequest(name, 0, 0, 0));
        ErrorMessage error = (ErrorMessage) wire.readMessage();
        assertEquals(ErrorCode.BAD_REQUEST, error.code(), name);
        assertFalse(error.fatal(), name);
      }
      wire.send(new ListRequest());
      assertEquals(Fixtures.GOOD.size(), ((ListResult) wire.readMessage()).listing().models().size());
    }
  }
}
