package io.torchfeed.transport.http;

import io.torchfeed.metrics.Metrics;
import io.torchfeed.repository.ModelRepository;
import io.torchfeed.transport.Drain;
import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.Options;
import org.xnio.XnioWorker;

/**
 * The HTTP API (docs/http.md, default port 7071) on Undertow, sharing the server's XNIO worker: its I/O threads
 * answer reads and stream model bytes, its task threads run uploads and repository changes. The handler chain is
 * {@link RequestMetrics} around the {@link ErrorHandler} around the {@link StopGate} around the
 * {@link ConnectionLimit} around 100-continue
 * support around {@code Cache-Control: no-cache} unless a route chooses otherwise ({@link Caching}) around the
 * {@link Router},
 * which holds {@link ApiRoutes} and the routes other parts of the server contribute. With TLS configured the port speaks HTTPS only.
 *
 * <p>Timeouts (docs/http.md, Limits): Undertow's {@code NO_REQUEST_TIMEOUT} is the idle timeout (no request in
 * progress), {@code REQUEST_PARSE_TIMEOUT} the request timeout for the request head, XNIO's {@code WRITE_TIMEOUT}
 * the write timeout; request bodies are read with the request timeout as their stall limit ({@link ApiRoutes}).
 * Undertow's {@code IDLE_TIMEOUT} (no I/O at all) is only a backstop, at least the processing timeout.
 */
public final class HttpServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HttpServer.class);

  private final XnioWorker worker;
  private final HttpSettings settings;
  private final ModelRepository repository;
  private final Metrics metrics;
  private final List<RouteContribution> contributions;
  private final Drain drain;
  private Supplier<Map<String, String>> conditions = Map::of;
  private Undertow undertow;

  /**
   * @param contributions routes other parts of the server add (the catalog page, {@code /v1/clients},
   *                      {@code /v1/events}), after this package's own
   * @param drain         downloads and uploads are transfers in it; once it stops, new requests are refused
   */
  public HttpServer(XnioWorker worker, HttpSettings settings, ModelRepository repository, Metrics metrics,
      List<RouteContribution> contributions, Drain drain) {
    this.worker = worker;
    this.settings = settings;
    this.repository = repository;
    this.metrics = metrics;
    this.contributions = List.copyOf(contributions);
    this.drain = drain;
  }

  /**
   * What {@code /readyz} reports beside "ready": a replica's store and bus ({@code "ok"} or why not). Set before
   * {@link #start()}.
   */
  public HttpServer withConditions(Supplier<Map<String, String>> readiness) {
    this.conditions = readiness;
    return this;
  }

  public HttpServer start() {
    AdminAuth auth = new AdminAuth(settings.adminToken());
    UploadArea uploads = new UploadArea(repository.root());
    if (auth.enabled()) {
      uploads.clean();
    }
    Router router = new Router();
    new ApiRoutes(repository, metrics, auth, uploads, settings.maxUploadBytes(), settings.requestTimeout(), drain,
        conditions)
        .addTo(router);
    contributions.forEach(contribution -> contribution.addTo(router));
    Duration backstop = Collections.max(List.of(settings.idleTimeout(), settings.requestTimeout(),
        settings.writeTimeout(), settings.processingTimeout()));
    undertow = Undertow.builder()
        .setWorker(worker)
        .addListener(listener())
        .setServerOption(UndertowOptions.NO_REQUEST_TIMEOUT, millis(settings.idleTimeout()))
        // NO_REQUEST_TIMEOUT does not close a connection whose request head stops half-way (slowloris)
        .setServerOption(UndertowOptions.REQUEST_PARSE_TIMEOUT, millis(settings.requestTimeout()))
        .setSocketOption(Options.WRITE_TIMEOUT, millis(settings.writeTimeout()))
        .setServerOption(UndertowOptions.IDLE_TIMEOUT, millis(backstop))
        .setHandler(new RequestMetrics(new ErrorHandler(new StopGate(drain, new ConnectionLimit(
            settings.maxConnections(), Handlers.httpContinueRead(Caching.revalidateByDefault(router.handler()))))),
            metrics))
        .build();
    undertow.start();
    log.info("HTTP API listening on port {}{} ({})", address().getPort(), settings.tls().isPresent() ? " (HTTPS)" : "",
        auth.enabled() ? "changes allowed with the admin token" : "read-only: no admin token");
    return this;
  }

  /** HTTP, or HTTPS with the server's one TLS context and protocols (the WebSocket is then wss). */
  private Undertow.ListenerBuilder listener() {
    Undertow.ListenerBuilder listener = new Undertow.ListenerBuilder()
        .setPort(settings.address().getPort())
        .setHost(settings.address().getHostString());
    if (settings.tls().isEmpty()) {
      return listener.setType(Undertow.ListenerType.HTTP);
    }
    return listener.setType(Undertow.ListenerType.HTTPS)
        .setSslContext(settings.tls().get().context())
        .setOverrideSocketOptions(settings.tls().get().xnioOptions());
  }

  private static int millis(Duration duration) {
    return (int) Math.min(Integer.MAX_VALUE, duration.toMillis());
  }

  public InetSocketAddress address() {
    return (InetSocketAddress) undertow.getListenerInfo().get(0).getAddress();
  }

  /** Stops accepting connections; the connections open stay until the worker stops. */
  @Override
  public void close() {
    if (undertow != null) {
      undertow.stop();
    }
  }
}
