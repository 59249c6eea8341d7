package io.torchfeed.transport.http;

import io.torchfeed.metrics.Metrics;
import io.torchfeed.model.NameLimit;
import io.torchfeed.repository.ModelRepository;
import io.torchfeed.transport.Drain;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.BlockingHandler;
import io.undertow.server.handlers.BlockingReadTimeoutHandler;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The endpoints of docs/http.md that this package owns, each composed of small handlers: {@code ready} (503
 * until the first scan is done, 400 for a name over the server's limit), {@code admin} (the bearer token) and {@code blocking} (a worker thread, with its
 * own {@link ErrorHandler} because an exception there never comes back to the router, and the request timeout
 * as the longest a request body may stall: the client is then disconnected and its upload deleted). Downloads and
 * uploads are transfers of the server's {@link Drain} ({@link ContentHandler}, {@link UploadTransfer}).
 */
final class ApiRoutes implements RouteContribution {
  private final ModelRepository repository;
  private final Metrics metrics;
  private final AdminAuth auth;
  private final UploadArea uploads;
  private final long maxUploadBytes;
  private final Duration bodyStall;
  private final Drain drain;

  private final Supplier<Map<String, String>> conditions;

  ApiRoutes(ModelRepository repository, Metrics metrics, AdminAuth auth, UploadArea uploads, long maxUploadBytes,
      Duration bodyStall, Drain drain, Supplier<Map<String, String>> conditions) {
    this.repository = repository;
    this.metrics = metrics;
    this.auth = auth;
    this.uploads = uploads;
    this.maxUploadBytes = maxUploadBytes;
    this.bodyStall = bodyStall;
    this.conditions = conditions;
    this.drain = drain;
  }

  @Override
  public void addTo(Router router) {
    HealthHandlers health = new HealthHandlers(repository::ready, metrics, conditions);
    CatalogHandlers catalog = new CatalogHandlers(repository.catalog());
    AdminHandlers admin = new AdminHandlers(repository);
    router.get("/healthz", health::alive)
        .get("/readyz", health::ready)
        // a scrape reads /proc and takes a thread dump: never on the I/O thread that streams downloads
        .get("/metrics", blocking(health::metrics))
        .get("/v1/models", ready(health, catalog::list))
        .get("/v1/models/{name}", ready(health, catalog::model))
        .get("/v1/models/{name}/versions/{v}", ready(health, versionArriving(catalog::manifest)))
        .get("/v1/models/{name}/versions/{v}/content", ready(health, versionArriving(
            content(exchange -> ContentTarget.version(PathParams.version(exchange))))))
        .get("/v1/models/{name}/content", ready(health, new OnArrival(
            content(exchange -> ContentTarget.version(PathParams.nameOrAlias(exchange))),
            exchange -> repository.catalog().bring(PathParams.nameOrAlias(exchange)))))
        .get("/v1/blobs/{digest}", ready(health, new OnArrival(
            content(exchange -> ContentTarget.sha256(PathParams.sha256(exchange))),
            exchange -> repository.catalog().bringBlob(PathParams.sha256(exchange)))))
        .get("/v1/models/{name}/diff", ready(health, catalog::diff))
        .post("/v1/models/{name}/versions",
            ready(health, auth.require(upload(new UploadHandler(repository, uploads, maxUploadBytes)))))
        .delete("/v1/models/{name}/versions/{v}", ready(health, auth.require(blocking(admin::delete))))
        .put("/v1/models/{name}/aliases/{alias}", ready(health, auth.require(blocking(admin::alias))))
        .delete("/v1/models/{name}/aliases/{alias}",
            readyAnyLength(health, auth.require(blocking(admin::removeAlias))));
  }

  /** {@code next}, answered once the version the path names has arrived when a replica brings it on first use. */
  private HttpHandler versionArriving(HttpHandler next) {
    return new OnArrival(next, exchange -> repository.catalog().bring(PathParams.version(exchange)));
  }

  private HttpHandler content(Function<HttpServerExchange, ContentTarget> target) {
    return new ContentHandler(repository.catalog(), metrics, drain, target);
  }

  /** 503 until the first scan is done; then 400 for a name in the path over the server's limit. */
  private HttpHandler ready(HealthHandlers health, HttpHandler next) {
    NameLimit names = repository.catalog().names();
    return readyAnyLength(health, exchange -> {
      PathParams.requireWithin(names, exchange);
      next.handleRequest(exchange);
    });
  }

  /**
   * 503 until the first scan is done, names of any length: removing an alias left from before a lower
   * {@code --max-name-length} must stay possible (it still pins its version).
   */
  private static HttpHandler readyAnyLength(HealthHandlers health, HttpHandler next) {
    return exchange -> {
      health.requireReady();
      next.handleRequest(exchange);
    };
  }

  private HttpHandler blocking(HttpHandler next) {
    return new BlockingHandler(BlockingReadTimeoutHandler.builder().readTimeout(bodyStall)
        .nextHandler(new ErrorHandler(next)).build());
  }

  /** As {@link #blocking}, and a transfer of the drain until answered. */
  private HttpHandler upload(HttpHandler next) {
    return new BlockingHandler(BlockingReadTimeoutHandler.builder().readTimeout(bodyStall)
        .nextHandler(new UploadTransfer(drain, new ErrorHandler(next))).build());
  }
}
