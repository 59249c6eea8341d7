package io.torchfeed.transport.http;

import io.torchfeed.metrics.Metrics;
import io.undertow.server.HttpServerExchange;
import java.util.function.BooleanSupplier;

/** {@code /healthz}, {@code /readyz} and {@code /metrics}: answered at any time, ready or not. */
final class HealthHandlers {
  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final BooleanSupplier ready;
  private final Metrics metrics;

  HealthHandlers(BooleanSupplier ready, Metrics metrics) {
    this.ready = ready;
    this.metrics = metrics;
  }

  void alive(HttpServerExchange exchange) {
    Responses.json(exchange, 200, new Documents.Status("alive"));
  }

  void ready(HttpServerExchange exchange) {
    requireReady();
    Responses.json(exchange, 200, new Documents.Status("ready"));
  }

  void metrics(HttpServerExchange exchange) {
    Responses.text(exchange, 200, PROMETHEUS_TEXT, metrics.scrape());
  }

  /** 503 until the first scan of the repository is done. */
  void requireReady() {
    if (!ready.getAsBoolean()) {
      throw HttpException.unavailable("the first scan of the repository is not done yet");
    }
  }
}
