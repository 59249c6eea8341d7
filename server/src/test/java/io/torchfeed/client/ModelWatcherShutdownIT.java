package io.torchfeed.client;

import static io.torchfeed.support.HttpApi.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.torchfeed.model.Manifest;
import io.torchfeed.protocol.ErrorCode;
import io.torchfeed.support.Await;
import io.torchfeed.support.Fixtures;
import io.torchfeed.support.ServerProcess;
import io.torchfeed.transport.ShuttingDownException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@link ModelWatcher} whose server is stopped by SIGTERM (a rolling restart, docs/shutdown.md) hears the fatal
 * ERROR UNAVAILABLE the server sends its subscribers and reconnects at once, here to a second replica (its
 * connector picks the replica), and goes on following there.
 */
class ModelWatcherShutdownIT {
  @TempDir
  Path tmp;

  @Test
  void aWatcherWhoseServerStopsReconnectsAtOnceToAnotherReplica() throws Exception {
    Path repo = tmp.resolve("repo");
    Fixtures.copy(Fixtures.model("toynet"), repo.resolve("toynet/1/model.pt"));
    try (ServerProcess first = ServerProcess.start(repo, tmp.resolve("cache"), tmp.resolve("logs"));
        ServerProcess second = ServerProcess.start(repo, tmp.resolve("cache"), tmp.resolve("logs"))) {
      AtomicReference<ServerProcess> replica = new AtomicReference<>(first);
      List<Manifest> loads = new CopyOnWriteArrayList<>();
      AtomicInteger subscriptions = new AtomicInteger();
      List<ClientException> causes = new CopyOnWriteArrayList<>();
      List<Duration> retries = new CopyOnWriteArrayList<>();
      ModelWatcher watcher = new ModelWatcher(() -> TorchfeedClient.connect(
          new ServerAddress("127.0.0.1", replica.get().tcpPort()), Duration.ofSeconds(10), Duration.ofSeconds(60),
          "9.9.9"), List.of("toynet"), (manifest, file) -> loads.add(manifest))
          // longer than Await.DEADLINE: only a reconnect at once lets the test pass
          .reconnectDelay(Duration.ofMinutes(10))
          .listener(new ModelWatcher.Listener() {
            @Override
            public void subscribed(List<String> names) {
              subscriptions.incrementAndGet();
            }

            @Override
            public void disconnected(ClientException cause, Duration retryIn) {
              causes.add(cause);
              retries.add(retryIn);
            }
          });
      try (watcher) {
        watcher.start();
        Await.until(() -> loads.size() == 1, "toynet:1 loaded from the first replica");

        replica.set(second);
        first.terminate();
        Await.until(() -> subscriptions.get() == 2, () -> "the watcher to subscribe on the second replica; "
            + "disconnects: " + causes + " " + retries);
        RemoteException cause = assertInstanceOf(RemoteException.class, causes.get(0));
        assertEquals(ErrorCode.UNAVAILABLE, cause.code());
        assertTrue(cause.fatal());
        assertEquals("UNAVAILABLE: " + ShuttingDownException.MESSAGE, cause.getMessage());
        assertEquals(List.of(Duration.ZERO), retries, "one disconnect, and no wait before reconnecting");

        JsonNode clients = json(second.api().get("/v1/clients"));
        assertEquals(1, clients.size(), clients.toString());
        assertEquals("[\"toynet\"]", clients.get(0).path("subscriptions").toString());
        assertEquals(1, loads.size(), "toynet:1, already loaded, is not loaded again");
        assertEquals(0, first.awaitExit(), first.output());
      }
    }
  }
}
