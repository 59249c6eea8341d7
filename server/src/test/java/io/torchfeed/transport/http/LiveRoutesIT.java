package io.torchfeed.transport.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.torchfeed.client.TorchfeedClient;
import io.torchfeed.model.LoadStatus;
import io.torchfeed.model.Manifest;
import io.torchfeed.protocol.LoadReceipt;
import io.torchfeed.support.Await;
import io.torchfeed.support.Fixtures;
import io.torchfeed.support.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /v1/clients} and the {@code /v1/events} WebSocket against a real server. */
class LiveRoutesIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir
  Path tmp;
  TestServer server;
  final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() {
    server = TestServer.withAdmin(Fixtures.repository(tmp.resolve("repo")), tmp.resolve("cache"), 0, 1L << 30);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private JsonNode clients() {
    try {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(server.http("/v1/clients")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, response.statusCode());
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while listing the clients", e);
    }
  }

  @Test
  void clientsShowWhatEachLastReported() throws Exception {
    try (TorchfeedClient client = TorchfeedClient.connect(server.serverAddress(), "1.13.0")) {
      client.subscribe(List.of("toynet"));
      Manifest manifest = client.manifest(io.torchfeed.model.ModelId.parse("toynet"));
      client.receipt(new LoadReceipt("toynet", 1, HexFormat.of().parseHex(manifest.sha256()), LoadStatus.LOADED,
          "", ""));
      JsonNode listed = clients();
      assertEquals(1, listed.size(), listed.toString());
      JsonNode me = listed.get(0);
      assertEquals("1.13.0", me.get("libtorch").asText());
      assertEquals("toynet", me.get("subscriptions").get(0).asText());
      JsonNode receipt = me.get("receipts").get(0);
      assertEquals("toynet", receipt.get("name").asText());
      assertEquals(1, receipt.get("version").asInt());
      assertEquals(manifest.sha256(), receipt.get("sha256").asText());
      assertEquals("loaded", receipt.get("status").asText());
    }
    AtomicReference<JsonNode> listed = new AtomicReference<>();
    Await.until(() -> listed.updateAndGet(previous -> clients()).isEmpty(),
        () -> "a closed connection to be forgotten; still listed: " + listed.get());
  }

  @Test
  void eventsArriveOnTheWebSocket() throws Exception {
    BlockingQueue<String> messages = new LinkedBlockingQueue<>();
    URI uri = URI.create("ws://127.0.0.1:" + server.httpAddress().getPort() + "/v1/events");
    WebSocket socket = http.newWebSocketBuilder().buildAsync(uri, new WebSocket.Listener() {
      private final StringBuilder text = new StringBuilder();

      @Override
      public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        text.append(data);
        if (last) {
          messages.add(text.toString());
          text.setLength(0);
        }
        webSocket.request(1);
        return null;
      }
    }).get(10, TimeUnit.SECONDS);
    try {
      Path upload = tmp.resolve("upload.pt");
      Files.copy(Fixtures.model("toynet"), upload, StandardCopyOption.REPLACE_EXISTING);
      Manifest published = server.server().repository().publish("toynet", upload, false);
      String message = messages.poll(20, TimeUnit.SECONDS);
      assertNotNull(message, "a published event");
      JsonNode event = JSON.readTree(message);
      assertEquals("published", event.get("event").asText());
      assertEquals("toynet", event.get("name").asText());
      assertEquals(published.version(), event.get("version").asInt());
      assertEquals(published.sha256(), event.get("sha256").asText());

      server.server().repository().setAlias("toynet", "stable", published.version());
      JsonNode alias = JSON.readTree(messages.poll(20, TimeUnit.SECONDS));
      assertEquals("alias", alias.get("event").asText());
      assertEquals("stable", alias.get("alias").asText());
    } finally {
      socket.abort();
    }
  }
}
