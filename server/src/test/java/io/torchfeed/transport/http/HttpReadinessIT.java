package io.torchfeed.transport.http;

import static io.torchfeed.support.HttpApi.describe;
import static io.torchfeed.support.HttpApi.json;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.torchfeed.metrics.Metrics;
import io.torchfeed.model.ModuleInfo;
import io.torchfeed.repository.ManifestCache;
import io.torchfeed.repository.ModelRepository;
import io.torchfeed.repository.RepositoryLoader;
import io.torchfeed.repository.RepositoryScanner;
import io.torchfeed.support.HttpApi;
import io.torchfeed.transport.Drain;
import io.torchfeed.validation.ArchiveFacts;
import io.torchfeed.validation.Validator;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xnio.OptionMap;
import org.xnio.Xnio;
import org.xnio.XnioWorker;

/**
 * The HTTP server over a repository whose first scan has not happened: health answers, the API is 503 until the
 * repository is ready; routes contributed by other parts of the server are served with the same error handling.
 */
class HttpReadinessIT {
  @TempDir
  Path tmp;

  /** Never called: the repository is empty. */
  private static final class NoValidator implements Validator {
    @Override
    public ModuleInfo validate(Path file) {
      throw new AssertionError("nothing to validate");
    }

    @Override
    public void close() {}
  }

  @Test
  void theApiIsUnavailableUntilTheFirstScanIsDone() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("repo"));
    ManifestCache cache = new ManifestCache(tmp.resolve("cache"), "test");
    ArchiveFacts facts = new ArchiveFacts();
    RouteContribution clients = router -> router.get("/v1/clients", exchange -> {
      if (exchange.getQueryParameters().containsKey("fail")) {
        throw new io.torchfeed.repository.ModelNotFoundException("no client 'x'");
      }
      exchange.getResponseSender().send("[]");
    });
    XnioWorker worker = Xnio.getInstance().createWorker(OptionMap.EMPTY);
    try (ModelRepository repository = new ModelRepository(root,
            new RepositoryLoader(new RepositoryScanner(root, w -> { }), facts, new NoValidator(), cache, Duration.ZERO),
            facts, cache, new ModelRepository.Settings(0, false, Duration.ofMinutes(1)));
        HttpServer server = new HttpServer(worker, new HttpSettings(new InetSocketAddress("127.0.0.1", 0),
            Optional.of("token"), 1024, 100, Duration.ofMinutes(1), Duration.ofMinutes(1), Duration.ofMinutes(1),
            Duration.ofMinutes(1)), repository, new Metrics(), List.of(clients), new Drain())
            .start()) {
      HttpApi http = new HttpApi(path -> URI.create("http://127.0.0.1:" + server.address().getPort() + path));

      assertEquals(200, http.get("/healthz").statusCode());
      assertEquals(200, http.get("/metrics").statusCode());
      for (String path : List.of("/readyz", "/v1/models", "/v1/models/toynet/content")) {
        HttpResponse<byte[]> response = http.get(path);
        assertEquals(503, response.statusCode(), describe(response));
        assertEquals("UNAVAILABLE", json(response).path("type").asText());
        assertEquals("5", response.headers().firstValue("Retry-After").orElse(""));
      }
      assertEquals(503, http.post("/v1/models/toynet/versions", new byte[10]).statusCode(),
          "before the token is checked");
      assertEquals("[]", new String(http.get("/v1/clients").body()), "a contributed route");
      assertEquals(404, http.get("/v1/clients?fail").statusCode(), "contributed routes share the error mapping");
      assertEquals(405, http.delete("/v1/clients").statusCode());

      repository.start();
      assertEquals(200, http.get("/readyz").statusCode());
      HttpResponse<byte[]> models = http.get("/v1/models");
      assertEquals(200, models.statusCode());
      assertEquals("{\"models\":[],\"rejected\":[]}", new String(models.body()));
    } finally {
      worker.shutdownNow();
    }
  }
}
